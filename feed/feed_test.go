package feed

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/sunboard/sunboard/feed/publish"
)

const village = "370783-101-001"

// counter wraps the repository handler and records what agents asked for.
type counter struct {
	h      http.Handler
	mu     sync.Mutex
	reqs   []string // "METHOD path status"
	bytes  int64
	before func(w http.ResponseWriter, r *http.Request) bool // true: handled
}

type countWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (c *countWriter) WriteHeader(s int) { c.status = s; c.ResponseWriter.WriteHeader(s) }

// Flush lets fault handlers push a partial body out before cutting it.
func (c *countWriter) Flush() {
	if fl, ok := c.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

func (c *countWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = 200
	}
	n, err := c.ResponseWriter.Write(b)
	c.n += int64(n)
	return n, err
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cw := &countWriter{ResponseWriter: w}
	c.mu.Lock()
	before := c.before
	c.mu.Unlock()
	if before == nil || !before(cw, r) {
		c.h.ServeHTTP(cw, r)
	}
	c.mu.Lock()
	c.reqs = append(c.reqs, r.URL.Path+" "+http.StatusText(cw.status))
	c.bytes += cw.n
	c.mu.Unlock()
}

func (c *counter) reset() (reqs []string, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	reqs, bytes = c.reqs, c.bytes
	c.reqs, c.bytes = nil, 0
	return reqs, bytes
}

type env struct {
	t     testing.TB
	dir   string
	repo  *publish.Repo
	srv   *httptest.Server
	cnt   *counter
	opts  Opts
	clock time.Time
	mu    sync.Mutex
}

func newEnv(t testing.TB, expiry map[string]time.Duration) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), clock: time.Now()}
	if _, err := publish.Init(filepath.Join(e.dir, "county"), publish.InitOpts{Expiry: expiry}); err != nil {
		t.Fatal(err)
	}
	repo, err := publish.Open(filepath.Join(e.dir, "county"))
	if err != nil {
		t.Fatal(err)
	}
	e.repo = repo
	e.cnt = &counter{h: repo.Handler()}
	e.srv = httptest.NewServer(e.cnt)
	t.Cleanup(e.srv.Close)
	e.opts = Opts{URL: e.srv.URL + "/", Root: repo.RootPath(), State: filepath.Join(e.dir, "state"), Village: village,
		Now: func() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.clock }}
	return e
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.clock = e.clock.Add(d)
	e.mu.Unlock()
}

func (e *env) open() *Feed {
	e.t.Helper()
	f, err := Open(e.opts)
	if err != nil {
		e.t.Fatal(err)
	}
	// Retries without waiting, so failure tests stay fast.
	mk := f.newFT
	f.newFT = func(ctx context.Context) *fetcher {
		ft := mk(ctx)
		ft.sleep = func(context.Context, time.Duration) error { return nil }
		return ft
	}
	return f
}

func (e *env) publish(files map[string]string) {
	e.t.Helper()
	m := map[string][]byte{}
	for k, v := range files {
		m[k] = []byte(v)
	}
	if err := e.repo.PublishVillage(village, m); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) sync(f *Feed) bool {
	e.t.Helper()
	changed, err := f.Sync(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return changed
}

// targetFile returns the served file for relpath flat name (unique suffix).
func (e *env) targetFile(suffix string) string {
	e.t.Helper()
	var found []string
	root := filepath.Join(e.dir, "county", "public", "targets")
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, "."+suffix) {
			found = append(found, p)
		}
		return nil
	})
	if len(found) == 0 {
		e.t.Fatalf("no served target ending in %q", suffix)
	}
	// newest wins: PublishVillage keeps old content-addressed files.
	newest, newestT := "", time.Time{}
	for _, p := range found {
		fi, _ := os.Stat(p)
		if fi.ModTime().After(newestT) || newest == "" {
			newest, newestT = p, fi.ModTime()
		}
	}
	return newest
}

