package cmd_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sunboard/sunboard/agent/selfupdate"
	"github.com/sunboard/sunboard/feed/publish"
)

// TestSelfUpdateCommandLine: the county releases a new agent with sunpub
// release; the real agent (0.1.0, as packaged) syncs, stages and switches
// to it and exits; started again as systemd would, its launcher execs the
// new binary in the same process, which reports healthy once it has drawn
// a frame and synced, ending the trial.
func TestSelfUpdateCommandLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries")
	}
	arch := selfupdate.Arch()
	if !slices.Contains(publish.AgentArches, arch) {
		t.Skipf("no agent releases for %s", arch)
	}
	bin := t.TempDir()
	gobuild := func(out, pkg string, ldflags ...string) {
		t.Helper()
		args := append([]string{"build", "-o", filepath.Join(bin, out)}, ldflags...)
		if out, err := exec.Command("go", append(args, pkg)...).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	gobuild("sunpub", "./sunpub")
	gobuild("sunboard-0.1.0", "./sunboard", "-ldflags", "-X main.version=0.1.0")
	gobuild("sunboard-0.2.0", "./sunboard", "-ldflags", "-X main.version=0.2.0")
	sunpub, packaged := filepath.Join(bin, "sunpub"), filepath.Join(bin, "sunboard-0.1.0")
	if out, err := exec.Command(packaged, "version").Output(); err != nil || !strings.HasPrefix(string(out), "0.1.0 "+arch) {
		t.Fatalf("sunboard version = %q, %v", out, err)
	}

	repo := filepath.Join(t.TempDir(), "county")
	run := func(name string, args ...string) string {
		t.Helper()
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run(sunpub, "init", "--repo", repo)
	run(sunpub, "publish", "--repo", repo, "../content/sample/village")
	out := run(sunpub, "release", "--repo", repo, "--arch", arch, "--version", "0.2.0", filepath.Join(bin, "sunboard-0.2.0"))
	if !strings.Contains(out, "released sunboard 0.2.0 for "+arch) {
		t.Errorf("release output:\n%s", out)
	}

	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	serve := exec.CommandContext(ctx, sunpub, "serve", "--repo", repo, "--addr", addr)
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); serve.Wait() }()
	waitListen(t, addr)
	state := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "sunboard.toml")
	writeConfig(t, cfg, addr, repo, state)
	binDir := filepath.Join(state, "bin")

	// First start: 0.1.0 syncs, switches to 0.2.0 and exits by itself.
	first := exec.Command(packaged, "run", "--config", cfg)
	logs := &strings.Builder{}
	first.Stderr = logs
	done := make(chan error, 1)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- first.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("first run: %v\n%s", err, logs)
		}
	case <-time.After(2 * time.Minute):
		first.Process.Kill()
		t.Fatalf("the agent did not switch and exit\n%s", logs)
	}
	if l, _ := os.Readlink(filepath.Join(binDir, "current")); l != "sunboard-0.2.0" {
		t.Fatalf("current -> %q after the first run\n%s", l, logs)
	}
	if _, err := os.Stat(filepath.Join(binDir, "trial.json")); err != nil {
		t.Fatalf("no trial marker: %v", err)
	}

	// Second start (systemd's restart): the launcher execs 0.2.0 in place.
	second := exec.Command(packaged, "run", "--config", cfg)
	logs2 := &strings.Builder{}
	second.Stderr = logs2
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { second.Process.Signal(os.Interrupt); second.Wait() }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		_, err := os.Stat(filepath.Join(binDir, "trial.json"))
		if os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new agent never reported healthy\n%s", logs2)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("first run (0.1.0):\n%s", logs)
	exe, err := os.Readlink("/proc/" + strconv.Itoa(second.Process.Pid) + "/exe")
	if err == nil && filepath.Base(exe) != "sunboard-0.2.0" {
		t.Errorf("the restarted agent runs %s, want bin/sunboard-0.2.0", exe)
	}
	if l, _ := os.Readlink(filepath.Join(binDir, "current")); l != "sunboard-0.2.0" {
		t.Fatalf("current -> %q after the trial", l)
	}
	if st := selfupdate.Status(binDir, "0.2.0"); strings.Contains(st, "failed") {
		t.Errorf("status: %s", st)
	}
}
