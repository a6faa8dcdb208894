package cmd_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sunboard/sunboard/agent"
)

// TestCommandLine drives the real binaries the way an operator would:
// sunpub init, publish and serve; sunboard sync and render.
func TestCommandLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries")
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+"/", "./sunboard", "./sunpub")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	sunpub, sunboard := filepath.Join(bin, "sunpub"), filepath.Join(bin, "sunboard")
	repo := filepath.Join(t.TempDir(), "county")

	run := func(wantOK bool, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		out, err := cmd.CombinedOutput()
		if (err == nil) != wantOK {
			t.Fatalf("%s %s: err=%v, want ok=%v\n%s", filepath.Base(name), strings.Join(args, " "), err, wantOK, out)
		}
		return string(out)
	}
	out := run(true, sunpub, "init", "--repo", repo)
	if !strings.Contains(out, "offline") {
		t.Errorf("init does not warn that root keys belong offline:\n%s", out)
	}
	if fi, err := os.Stat(filepath.Join(repo, "keys")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("keys dir: %v %v", fi, err)
	}
	run(false, sunpub, "init", "--repo", repo)
	run(true, sunpub, "publish", "--repo", repo, "../content/sample/village")

	// A folder with a mistake is refused with the file and line, and
	// publishes nothing.
	bad := t.TempDir()
	copyDir(t, "../content/sample/village", bad)
	csv := filepath.Join(bad, "2026-10-finance.csv")
	b, _ := os.ReadFile(csv)
	os.WriteFile(csv, bytes.Replace(b, []byte("612.40"), []byte("612.41"), 1), 0o644)
	out = run(false, sunpub, "publish", "--repo", repo, bad)
	if !strings.Contains(out, "2026-10-finance.csv:27: 支出（元）: 合计") {
		t.Errorf("bad total not located:\n%s", out)
	}

	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The board's device key is registered before the county serves.
	state := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "sunboard.toml")
	writeConfig(t, cfg, addr, repo, state)
	pub := filepath.Join(t.TempDir(), "board.pub")
	os.WriteFile(pub, []byte(run(true, sunboard, "device-key", "--config", cfg)), 0o644)
	run(true, sunpub, "device", "add", "--repo", repo, "--village", "370783-101-001", "--key", pub)
	// An operator account (before serve: bbolt is one process at a time);
	// its API token reads the fleet API and runs sunpub audit.
	t.Setenv("SUNPUB_OPERATOR_PASSWORD", "operator-password-1")
	opOut := strings.TrimSpace(run(true, sunpub, "operator", "add", "--repo", repo, "--operator", "test-op", "--operator-role", "county"))
	if !strings.Contains(opOut, "valid until") {
		t.Errorf("operator add did not say how long the token lasts:\n%s", opOut)
	}
	// A second token for the same operator (the password stays); audit uses it.
	tokOut := strings.TrimSpace(run(true, sunpub, "operator", "token", "--repo", repo, "--operator", "test-op", "--token-days", "1"))
	token := tokOut[strings.LastIndex(tokOut, "\n")+1:]
	t.Setenv("SUNPUB_FLEET_TOKEN", token)

	serve := exec.CommandContext(ctx, sunpub, "serve", "--repo", repo, "--addr", addr, "--trusted-proxy", "127.0.0.1,::1", "../content/sample/village")
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	// Cancel before waiting: a failed check must not leave the test (or
	// the server) hanging.
	defer func() { cancel(); serve.Wait() }()
	waitListen(t, addr)

	run(true, sunboard, "sync", "--config", cfg)
	pages := t.TempDir()
	run(true, sunboard, "render", "--config", cfg, "--out", pages, "--at", "2026-11-22T09:30")
	for _, want := range []string{"square/001-2026-11-cold-wave.png", "tv/001-2026-11-cold-wave.png"} {
		if _, err := os.Stat(filepath.Join(pages, want)); err != nil {
			t.Errorf("render did not write %s: %v", want, err)
		}
	}
	// After the 公示期 of everything, the boards show the idle page.
	idle := t.TempDir()
	run(true, sunboard, "render", "--config", cfg, "--out", idle, "--at", "2027-03-01")
	if _, err := os.Stat(filepath.Join(idle, "tv", "001-idle.png")); err != nil {
		t.Errorf("no idle page after every window ended: %v", err)
	}

	// The agent runs for a while: its heartbeat reaches the fleet page and
	// the county can ask whether the 公示期 was kept.
	agentCmd := exec.Command(sunboard, "run", "--config", cfg)
	if err := agentCmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/fleet.json", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(b), `"heartbeat"`) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no heartbeat on the fleet server")
		}
		time.Sleep(200 * time.Millisecond)
	}
	agentCmd.Process.Signal(os.Interrupt)
	agentCmd.Wait()
	// Minutes of play cannot cover a month-long 公示期: audit says so.
	out = run(false, sunpub, "audit", "--fleet", "http://"+addr+"/", "--village", "370783-101-001")
	if !strings.Contains(out, "公示审计") {
		t.Errorf("audit output:\n%s", out)
	}

	// The county goes away: sync fails clearly, render still works from
	// the store.
	cancel()
	serve.Wait()
	out = run(false, sunboard, "sync", "--config", cfg)
	if !strings.Contains(out, "still showing verified version") {
		t.Errorf("offline sync error does not say the content is kept:\n%s", out)
	}
	run(true, sunboard, "render", "--config", cfg, "--out", t.TempDir(), "--at", "2026-11-22T09:30")
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitListen(t *testing.T, addr string) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}

func copyDir(t *testing.T, from, to string) {
	err := filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func writeConfig(t *testing.T, path, addr, repo, state string) {
	t.Helper()
	err := os.WriteFile(path, fmt.Appendf(nil, `village = "370783-101-001"
feed = "http://%s/"
fleet = "http://%s/"
root = %q
state = %q
listen = "127.0.0.1:0"
`+agent.SimDisplays, addr, addr, filepath.Join(repo, "public", "metadata", "1.root.json"), state), 0o644)
	if err != nil {
		t.Fatal(err)
	}
}