func wantContent(t *testing.T, f *Feed, want map[string]string) Version {
	t.Helper()
	v, ok := f.Current()
	if !ok {
		t.Fatal("Current: no version")
	}
	for rel, w := range want {
		b, err := fs.ReadFile(v.FS, rel)
		if err != nil || string(b) != w {
			t.Fatalf("Current %s = %q, %v; want %q", rel, b, err, w)
		}
	}
	n := 0
	fs.WalkDir(v.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	if n != len(want) {
		t.Fatalf("Current has %d files, want %d", n, len(want))
	}
	return v
}

var v1 = map[string]string{
	"village.toml":       "name = \"东村\"\n",
	"notice.md":          "# 通知\n村务公开第一期\n",
	"finance.csv":        "项目,金额\n修路,12000\n",
	"photos/receipt.jpg": "\xff\xd8fake jpeg bytes\xff\xd9",
}

func with(base map[string]string, k, v string) map[string]string {
	m := map[string]string{}
	for a, b := range base {
		m[a] = b
	}
	if v == "" {
		delete(m, k)
	} else {
		m[k] = v
	}
	return m
}

func TestRoundTrip(t *testing.T) {
	e := newEnv(t, nil)
	f := e.open()
	if _, ok := f.Current(); ok {
		t.Fatal("Current before first sync: ok")
	}
	e.publish(v1)
	if !e.sync(f) {
		t.Fatal("first sync: changed = false")
	}
	v := wantContent(t, f, v1)
	if err := fstest.TestFS(v.FS, "village.toml", "notice.md", "finance.csv", "photos/receipt.jpg"); err != nil {
		t.Fatal(err)
	}
	e.cnt.reset()
	if e.sync(f) {
		t.Fatal("second sync with nothing new: changed = true")
	}
	reqs, _ := e.cnt.reset()
	// A quiet poll is the root-rotation probe plus a 304 on timestamp.json.
	for _, r := range reqs {
		if !strings.HasSuffix(r, "Not Found") && !strings.HasSuffix(r, "Not Modified") {
			t.Errorf("quiet poll fetched %s", r)
		}
	}
	// A fresh process on the same state dir shows the same version at once.
	f2 := e.open()
	if w := f2.Warnings(); len(w) != 0 {
		t.Errorf("clean reopen warnings: %q", w)
	}
	v2 := wantContent(t, f2, v1)
	if v2.Number != v.Number {
		t.Errorf("reopen Number %d, want %d", v2.Number, v.Number)
	}
}

func TestRepublishFetchesOnlyChanged(t *testing.T) {
	e := newEnv(t, nil)
	f := e.open()
	e.publish(v1)
	e.sync(f)
	v1n, _ := f.Current()
	big := strings.Repeat("第二期 ", 500)
	next := with(with(v1, "notice.md", big), "finance.csv", "")
	e.publish(next)
	e.cnt.reset()
	if !e.sync(f) {
		t.Fatal("changed = false after republish")
	}
	reqs, n := e.cnt.reset()
	var targets []string
	for _, r := range reqs {
		if strings.HasPrefix(r, "/targets/") {
			targets = append(targets, r)
		}
	}
	if len(targets) != 2 || !strings.Contains(strings.Join(targets, " "), "notice.md") || !strings.Contains(strings.Join(targets, " "), "manifest.json") {
		t.Errorf("target requests %q, want only the manifest and notice.md", targets)
	}
	if n > int64(len(big))+8000 {
		t.Errorf("republish moved %d bytes, changed file is %d", n, len(big))
	}
	v := wantContent(t, f, next)
	if v.Number <= v1n.Number {
		t.Errorf("Number %d not above previous %d", v.Number, v1n.Number)
	}
}

// resignTimestamp replaces timestamp.json's signature with one by a key the root
// does not know, bumping the version so it looks like a real update.
func resignTimestamp(t *testing.T, path string) {
	t.Helper()
	ts, err := metadata.Timestamp().FromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ts.Signed.Version++
	_, priv, _ := ed25519.GenerateKey(nil)
	s, err := signature.LoadSigner(priv, crypto.Hash(0))
	if err != nil {
		t.Fatal(err)
	}
	ts.ClearSignatures()
	if _, err := ts.Sign(s); err != nil {
		t.Fatal(err)
	}
	if err := ts.ToFile(path, true); err != nil {
		t.Fatal(err)
	}
}

func TestRefusedKeepsContent(t *testing.T) {
	changedNotice := with(v1, "notice.md", "# 通知\n第二期\n")
	for _, tc := range []struct {
		name   string
		tamper func(e *env)
		want   string
		as     error
	}{
		{"flipped byte in target", func(e *env) {
			p := e.targetFile("notice.md")
			b, _ := os.ReadFile(p)
			b[3] ^= 1
			os.WriteFile(p, b, 0o644)
		}, "verify target villages/370783-101/370783-101-001/notice.md: sha256 mismatch", nil},
		{"timestamp signed by unknown key", func(e *env) {
			resignTimestamp(t, filepath.Join(e.dir, "county", "public", "metadata", "timestamp.json"))
		}, "timestamp.json: signature check failed", &metadata.ErrUnsignedMetadata{}},
		{"village role replaced", func(e *env) {
			// The village's files are listed in its own role, which the
			// snapshot pins by hash.
			ms, _ := filepath.Glob(filepath.Join(e.dir, "county", "public", "metadata", "*.village-"+village+".json"))
			for _, p := range ms {
				b, _ := os.ReadFile(p)
				i := strings.Index(string(b), `"sha256": "`) + len(`"sha256": "`)
				b[i] ^= 1 // still a hex digit, same length
				os.WriteFile(p, b, 0o644)
			}
		}, "manifest.json: delegated metadata refused: length/hash verification error", &metadata.ErrLengthOrHashMismatch{}},
		{"truncated target", func(e *env) {
			p := e.targetFile("notice.md")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/2], 0o644)
		}, "notice.md: download", nil}, // "body ended at byte …", then "served file ends before byte …"
		{"oversized target", func(e *env) {
			p := e.targetFile("notice.md")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, append(b, "extra"...), 0o644)
		}, "notice.md", &metadata.ErrDownloadLengthMismatch{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			f := e.open()
			e.publish(v1)
			e.sync(f)
			before, _ := f.Current()
			e.publish(changedNotice)
			tc.tamper(e)
			changed, err := f.Sync(context.Background())
			if err == nil || changed {
				t.Fatalf("Sync = %v, %v; want refusal", changed, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if tc.as != nil && !errors.Is(err, tc.as) {
				t.Errorf("error %q is not a %T", err, tc.as)
			}
			v := wantContent(t, f, v1)
			if v.Number != before.Number {
				t.Errorf("Number moved from %d to %d", before.Number, v.Number)
			}
			// The refusal survives a restart too.
			wantContent(t, e.open(), v1)
		})
	}
}

