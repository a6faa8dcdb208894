package feed

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// crashChildEnv makes the test binary act as an agent: Open + Sync against
// the URL and state dir in the environment, then exit.
const crashChildEnv = "SUNBOARD_FEED_CRASH_CHILD"

// pacedWriter sends a target in 32 KiB pieces a little apart, so one sync
// takes long enough for a kill to land in the middle of a download.
type pacedWriter struct {
	http.ResponseWriter
}

func (p pacedWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		k := min(len(b), 32<<10)
		m, err := p.ResponseWriter.Write(b[:k])
		n += m
		if err != nil {
			return n, err
		}
		p.ResponseWriter.(http.Flusher).Flush()
		time.Sleep(time.Millisecond)
		b = b[k:]
	}
	return n, nil
}

func (p pacedWriter) Flush() { p.ResponseWriter.(http.Flusher).Flush() }

// TestKillDuringSync kills a real agent process (kill -9) at random points of
// a sync, 50 times (5 with -short). After each kill a fresh Open must show
// exactly the old or exactly the new version, with no warning but torn TUF
// cache files, and no temp files left. The state dir carries over from run to
// run, so later runs also resume what earlier ones left in partial/.
func TestKillDuringSync(t *testing.T) {
	if os.Getenv(crashChildEnv) != "" {
		crashChild()
		return
	}
	runs := 50
	if testing.Short() {
		runs = 5
	}
	e := newEnv(t, nil)
	e.cnt.before = func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/targets/") {
			e.cnt.h.ServeHTTP(pacedWriter{w}, r)
			return true
		}
		return false
	}
	// Each version: 8 photos of 96 kB, 6 new ones per version, plus text.
	version := func(k int) map[string]string {
		m := with(v1, "notice.md", fmt.Sprintf("# 通知\n第%d期\n", k))
		for i := range 8 {
			seed := uint64(k*100 + i)
			if i < 2 {
				seed = uint64(i) // unchanged between versions
			}
			m[fmt.Sprintf("photos/p%d.jpg", i)] = randomText(seed, 96_000)
		}
		return m
	}
	k := 1
	cur := version(k)
	e.publish(cur)
	e.sync(e.open())
	k++
	next := version(k)
	e.publish(next)

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	var window time.Duration // how long one uninterrupted child sync takes
	var sawOld, sawNew, finished, midDownload atomic.Int32
	for run := 0; run <= runs; run++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillDuringSync$")
		cmd.Env = append(os.Environ(), crashChildEnv+"=1", "GORACE=atexit_sleep_ms=0", // the race runtime otherwise waits 1 s at exit
			"SUNBOARD_FEED_URL="+e.opts.URL, "SUNBOARD_FEED_ROOT="+e.opts.Root, "SUNBOARD_FEED_STATE="+e.opts.State)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The child says when it is about to Open: process start-up (about
		// a second for a cold race binary) is not what is under test.
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || line != "start\n" {
			cmd.Wait()
			t.Fatalf("run %d: agent did not start: %q %v\n%s", run, line, err, stderr.String())
		}
		start := time.Now()
		if run > 0 {
			// Kill anywhere from Open to a bit past a full sync.
			delay := time.Duration(rng.Int64N(int64(window) * 13 / 10))
			timer := time.AfterFunc(delay, func() { cmd.Process.Kill() })
			err := cmd.Wait()
			timer.Stop()
			ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
			killed := ws.Signaled() && ws.Signal() == syscall.SIGKILL
			if !killed && err != nil {
				t.Fatalf("run %d: agent failed on its own: %v\n%s", run, err, stderr.String())
			}
			if !killed {
				finished.Add(1)
			}
		} else {
			if err := cmd.Wait(); err != nil {
				t.Fatalf("agent without kill: %v\n%s", err, stderr.String())
			}
			window = time.Since(start)
			t.Logf("one uninterrupted agent sync (Open to exit): %v; %s", window.Round(time.Millisecond), strings.TrimSpace(stderr.String()))
		}

		if len(storeFiles(t, e.opts.State, "partial")) > 0 {
			midDownload.Add(1)
		}
		f, err := Open(e.opts)
		if err != nil {
			t.Fatalf("run %d: Open after kill: %v", run, err)
		}
		for _, w := range f.Warnings() {
			if !strings.HasPrefix(w, "cached metadata ") {
				t.Errorf("run %d: Open after kill warns: %s", run, w)
			}
		}
		for _, n := range storeFiles(t, e.opts.State, "tmp") {
			t.Errorf("run %d: tmp/%s left after Open", run, n)
		}
		v, ok := f.Current()
		if !ok {
			t.Fatalf("run %d: no content after kill", run)
		}
		switch {
		case sameContent(v, next):
			sawNew.Add(1)
			k++
			cur, next = next, version(k)
			e.publish(next)
		case sameContent(v, cur):
			sawOld.Add(1)
		default:
			t.Fatalf("run %d: content after kill is neither version %d nor %d complete", run, k-1, k)
		}
	}
	t.Logf("%d kills: %d restarts showed the old version, %d the new one (%d agents finished before their kill, %d left a half download)",
		runs, sawOld.Load(), sawNew.Load()-1, finished.Load(), midDownload.Load())
}

// sameContent reports whether v holds exactly want.
func sameContent(v Version, want map[string]string) bool {
	n := 0
	for rel, w := range want {
		b, err := fsReadFile(v, rel)
		if err != nil || string(b) != w {
			return false
		}
		n++
	}
	return len(v.FS.(*objFS).files) == n
}

func fsReadFile(v Version, rel string) ([]byte, error) {
	fh, err := v.FS.Open(rel)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(fh)
	return b.Bytes(), err
}

func crashChild() {
	fmt.Println("start")
	t0 := time.Now()
	f, err := Open(Opts{URL: os.Getenv("SUNBOARD_FEED_URL"), Root: os.Getenv("SUNBOARD_FEED_ROOT"),
		State: os.Getenv("SUNBOARD_FEED_STATE"), Village: village})
	t1 := time.Now()
	if err == nil {
		_, err = f.Sync(context.Background())
	}
	fmt.Fprintf(os.Stderr, "open %v sync %v\n", t1.Sub(t0), time.Since(t1))
	if err != nil {
		fmt.Fprintln(os.Stderr, "agent:", err)
		os.Exit(3)
	}
	os.Exit(0)
}
