package feed

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/sunboard/sunboard/feed/internal/fsutil"
)

// randomText is n bytes that do not compress or repeat, seeded so a test
// can make the same or a different file on purpose.
func randomText(seed uint64, n int) string {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(r.IntN(26))
	}
	return string(b)
}

// fullDisk fails with ENOSPC once left bytes have been written.
type fullDisk struct {
	w    io.Writer
	left int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	n := min(len(p), d.left)
	if n > 0 {
		var err error
		n, err = d.w.Write(p[:n])
		d.left -= n
		if err != nil {
			return n, err
		}
	}
	if n < len(p) {
		return n, &os.PathError{Op: "write", Path: "sd", Err: syscall.ENOSPC}
	}
	return n, nil
}

// storeFiles lists a state dir's files under dir ("" for the root), names only.
func storeFiles(t *testing.T, state, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(state, dir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

func TestDiskFull(t *testing.T) {
	big := randomText(7, 300_000)
	for _, tc := range []struct {
		name  string
		match string // part of the path of the file whose writes fail
		left  int
	}{
		{"while writing an object", "/partial/", 100_000},
		{"while writing current.json", fsutil.TempPrefix + "current.json", 10},
		{"while writing metadata", "/tmp/meta-", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			f := e.open()
			e.publish(v1)
			e.sync(f)
			objsBefore := storeFiles(t, e.opts.State, "objects")
			v2 := with(v1, "photos/big.jpg", big)
			e.publish(v2)
			failed := 0
			f.wrapWrite = func(w io.Writer) io.Writer {
				if fh, ok := w.(*os.File); ok && strings.Contains(fh.Name(), tc.match) {
					failed++
					return &fullDisk{w: w, left: tc.left}
				}
				return w
			}
			changed, err := f.Sync(context.Background())
			if err == nil || changed || !strings.Contains(err.Error(), "disk full: ") || !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("Sync on a full disk = %v, %v; want a disk full error", changed, err)
			}
			if failed == 0 {
				t.Fatalf("no write matched %q", tc.match)
			}
			t.Logf("error: %v", err)
			wantContent(t, f, v1)
			for _, d := range []string{"partial", "tmp"} {
				if left := storeFiles(t, e.opts.State, d); len(left) != 0 {
					t.Errorf("%s/ not emptied after disk full: %q", d, left)
				}
			}
			for _, n := range storeFiles(t, e.opts.State, "") {
				if strings.HasPrefix(n, fsutil.TempPrefix) {
					t.Errorf("temp file %s left in the state dir", n)
				}
			}
			if got := storeFiles(t, e.opts.State, "objects"); len(got) != len(objsBefore) {
				t.Errorf("objects after disk full: %d, want the %d of the version on screen", len(got), len(objsBefore))
			}
			wantContent(t, e.open(), v1)
			// Space freed: the next Sync gets there.
			f.wrapWrite = nil
			if !e.sync(f) {
				t.Fatal("Sync after space was freed: changed = false")
			}
			wantContent(t, f, v2)
		})
	}
}

// objectBytes is what the store's objects/ holds.
func objectBytes(t *testing.T, state string) int64 {
	t.Helper()
	var n int64
	for _, name := range storeFiles(t, state, "objects") {
		fi, err := os.Stat(filepath.Join(state, "objects", name))
		if err != nil {
			t.Fatal(err)
		}
		n += fi.Size()
	}
	return n
}

func histNumbers(f *Feed) []int64 {
	f.mu.RLock()
	defer f.mu.RUnlock()
	var ns []int64
	for _, v := range f.hist {
		ns = append(ns, v.Number)
	}
	return ns
}

func TestQuota(t *testing.T) {
	const photo = 100_000
	ver := func(seed uint64) map[string]string { return with(v1, "photos/big.jpg", randomText(seed, photo)) }

	t.Run("new version does not fit beside the current one", func(t *testing.T) {
		e := newEnv(t, nil)
		e.opts.Quota = 2*photo + 4_000 // one version, not two
		f := e.open()
		e.publish(ver(1))
		e.sync(f)
		two := with(ver(2), "photos/big2.jpg", randomText(3, photo))
		e.publish(two)
		e.cnt.reset()
		changed, err := f.Sync(context.Background())
		if err == nil || changed || !strings.Contains(err.Error(), "over quota") || !strings.Contains(err.Error(), "still on screen") {
			t.Fatalf("Sync over quota = %v, %v", changed, err)
		}
		t.Logf("error: %v", err)
		if _, n := e.cnt.reset(); n > photo/2 {
			t.Errorf("refused version still moved %d bytes", n)
		}
		wantContent(t, f, ver(1))
		if n := objectBytes(t, e.opts.State); n > e.opts.Quota {
			t.Errorf("store holds %d bytes, quota %d", n, e.opts.Quota)
		}
	})
	t.Run("older versions dropped to make room", func(t *testing.T) {
		e := newEnv(t, nil)
		e.opts.Quota = 2*photo + 8_000 // two versions, not three
		f := e.open()
		for seed := uint64(1); seed <= 4; seed++ {
			e.publish(ver(seed))
			e.sync(f)
			if n := objectBytes(t, e.opts.State); n > e.opts.Quota {
				t.Errorf("version %d: store holds %d bytes, quota %d", seed, n, e.opts.Quota)
			}
		}
		if h := histNumbers(f); len(h) != 2 {
			t.Errorf("remembered versions %v, want the current one and one older", h)
		}
		wantContent(t, f, ver(4))
	})
	t.Run("only the last Keep versions", func(t *testing.T) {
		e := newEnv(t, nil)
		e.opts.Keep = 2
		f := e.open()
		for seed := uint64(1); seed <= 4; seed++ {
			e.publish(ver(seed))
			e.sync(f)
		}
		if h := histNumbers(f); len(h) != 2 {
			t.Errorf("remembered versions %v, want 2", h)
		}
		// 4 small v1 files + 2 photos + 2 manifests.
		if objs := storeFiles(t, e.opts.State, "objects"); len(objs) != 8 {
			t.Errorf("%d objects, want 8 (unreferenced ones collected)", len(objs))
		}
		// Lowering Keep takes effect at the next Open.
		e.opts.Keep = 1
		g := e.open()
		if h := histNumbers(g); len(h) != 1 {
			t.Errorf("after reopening with Keep 1: versions %v", h)
		}
		if objs := storeFiles(t, e.opts.State, "objects"); len(objs) != 6 {
			t.Errorf("%d objects after Keep 1, want 6", len(objs))
		}
		wantContent(t, g, ver(4))
	})
}