func TestRollbackRefused(t *testing.T) {
	e := newEnv(t, nil)
	f := e.open()
	e.publish(v1)
	e.sync(f)
	tsPath := filepath.Join(e.dir, "county", "public", "metadata", "timestamp.json")
	old, err := os.ReadFile(tsPath)
	if err != nil {
		t.Fatal(err)
	}
	v2 := with(v1, "notice.md", "newer")
	e.publish(v2)
	e.sync(f)
	if err := os.WriteFile(tsPath, old, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = f.Sync(context.Background())
	if err == nil || !strings.Contains(err.Error(), "timestamp.json: rollback refused") || !errors.Is(err, &metadata.ErrBadVersionNumber{}) {
		t.Fatalf("Sync after rollback: %v", err)
	}
	wantContent(t, f, v2)
	// Also from a fresh process: the newer version was persisted.
	f2 := e.open()
	if _, err := f2.Sync(context.Background()); err == nil || !strings.Contains(err.Error(), "rollback refused") {
		t.Fatalf("fresh process accepted rollback: %v", err)
	}
	wantContent(t, f2, v2)
}

func TestExpiredIsStaleButKeepsContent(t *testing.T) {
	e := newEnv(t, map[string]time.Duration{"timestamp": time.Hour})
	f := e.open()
	e.publish(v1)
	e.sync(f)
	e.advance(2 * time.Hour)
	changed, err := f.Sync(context.Background())
	if err == nil || changed || !strings.Contains(err.Error(), "stale") || !errors.Is(err, &metadata.ErrExpiredMetadata{}) {
		t.Fatalf("Sync with expired timestamp = %v, %v; want stale error", changed, err)
	}
	wantContent(t, f, v1)
	// Refreshing on the county side brings the board back in step.
	e.mu.Lock()
	e.clock = time.Now()
	e.mu.Unlock()
	if err := e.repo.Refresh(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Sync(context.Background()); err != nil {
		t.Fatalf("Sync after Refresh: %v", err)
	}
}

func TestCrashRecovery(t *testing.T) {
	e := newEnv(t, nil)
	f := e.open()
	e.publish(v1)
	e.sync(f)
	first, _ := f.Current()
	v2 := with(v1, "notice.md", "version two")
	e.publish(v2)
	e.sync(f)
	state := e.opts.State

	t.Run("leftover temp files", func(t *testing.T) {
		for _, p := range []string{".tmp-current.json-123", "objects/.tmp-x", "tmp/meta-1", "tuf/tuf_tmp99"} {
			os.WriteFile(filepath.Join(state, p), []byte("{half"), 0o644)
		}
		g := e.open()
		wantContent(t, g, v2)
		for _, p := range []string{".tmp-current.json-123", "objects/.tmp-x", "tmp/meta-1", "tuf/tuf_tmp99"} {
			if _, err := os.Stat(filepath.Join(state, p)); err == nil {
				t.Errorf("%s not cleaned", p)
			}
		}
		ents, _ := os.ReadDir(filepath.Join(state, "objects"))
		os.WriteFile(filepath.Join(state, "objects", strings.Repeat("0", 64)), []byte("orphan"), 0o644)
		e.open()
		after, _ := os.ReadDir(filepath.Join(state, "objects"))
		if len(after) != len(ents) {
			t.Errorf("orphan object kept: %d objects, want %d", len(after), len(ents))
		}
	})
	t.Run("torn tuf metadata", func(t *testing.T) {
		for _, n := range []string{"timestamp.json", "snapshot.json", "targets.json"} {
			os.WriteFile(filepath.Join(state, "tuf", n), []byte(`{"signed":`), 0o644)
		}
		g := e.open()
		if len(g.Warnings()) != 3 {
			t.Errorf("warnings %q, want one per torn file", g.Warnings())
		}
		if _, err := g.Sync(context.Background()); err != nil {
			t.Fatalf("Sync after torn metadata: %v", err)
		}
		wantContent(t, g, v2)
	})
	t.Run("partial object falls back", func(t *testing.T) {
		v, _ := f.Current()
		var sum string
		for rel, fr := range v.FS.(*objFS).files {
			if rel == "notice.md" {
				sum = fr.SHA256
			}
		}
		p := filepath.Join(state, "objects", sum)
		b, _ := os.ReadFile(p)
		os.WriteFile(p, b[:len(b)-2], 0o644)
		g := e.open()
		cur := wantContent(t, g, v1)
		if cur.Number != first.Number {
			t.Errorf("fell back to %d, want %d", cur.Number, first.Number)
		}
		if w := strings.Join(g.Warnings(), "\n"); !strings.Contains(w, "notice.md") || !strings.Contains(w, "dropped") {
			t.Errorf("warnings do not explain the fallback: %q", w)
		}
		// Sync repairs it: the dropped version is current again.
		if !e.sync(g) {
			t.Error("sync after fallback: changed = false")
		}
		wantContent(t, g, v2)
	})
}

func TestCurrentDuringSync(t *testing.T) {
	e := newEnv(t, nil)
	f := e.open()
	e.publish(v1)
	e.sync(f)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 5; i++ {
			e.publish(with(v1, "notice.md", strings.Repeat("x", i+1)))
			if _, err := f.Sync(context.Background()); err != nil {
				t.Error(err)
			}
		}
	}()
	for {
		select {
		case <-done:
			return
		default:
		}
		if v, ok := f.Current(); !ok || v.FS == nil {
			t.Fatal("Current blanked during Sync")
		}
	}
}

func TestOpenRejects(t *testing.T) {
	dir := t.TempDir()
	for name, o := range map[string]Opts{
		"bad village": {URL: "http://x/", Root: "r", State: dir, Village: "370783"},
		"no url":      {Root: "r", State: dir, Village: village},
		"no root":     {URL: "http://x/", Root: filepath.Join(dir, "missing.json"), State: dir, Village: village},
	} {
		if _, err := Open(o); err == nil {
			t.Errorf("%s: Open succeeded", name)
		}
	}
}

// TestRestartPollIs304: the timestamp's ETag outlives the process, so the
// first poll after a restart (or each `sunboard sync` from a timer) is a
// 304; a record that no longer matches go-tuf's cached timestamp (torn by
// a power cut, or for a timestamp that failed verification) is ignored.
func TestRestartPollIs304(t *testing.T) {
	e := newEnv(t, nil)
	e.publish(v1)
	e.sync(e.open())
	timestampStatus := func() string {
		reqs, _ := e.cnt.reset()
		for _, r := range reqs {
			if strings.HasPrefix(r, "/metadata/timestamp.json ") {
				return strings.TrimPrefix(r, "/metadata/timestamp.json ")
			}
		}
		return "not asked"
	}
	e.cnt.reset()
	if e.sync(e.open()) {
		t.Error("restart: changed = true with nothing published")
	}
	if got := timestampStatus(); got != "Not Modified" {
		t.Errorf("first poll after a restart: timestamp.json %s, want Not Modified", got)
	}

	// A torn record: the next poll downloads in full and still verifies.
	rec := filepath.Join(e.opts.State, "timestamp.etag")
	b, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(rec, b[:len(b)/2], 0o600)
	if e.sync(e.open()) {
		t.Error("torn record: changed = true")
	}
	if got := timestampStatus(); got != "OK" {
		t.Errorf("after a torn record: timestamp.json %s, want OK", got)
	}
	// A record whose body is not the one go-tuf kept is not trusted either.
	os.WriteFile(rec, []byte(`{"url":"`+e.srv.URL+`/metadata/timestamp.json","etag":"\"x\"","sha256":"00"}`), 0o600)
	e.sync(e.open())
	if got := timestampStatus(); got != "OK" {
		t.Errorf("after a mismatched record: timestamp.json %s, want OK", got)
	}
	// And a publish after the restart is still seen.
	e.publish(with(v1, "notice.md", "# 通知\n第二期\n"))
	if !e.sync(e.open()) {
		t.Error("publish after a restart not seen")
	}
}
