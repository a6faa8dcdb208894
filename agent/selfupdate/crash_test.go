package selfupdate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sunboard/sunboard/feed/release"

	"github.com/sunboard/sunboard/feed"
)

// fakeFeed serves one release whose "binary" is a shell script printing
// its version, as a signed target would be: FetchCountyTarget writes it to
// the path want returns.
type fakeFeed struct {
	rel  release.Meta
	body []byte
}

func newFakeFeed(version string, revoked ...string) *fakeFeed {
	return &fakeFeed{rel: release.Meta{Version: version, Arch: "linux-test", Revoked: revoked},
		body: []byte("#!/bin/sh\necho " + version + " linux-test\n")}
}

func (f *fakeFeed) FetchCountyTarget(_ context.Context, p string, want func(feed.CountyTarget) (string, error)) (feed.CountyTarget, error) {
	if p != release.Path("linux-test") {
		return feed.CountyTarget{}, feed.ErrNoTarget
	}
	sum := sha256.Sum256(f.body)
	custom, _ := json.Marshal(f.rel)
	ct := feed.CountyTarget{Path: p, Length: int64(len(f.body)), SHA256: hex.EncodeToString(sum[:]), Custom: custom}
	dst, err := want(ct)
	if err != nil || dst == "" {
		return ct, err
	}
	return ct, os.WriteFile(dst, f.body, 0o600)
}

var errPowerCut = errors.New("power cut")

type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

func opts(dir, version string, clk *testClock, cut string) Opts {
	o := Opts{Dir: dir, Version: version, Arch: "linux-test", Now: clk.now}
	if cut != "" {
		o.step = func(name string) error {
			if name == cut {
				return errPowerCut
			}
			return nil
		}
	}
	return o
}

// runnable is the invariant a power cut must keep: what the launcher runs
// exists and is executable, and a marker only ever names what current is
// (or is stale and removed by the next Decide).
func runnable(t *testing.T, dir, packaged string, clk *testClock) string {
	t.Helper()
	bin := Decide(opts(dir, packaged, clk, ""))
	if bin != "" && !isExecutable(bin) {
		t.Fatalf("launcher would exec %s, which is not an executable file", bin)
	}
	ran := packaged
	if bin != "" {
		ran = strings.TrimPrefix(filepath.Base(bin), binPrefix)
	}
	if m, _ := readMarker(dir); m != nil && m.Version != readCurrent(dir) {
		t.Fatalf("after Decide the marker names %s but current is %q", m.Version, readCurrent(dir))
	}
	return ran
}

func TestPowerCutDuringUpdate(t *testing.T) {
	for _, cut := range []string{"download", "stage", "marker", "switch"} {
		t.Run(cut, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "bin")
			clk := &testClock{time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)}
			u, err := New(opts(dir, "0.1.0", clk, cut))
			if err != nil {
				t.Fatal(err)
			}
			if switched, err := u.Check(context.Background(), newFakeFeed("0.2.0")); !errors.Is(err, errPowerCut) || switched {
				t.Fatalf("Check = %v, %v; want the power cut", switched, err)
			}
			// Boot after the cut: the packaged binary runs (nothing was switched).
			if ran := runnable(t, dir, "0.1.0", clk); ran != "0.1.0" {
				t.Fatalf("after a cut at %s the board runs %s", cut, ran)
			}
			// The next sync finishes the job.
			u, _ = New(opts(dir, "0.1.0", clk, ""))
			if switched, err := u.Check(context.Background(), newFakeFeed("0.2.0")); err != nil || !switched {
				t.Fatalf("Check after the cut = %v, %v", switched, err)
			}
			if ran := runnable(t, dir, "0.1.0", clk); ran != "0.2.0" {
				t.Fatalf("after the update the board runs %s", ran)
			}
			if m, _ := readMarker(dir); m == nil || m.Starts != 1 {
				t.Fatalf("trial marker %+v, want 1 start", m)
			}
		})
	}
}

