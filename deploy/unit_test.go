package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// needTool finds a host tool; without it the test skips, unless CI is set
// (.ci/run), where a missing tool is a broken CI image.
func needTool(t *testing.T, name, apt string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not found with CI set: apt-get install -y %s", name, apt)
		}
		t.Skipf("%s not found (apt-get install -y %s)", name, apt)
	}
	return p
}

// unitKeys parses a unit file into key -> values, in order.
func unitKeys(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: line %q is not key=value", path, line)
		}
		m[k] = append(m[k], v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestUnitSettings(t *testing.T) {
	m := unitKeys(t, "sunboard.service")
	want := map[string]string{
		"Type":                  "notify",
		"WatchdogSec":           "30",
		"Restart":               "always",
		"DynamicUser":           "yes",
		"StateDirectory":        "sunboard",
		"PrivateDevices":        "no",
		"ExecStart":             "/usr/bin/sunboard run --config /etc/sunboard/sunboard.toml",
		"ConditionPathExists":   "/etc/sunboard/root.json",
		"SupplementaryGroups":   "video spi i2c gpio",
		"NoNewPrivileges":       "yes",
		"ProtectSystem":         "strict",
		"CapabilityBoundingSet": "",
	}
	for k, v := range want {
		if got := m[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s=%q, want %q", k, got, v)
		}
	}
	// Every display device the agent may open must stay reachable.
	for _, dev := range []string{"char-fb rw", "char-drm rw", "char-spi rw", "char-i2c rw", "/dev/gpiomem rw", "/dev/mem rw"} {
		if !slices.Contains(m["DeviceAllow"], dev) {
			t.Errorf("DeviceAllow=%s missing (have %q)", dev, m["DeviceAllow"])
		}
	}
}

// TestUnitVerifies runs systemd-analyze verify on the unit alone and with
// the ws281x drop-in. ExecStart must name an executable, so the unit is
// copied with /usr/bin/sunboard pointing at a stand-in.
func TestUnitVerifies(t *testing.T) {
	sa := needTool(t, "systemd-analyze", "systemd")
	dir := t.TempDir()
	fake := filepath.Join(dir, "sunboard")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	unit, err := os.ReadFile("sunboard.service")
	if err != nil {
		t.Fatal(err)
	}
	unit = []byte(strings.ReplaceAll(string(unit), "/usr/bin/sunboard", fake))
	if err := os.WriteFile(filepath.Join(dir, "sunboard.service"), unit, 0o644); err != nil {
		t.Fatal(err)
	}

	verify := func(name string) {
		t.Helper()
		cmd := exec.Command(sa, "verify", "--man=no", "sunboard.service")
		cmd.Dir = dir
		// Our dir first, then the built-in search path (trailing colon).
		cmd.Env = append(os.Environ(), "SYSTEMD_UNIT_PATH="+dir+":", "SYSTEMD_LOG_COLOR=0")
		out, err := cmd.CombinedOutput()
		// verify exits 0 on unknown keys; any line it prints is a finding.
		if err != nil || len(strings.TrimSpace(string(out))) > 0 {
			t.Errorf("systemd-analyze verify (%s): %v\n%s", name, err, out)
		}
	}
	verify("unit")

	dropin, err := os.ReadFile("ws281x.conf")
	if err != nil {
		t.Fatal(err)
	}
	d := filepath.Join(dir, "sunboard.service.d")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "ws281x.conf"), dropin, 0o644); err != nil {
		t.Fatal(err)
	}
	verify("unit + ws281x.conf")

	// The check itself must catch a mistake, or it proves nothing.
	if err := os.WriteFile(filepath.Join(d, "zz-bad.conf"), []byte("[Service]\nWatchdogSecs=30\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sa, "verify", "--man=no", "sunboard.service")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SYSTEMD_UNIT_PATH="+dir+":")
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), "WatchdogSecs") {
		t.Errorf("verify did not report the misspelt key; output:\n%s", out)
	}
}
