// Package simtest checks a running sim.Preview page in a real headless
// Chromium, so tests can prove that what the agent draws reaches a browser.
package simtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Chromium is the browser binary Check runs.
const Chromium = "/usr/bin/chromium"

// Budget is how long the page runs (in the browser's virtual time) before its
// DOM is read.
var Budget = 4 * time.Second

// Stats is what the preview page reports for one display, computed in the
// browser from the pixels it drew.
type Stats struct {
	Frames   int  `json:"frames"`
	Nonblank bool `json:"nonblank"`
	Changes  int  `json:"changes"`
	Width    int  `json:"width"`
	Height   int  `json:"height"`
	LED      bool `json:"led"`
	// DotPx is how many CSS pixels one LED takes (0 for a TV); Caption
	// the text under the display.
	DotPx   int    `json:"dot_px"`
	Caption string `json:"caption"`
}

// Skip skips t when Chromium is missing, unless the environment variable CI
// is set: on CI a missing browser must fail the build, not hide it.
func Skip(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(Chromium); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("no %s (set CI=1 to make this a failure): %v", Chromium, err)
		}
		t.Fatalf("CI is set but %s is missing: %v", Chromium, err)
	}
}

// Check loads the preview at url in headless Chromium and asserts that each
// named display was drawn more than once, shows lit pixels and changed over
// time. It returns what the page reported.
func Check(t testing.TB, url string, names ...string) map[string]Stats {
	t.Helper()
	Skip(t)
	dom := run(t, "--dump-dom", url)
	stats, err := parse(dom)
	if err != nil {
		t.Fatalf("preview %s: %v", url, err)
	}
	for _, n := range names {
		s, ok := stats[n]
		switch {
		case !ok:
			t.Errorf("preview %s: display %q not on the page (page reports %v)", url, n, stats)
		case s.Frames < 3:
			t.Errorf("preview %s: display %q drew %d frames, want ≥ 3", url, n, s.Frames)
		case !s.Nonblank:
			t.Errorf("preview %s: display %q is blank", url, n)
		case s.Changes < 2:
			t.Errorf("preview %s: display %q changed %d times in %d frames, want ≥ 2", url, n, s.Changes, s.Frames)
		}
	}
	return stats
}

// Screenshot saves a PNG of the page at url, 1400×1000, to path. The page is
// asked to stop after a few frames: a page that keeps fetching never lets
// Chromium's virtual clock run out, and the screenshot would hang.
func Screenshot(t testing.TB, url, path string) {
	t.Helper()
	Skip(t)
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatalf("screenshot path %q: %v", path, err)
	}
	still := url + "?frames=5"
	if strings.Contains(url, "?") {
		still = url + "&frames=5"
	}
	run(t, "--screenshot="+abs, "--window-size=1400,1000", still)
	if fi, err := os.Stat(abs); err != nil || fi.Size() == 0 {
		t.Fatalf("screenshot of %s: no file at %q: %v", url, abs, err)
	}
}

var testPre = regexp.MustCompile(`(?s)<pre id="preview-test"[^>]*>(.*?)</pre>`)

func parse(dom []byte) (map[string]Stats, error) {
	m := testPre.FindSubmatch(dom)
	if m == nil {
		return nil, fmt.Errorf("no #preview-test element in %d bytes of DOM", len(dom))
	}
	var stats map[string]Stats
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &stats); err != nil {
		return nil, fmt.Errorf("decode #preview-test %q: %w", m[1], err)
	}
	return stats, nil
}

// run starts Chromium in its own process group and kills the whole group when
// done, so no renderer or GPU helper outlives the test.
func run(t testing.TB, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Budget+60*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir(),
		"--virtual-time-budget=" + strconv.FormatInt(Budget.Milliseconds(), 10),
	}
	cmd := exec.CommandContext(ctx, Chromium, append(base, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stderr limitedBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if cmd.Process != nil {
		// The main process has exited; its helpers may not have.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) || ctx.Err() != nil {
			t.Fatalf("chromium %v: %v (ctx %v)\nstderr:\n%s", args, err, ctx.Err(), stderr.b)
		}
		t.Fatalf("chromium %v: %v", args, err)
	}
	return out
}

// limitedBuffer keeps the first 16 KiB of Chromium's chatty stderr.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := 16<<10 - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