// A cut right after the switch (before the process exits): the next start
// is the trial's first.
func TestPowerCutAfterSwitch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bin")
	clk := &testClock{time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)}
	u, _ := New(opts(dir, "0.1.0", clk, ""))
	if switched, err := u.Check(context.Background(), newFakeFeed("0.2.0")); err != nil || !switched {
		t.Fatal(switched, err)
	}
	if ran := runnable(t, dir, "0.1.0", clk); ran != "0.2.0" {
		t.Fatal(ran)
	}
}

func TestPowerCutDuringRollback(t *testing.T) {
	for _, cut := range []string{"count", "failed", "switch-back", "unmark"} {
		t.Run(cut, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "bin")
			clk := &testClock{time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)}
			u, _ := New(opts(dir, "0.1.0", clk, ""))
			if switched, err := u.Check(context.Background(), newFakeFeed("0.2.0")); err != nil || !switched {
				t.Fatal(switched, err)
			}
			clk.t = clk.t.Add(DefaultWindow + time.Minute)
			// The launcher rolls back (deadline passed) and is cut at step cut.
			if bin := Decide(opts(dir, "0.1.0", clk, cut)); bin != "" {
				t.Fatalf("Decide cut at %s returned %s, want the packaged binary", cut, bin)
			}
			if ran := runnable(t, dir, "0.1.0", clk); ran != "0.1.0" {
				t.Fatalf("after a cut at %s the board runs %s", cut, ran)
			}
			if m, _ := readMarker(dir); m != nil {
				t.Fatalf("marker left: %+v", m)
			}
			fs := readFailures(dir)
			if len(fs) != 1 || fs[0].Version != "0.2.0" || fs[0].Tries != 1 || !strings.Contains(fs[0].Reason, "deadline") {
				t.Fatalf("failed.json = %+v", fs)
			}
		})
	}
}

func TestPowerCutBeforePass(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bin")
	clk := &testClock{time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)}
	u, _ := New(opts(dir, "0.1.0", clk, ""))
	if switched, err := u.Check(context.Background(), newFakeFeed("0.2.0")); err != nil || !switched {
		t.Fatal(switched, err)
	}
	runnable(t, dir, "0.1.0", clk)
	tr := OpenTrial(opts(dir, "0.2.0", clk, "pass"))
	if tr == nil {
		t.Fatal("0.2.0 is not on trial")
	}
	if _, _, err := tr.Check(true); !errors.Is(err, errPowerCut) {
		t.Fatal(err)
	}
	if ran := runnable(t, dir, "0.1.0", clk); ran != "0.2.0" {
		t.Fatal(ran)
	}
	tr = OpenTrial(opts(dir, "0.2.0", clk, ""))
	if done, restart, err := tr.Check(true); !done || restart || err != nil {
		t.Fatal(done, restart, err)
	}
	if OpenTrial(opts(dir, "0.2.0", clk, "")) != nil {
		t.Fatal("still on trial after passing")
	}
	if ran := runnable(t, dir, "0.1.0", clk); ran != "0.2.0" {
		t.Fatal(ran)
	}
}

