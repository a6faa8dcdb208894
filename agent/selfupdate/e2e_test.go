package selfupdate_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sunboard/sunboard/feed/release"

	"github.com/sunboard/sunboard/agent/selfupdate"
	"github.com/sunboard/sunboard/feed"
	"github.com/sunboard/sunboard/feed/publish"
)

const village = "370783-101-001"

// build compiles testdata/fakeagent as version for goarch ("" the host's).
func build(t *testing.T, version, goarch string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "fakeagent-"+version)
	cmd := exec.Command(goTool(), "build", "-trimpath", "-ldflags", "-X main.version="+version, "-o", out, "./testdata/fakeagent")
	cmd.Env = os.Environ()
	if goarch != "" {
		cmd.Env = append(cmd.Env, "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build fakeagent %s: %v\n%s", version, err, b)
	}
	return out
}

func goTool() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

// world is a county repository served over HTTP and one board: its feed
// state and bin dir, the packaged binary (0.1.0) and a clock.
type world struct {
	t        *testing.T
	dir      string
	repo     *publish.Repo
	feed     *feed.Feed
	bin      string // the board's bin dir
	packaged string
	now      time.Time
	arch     string
	mu       sync.Mutex
	ranges   []string // Range headers the county saw
}

func newWorld(t *testing.T, packaged string) *world {
	t.Helper()
	arch := selfupdate.Arch()
	if !slices.Contains(publish.AgentArches, arch) {
		t.Skipf("no agent releases for %s", arch)
	}
	w := &world{t: t, dir: t.TempDir(), packaged: packaged, now: time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC), arch: arch}
	if _, err := publish.Init(filepath.Join(w.dir, "county"), publish.InitOpts{}); err != nil {
		t.Fatal(err)
	}
	repo, err := publish.Open(filepath.Join(w.dir, "county"))
	if err != nil {
		t.Fatal(err)
	}
	w.repo = repo
	if err := repo.PublishVillage(village, map[string][]byte{"notice.md": []byte("# 通知\n")}); err != nil {
		t.Fatal(err)
	}
	h := repo.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if rg := r.Header.Get("Range"); rg != "" {
			w.mu.Lock()
			w.ranges = append(w.ranges, rg)
			w.mu.Unlock()
		}
		h.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	w.feed, err = feed.Open(feed.Opts{URL: srv.URL + "/", Root: repo.RootPath(), State: filepath.Join(w.dir, "state", "feed"), Village: village,
		Now: func() time.Time { return w.now }})
	if err != nil {
		t.Fatal(err)
	}
	w.bin = filepath.Join(w.dir, "state", "bin")
	return w
}

func (w *world) release(arch, version string, bin []byte) {
	w.t.Helper()
	if _, err := w.repo.ReleaseAgent(arch, version, bin, nil); err != nil {
		w.t.Fatal(err)
	}
}