// The running trial rolls itself back at its deadline (the agent's clock):
// no restart needed to notice.
func TestTrialDeadlineInProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bin")
	clk := &testClock{time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)}
	u, _ := New(opts(dir, "0.1.0", clk, ""))
	if switched, err := u.Check(context.Background(), newFakeFeed("0.2.0")); err != nil || !switched {
		t.Fatal(switched, err)
	}
	runnable(t, dir, "0.1.0", clk)
	o := opts(dir, "0.2.0", clk, "")
	var ran time.Duration // how long this process has been on trial
	o.elapsed = func() time.Duration { return ran }
	tr := OpenTrial(o)
	clk.t = clk.t.Add(DefaultWindow - time.Second)
	ran = DefaultWindow - time.Second
	if done, restart, err := tr.Check(false); done || restart || err != nil {
		t.Fatalf("before the deadline: %v %v %v", done, restart, err)
	}
	// The wall clock jumps past the deadline (first NTP sync after boot),
	// but the process has not run for the window yet: no rollback.
	clk.t = clk.t.Add(time.Hour)
	if done, restart, err := tr.Check(false); done || restart || err != nil {
		t.Fatalf("after a clock jump: %v %v %v", done, restart, err)
	}
	ran = DefaultWindow + time.Second
	if done, restart, err := tr.Check(false); !done || !restart || err != nil {
		t.Fatalf("past the deadline: %v %v %v", done, restart, err)
	}
	if readCurrent(dir) != "" {
		t.Fatalf("current = %q, want the packaged binary", readCurrent(dir))
	}
	// Not retried until RetryAfter, and not at all after MaxTries.
	u, _ = New(opts(dir, "0.1.0", clk, ""))
	if switched, _ := u.Check(context.Background(), newFakeFeed("0.2.0")); switched {
		t.Fatal("failed version installed again at once")
	}
	for try := 2; try <= MaxTries+1; try++ {
		clk.t = clk.t.Add(DefaultRetryAfter + time.Minute)
		switched, err := u.Check(context.Background(), newFakeFeed("0.2.0"))
		if err != nil {
			t.Fatal(err)
		}
		if switched != (try <= MaxTries) {
			t.Fatalf("try %d: switched %v", try, switched)
		}
		if !switched {
			break
		}
		clk.t = clk.t.Add(DefaultWindow + time.Minute)
		if Decide(opts(dir, "0.1.0", clk, "")) != "" {
			t.Fatalf("try %d: not rolled back", try)
		}
	}
}

func TestCheckRefuses(t *testing.T) {
	clk := &testClock{time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name    string
		running string
		ff      *fakeFeed
		wantErr string
	}{
		{"same version", "0.2.0", newFakeFeed("0.2.0"), ""},
		{"older version: no downgrade", "0.3.0", newFakeFeed("0.2.0"), ""},
		{"revoked", "0.1.0", newFakeFeed("0.2.0", "0.2.0"), ""},
		{"arch mismatch in signed metadata", "0.1.0", func() *fakeFeed { f := newFakeFeed("0.2.0"); f.rel.Arch = "linux-arm64"; return f }(), "signed for arch"},
		{"lies about its version", "0.1.0", func() *fakeFeed { f := newFakeFeed("0.2.0"); f.body = []byte("#!/bin/sh\necho 0.1.9\n"); return f }(), "printed"},
		{"does not run", "0.1.0", func() *fakeFeed { f := newFakeFeed("0.2.0"); f.body = []byte("\x7fELF garbage"); return f }(), "sanity run"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "bin")
			u, err := New(opts(dir, tc.running, clk, ""))
			if err != nil {
				t.Fatal(err)
			}
			switched, err := u.Check(context.Background(), tc.ff)
			if switched {
				t.Fatal("switched")
			}
			if (err == nil) != (tc.wantErr == "") || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if readCurrent(dir) != "" {
				t.Fatalf("current = %q", readCurrent(dir))
			}
		})
	}
}

func TestLauncher(t *testing.T) {
	clk := &testClock{time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)}
	dir := filepath.Join(t.TempDir(), "bin")
	u, _ := New(opts(dir, "0.1.0", clk, ""))
	if switched, err := u.Check(context.Background(), newFakeFeed("0.2.0")); err != nil || !switched {
		t.Fatal(switched, err)
	}
	t.Setenv(LaunchedEnv, "1")
	if bin := Decide(opts(dir, "0.1.0", clk, "")); bin != "" {
		t.Fatalf("exec'd binary launches again: %s", bin)
	}
	t.Setenv(LaunchedEnv, "")
	if bin := Decide(opts(dir, "dev", clk, "")); bin != "" {
		t.Fatalf("dev build launches %s", bin)
	}
	// A package upgrade to 0.2.0 or later wins over the staged 0.2.0.
	if bin := Decide(opts(dir, "0.2.0", clk, "")); bin != "" || readCurrent(dir) != "" {
		t.Fatalf("packaged 0.2.0 launched %q (current %q)", bin, readCurrent(dir))
	}
}