// check is one sync plus Updater.Check of the running version.
func (w *world) check(running string) (bool, error) {
	w.t.Helper()
	if _, err := w.feed.Sync(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	u, err := selfupdate.New(selfupdate.Opts{Dir: w.bin, Version: running, Now: func() time.Time { return w.now }, Logf: w.t.Logf})
	if err != nil {
		w.t.Fatal(err)
	}
	return u.Check(context.Background(), w.feed)
}

// start is one start of the service: systemd runs the packaged binary's
// `run`. It returns the version that ran (from ran.log) and the exit code.
func (w *world) start(env ...string) (ran string, code int) {
	w.t.Helper()
	logf := filepath.Join(w.dir, "state", "ran.log")
	os.Remove(logf)
	cmd := exec.Command(w.packaged, "run", w.bin)
	cmd.Env = append(os.Environ(), "FAKE_NOW="+w.now.Format(time.RFC3339))
	cmd.Env = append(cmd.Env, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	w.t.Logf("start: %v\n%s", err, stderr.Bytes())
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatal(err)
	}
	b, _ := os.ReadFile(logf)
	return strings.TrimSpace(string(b)), code
}

func (w *world) current() string {
	t, err := os.Readlink(filepath.Join(w.bin, "current"))
	if err != nil {
		return ""
	}
	return t
}

func (w *world) onTrial() bool {
	_, err := os.Stat(filepath.Join(w.bin, "trial.json"))
	return err == nil
}

func TestSelfUpdateEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries")
	}
	packaged := build(t, "0.1.0", "")
	newBin, err := os.ReadFile(build(t, "0.2.0", ""))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("healthy", func(t *testing.T) {
		w := newWorld(t, packaged)
		if ran, _ := w.start(); ran != "0.1.0" {
			t.Fatalf("before any release ran %q, want the packaged 0.1.0", ran)
		}
		w.release(w.arch, "0.2.0", newBin)
		switched, err := w.check("0.1.0")
		if err != nil || !switched {
			t.Fatalf("Check = %v, %v; want switched", switched, err)
		}
		if w.current() != "sunboard-0.2.0" || !w.onTrial() {
			t.Fatalf("current %q, trial %v; want sunboard-0.2.0 on trial", w.current(), w.onTrial())
		}
		ran, code := w.start("FAKE_HEALTHY=1")
		if ran != "0.2.0" || code != 0 {
			t.Fatalf("ran %q (exit %d), want 0.2.0", ran, code)
		}
		if w.onTrial() || w.current() != "sunboard-0.2.0" {
			t.Fatalf("after a healthy report: trial %v current %q", w.onTrial(), w.current())
		}
		// The new binary, now running, finds nothing newer.
		if switched, err := w.check("0.2.0"); err != nil || switched {
			t.Fatalf("Check as 0.2.0 = %v, %v", switched, err)
		}
		if ran, _ := w.start(); ran != "0.2.0" {
			t.Fatalf("next boot ran %q", ran)
		}
	})

	t.Run("never healthy: rolled back after the deadline", func(t *testing.T) {
		w := newWorld(t, packaged)
		w.release(w.arch, "0.2.0", newBin)
		if switched, err := w.check("0.1.0"); err != nil || !switched {
			t.Fatalf("Check = %v, %v", switched, err)
		}
		if ran, code := w.start(); ran != "0.2.0" || code != 0 {
			t.Fatalf("ran %q (exit %d)", ran, code)
		}
		if !w.onTrial() {
			t.Fatal("trial ended without a healthy report")
		}
		w.now = w.now.Add(selfupdate.DefaultWindow + time.Second)
		// The launcher finds the deadline passed and rolls back before exec.
		if ran, _ := w.start(); ran != "0.1.0" {
			t.Fatalf("past the deadline ran %q, want the packaged 0.1.0", ran)
		}
		if w.current() != "" || w.onTrial() {
			t.Fatalf("after rollback: current %q trial %v, want the packaged binary", w.current(), w.onTrial())
		}
		if ran, _ := w.start(); ran != "0.1.0" {
			t.Fatalf("after rollback ran %q", ran)
		}
		st := selfupdate.Status(w.bin, "0.1.0")
		if !strings.Contains(st, "update to 0.2.0 failed") || !strings.Contains(st, "deadline") {
			t.Errorf("Status = %q", st)
		}
		// The failed version is not installed again on the next sync.
		if switched, err := w.check("0.1.0"); err != nil || switched {
			t.Fatalf("Check after rollback = %v, %v; want nothing", switched, err)
		}
	})

	t.Run("crash loop: rolled back after MaxStarts starts", func(t *testing.T) {
		w := newWorld(t, packaged)
		w.release(w.arch, "0.2.0", newBin)
		if switched, err := w.check("0.1.0"); err != nil || !switched {
			t.Fatalf("Check = %v, %v", switched, err)
		}
		for i := range selfupdate.DefaultMaxStarts {
			if ran, code := w.start("FAKE_CRASH=0.2.0"); ran != "" || code != 2 {
				t.Fatalf("start %d: ran %q exit %d, want a crash", i+1, ran, code)
			}
		}
		if ran, _ := w.start("FAKE_CRASH=0.2.0"); ran != "0.1.0" {
			t.Fatalf("after %d crashes ran %q, want the packaged 0.1.0", selfupdate.DefaultMaxStarts, ran)
		}
		if w.current() != "" || w.onTrial() {
			t.Fatalf("current %q trial %v", w.current(), w.onTrial())
		}
		if st := selfupdate.Status(w.bin, "0.1.0"); !strings.Contains(st, "started 3 times") {
			t.Errorf("Status = %q", st)
		}
	})

	t.Run("tampered binary refused", func(t *testing.T) {
		w := newWorld(t, packaged)
		w.release(w.arch, "0.2.0", newBin)
		served, _ := filepath.Glob(filepath.Join(w.dir, "county", "public", "targets", "agent", w.arch, "*.sunboard"))
		if len(served) != 1 {
			t.Fatalf("served binaries %v", served)
		}
		bad := slices.Clone(newBin)
		bad[len(bad)/2] ^= 0xff
		if err := os.WriteFile(served[0], bad, 0o644); err != nil {
			t.Fatal(err)
		}
		switched, err := w.check("0.1.0")
		if switched || err == nil || !strings.Contains(err.Error(), release.Path(w.arch)) || !strings.Contains(err.Error(), "mismatch") {
			t.Fatalf("Check = %v, %v; want a refusal naming %s", switched, err, release.Path(w.arch))
		}
		t.Logf("refused: %v", err)
		ents, _ := os.ReadDir(w.bin)
		for _, e := range ents {
			t.Errorf("bin dir holds %s after a refused download", e.Name())
		}
		if ran, _ := w.start(); ran != "0.1.0" {
			t.Fatalf("ran %q", ran)
		}
	})

	t.Run("interrupted download resumes", func(t *testing.T) {
		w := newWorld(t, packaged)
		w.release(w.arch, "0.2.0", newBin)
		if err := os.MkdirAll(w.bin, 0o700); err != nil {
			t.Fatal(err)
		}
		// What a power cut halfway through the download leaves.
		half := len(newBin) / 2
		if err := os.WriteFile(filepath.Join(w.bin, ".tmp-download-sunboard-0.2.0.part"), newBin[:half], 0o600); err != nil {
			t.Fatal(err)
		}
		if ran := runnableVersion(t, w); ran != "0.1.0" {
			t.Fatalf("after the cut the board runs %s", ran)
		}
		if switched, err := w.check("0.1.0"); err != nil || !switched {
			t.Fatalf("Check = %v, %v", switched, err)
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if want := "bytes=" + strconv.Itoa(half) + "-"; !slices.Contains(w.ranges, want) {
			t.Errorf("Range requests %v, want %s", w.ranges, want)
		}
		if ents, _ := filepath.Glob(filepath.Join(w.bin, ".tmp-*")); len(ents) != 0 {
			t.Errorf("left behind: %v", ents)
		}
	})

	t.Run("other arch ignored", func(t *testing.T) {
		w := newWorld(t, packaged)
		other := "arm64"
		if w.arch == "linux-arm64" {
			other = "amd64"
		}
		ob, err := os.ReadFile(build(t, "0.3.0", other))
		if err != nil {
			t.Fatal(err)
		}
		w.release("linux-"+other, "0.3.0", ob)
		if switched, err := w.check("0.1.0"); err != nil || switched {
			t.Fatalf("Check = %v, %v; want nothing", switched, err)
		}
		// Releasing it under this board's arch is refused at the county.
		if _, err := w.repo.ReleaseAgent(w.arch, "0.3.0", ob, nil); err == nil {
			t.Fatal("ReleaseAgent took a binary for another arch")
		}
	})

	t.Run("revoked previous: roll back to the packaged binary", func(t *testing.T) {
		w := newWorld(t, packaged)
		w.release(w.arch, "0.2.0", newBin)
		if switched, err := w.check("0.1.0"); err != nil || !switched {
			t.Fatal(switched, err)
		}
		if ran, _ := w.start("FAKE_HEALTHY=1"); ran != "0.2.0" {
			t.Fatal(ran)
		}
		v3, err := os.ReadFile(build(t, "0.3.0", ""))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.repo.ReleaseAgent(w.arch, "0.3.0", v3, []string{"0.2.0"}); err != nil {
			t.Fatal(err)
		}
		if switched, err := w.check("0.2.0"); err != nil || !switched {
			t.Fatal(switched, err)
		}
		for range selfupdate.DefaultMaxStarts {
			w.start("FAKE_CRASH=0.3.0")
		}
		if ran, _ := w.start("FAKE_CRASH=0.3.0"); ran != "0.1.0" {
			t.Fatalf("ran %q, want the packaged 0.1.0 (0.2.0 is revoked)", ran)
		}
	})
}

// runnableVersion is what one start of the service runs.
func runnableVersion(t *testing.T, w *world) string {
	t.Helper()
	ran, _ := w.start()
	return ran
}
