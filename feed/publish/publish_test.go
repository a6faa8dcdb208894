package publish

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

const village = "370783-101-001"

func newRepo(t *testing.T) (string, *Repo) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "county")
	warn, err := Init(dir, InitOpts{})
	if err != nil {
		t.Fatal(err)
	}
	if len(warn) != 1 || !strings.Contains(warn[0], "keys/root.json") {
		t.Errorf("Init warnings %q, want one about the root key", warn)
	}
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, r
}

func versions(t *testing.T, dir string) (targets, snapshot, timestamp int64) {
	t.Helper()
	tg, err := metadata.Targets().FromFile(filepath.Join(dir, "signed", "targets.json"))
	if err != nil {
		t.Fatal(err)
	}
	sn, err := metadata.Snapshot().FromFile(filepath.Join(dir, "signed", "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := metadata.Timestamp().FromFile(filepath.Join(dir, "public", "metadata", "timestamp.json"))
	if err != nil {
		t.Fatal(err)
	}
	return tg.Signed.Version, sn.Signed.Version, ts.Signed.Version
}

// signedTargets is every target the signed metadata lists for villages the
// county signs alone: top-level targets and the village roles the snapshot
// lists, each village file in its own village's role only.
func signedTargets(t *testing.T, dir string) map[string]*metadata.TargetFiles {
	t.Helper()
	tg, err := metadata.Targets().FromFile(filepath.Join(dir, "signed", "targets.json"))
	if err != nil {
		t.Fatal(err)
	}
	sn, err := metadata.Snapshot().FromFile(filepath.Join(dir, "signed", "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*metadata.TargetFiles{}
	for p, tf := range tg.Signed.Targets {
		out[p] = tf
	}
	for name, mf := range sn.Signed.Meta {
		id, ok := strings.CutPrefix(strings.TrimSuffix(name, ".json"), VillageRolePrefix)
		if !ok {
			continue
		}
		md, err := metadata.Targets().FromFile(filepath.Join(dir, "public", "metadata", fmt.Sprintf("%d.%s", mf.Version, name)))
		if err != nil {
			t.Fatal(err)
		}
		if err := tg.VerifyDelegate(strings.TrimSuffix(name, ".json"), md); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		for p, tf := range md.Signed.Targets {
			if !strings.Contains(p, "/"+id+"/") {
				t.Errorf("%s lists %s, outside its village", name, p)
			}
			out[p] = tf
		}
	}
	return out
}

func TestInit(t *testing.T) {
	dir, r := newRepo(t)
	if _, err := Init(dir, InitOpts{}); err == nil {
		t.Error("second Init in the same dir succeeded")
	}
	if fi, err := os.Stat(filepath.Join(dir, "keys")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("keys dir: %v, %v", fi.Mode(), err)
	}
	for _, role := range roles {
		fi, err := os.Stat(filepath.Join(dir, "keys", role+".json"))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s key: %v, %v", role, fi.Mode(), err)
		}
	}
	root, err := metadata.Root().FromFile(r.RootPath())
	if err != nil {
		t.Fatal(err)
	}
	if err := root.VerifyDelegate("root", root); err != nil {
		t.Errorf("root not self-signed: %v", err)
	}
	if !root.Signed.ConsistentSnapshot {
		t.Error("root without consistent snapshots")
	}
	for _, name := range []string{"root.json", "1.targets.json", "1.snapshot.json", "timestamp.json"} {
		if _, err := os.Stat(filepath.Join(dir, "public", "metadata", name)); err != nil {
			t.Error(err)
		}
	}
	if _, err := Init(filepath.Join(t.TempDir(), "x"), InitOpts{Expiry: map[string]time.Duration{"bogus": time.Hour}}); err == nil {
		t.Error("Init accepted an unknown role in Expiry")
	}
	if _, err := Open(t.TempDir()); err == nil {
		t.Error("Open of an empty dir succeeded")
	}
}

func TestPublishVillage(t *testing.T) {
	dir, r := newRepo(t)
	files := map[string][]byte{"notice.md": []byte("一"), "photos/a.jpg": []byte("jpg")}
	if err := r.PublishVillage(village, files); err != nil {
		t.Fatal(err)
	}
	tg1, sn1, ts1 := versions(t, dir)
	if err := r.PublishVillage(village, files); err != nil {
		t.Fatal(err)
	}
	if tg, sn, ts := versions(t, dir); tg != tg1 || sn != sn1 || ts != ts1 {
		t.Errorf("identical republish bumped versions %d/%d/%d → %d/%d/%d", tg1, sn1, ts1, tg, sn, ts)
	}
	// Another village does not disturb the first.
	if err := r.PublishVillage("370783-102-007", map[string][]byte{"x.md": []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if err := r.PublishVillage(village, map[string][]byte{"notice.md": []byte("一")}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for p := range signedTargets(t, dir) {
		got = append(got, p)
	}
	want := map[string]bool{
		"villages/370783-101/370783-101-001/notice.md":     true,
		"villages/370783-101/370783-101-001/manifest.json": true,
		"villages/370783-102/370783-102-007/x.md":          true,
		"villages/370783-102/370783-102-007/manifest.json": true,
	}
	if len(got) != len(want) {
		t.Errorf("targets %q, want %v", got, want)
	}
	for _, p := range got {
		if !want[p] {
			t.Errorf("unexpected target %q (dropped file still listed?)", p)
		}
	}
	for _, bad := range []struct {
		id    string
		files map[string][]byte
	}{
		{"370783-101", files},
		{village, map[string][]byte{"../x": nil}},
		{village, map[string][]byte{"manifest.json": nil}},
	} {
		if err := r.PublishVillage(bad.id, bad.files); err == nil {
			t.Errorf("PublishVillage(%q, %v) succeeded", bad.id, bad.files)
		}
	}
}

func TestRefresh(t *testing.T) {
	dir, r := newRepo(t)
	tg0, sn0, ts0 := versions(t, dir)
	if err := r.Refresh(); err != nil {
		t.Fatal(err)
	}
	tg, sn, ts := versions(t, dir)
	if tg != tg0 || sn != sn0+1 || ts != ts0+1 {
		t.Errorf("Refresh: versions %d/%d/%d → %d/%d/%d, want targets kept, others +1", tg0, sn0, ts0, tg, sn, ts)
	}
	// Close to targets expiry, Refresh renews targets too.
	r.now = func() time.Time { return time.Now().Add(80 * 24 * time.Hour) }
	if err := r.Refresh(); err != nil {
		t.Fatal(err)
	}
	if tg2, _, _ := versions(t, dir); tg2 != tg+1 {
		t.Errorf("targets near expiry not renewed: version %d", tg2)
	}
}

func TestHandler(t *testing.T) {
	_, r := newRepo(t)
	if err := r.PublishVillage(village, map[string][]byte{"notice.md": []byte("0123456789")}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r.Handler())
	defer srv.Close()
	get := func(path string, hdr ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	resp := get("/metadata/timestamp.json")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || !strings.HasPrefix(etag, `"`) || len(etag) != 66 {
		t.Fatalf("timestamp: %d, ETag %q", resp.StatusCode, etag)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("timestamp Cache-Control %q", cc)
	}
	if resp := get("/metadata/timestamp.json", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", resp.StatusCode)
	}
	if err := r.Refresh(); err != nil {
		t.Fatal(err)
	}
	if resp := get("/metadata/timestamp.json", "If-None-Match", etag); resp.StatusCode != 200 {
		t.Errorf("If-None-Match after Refresh: status %d, want 200", resp.StatusCode)
	}
	if cc := get("/metadata/2.snapshot.json").Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("versioned metadata Cache-Control %q", cc)
	}

	var target string
	filepath.WalkDir(filepath.Join(r.dir, "public", "targets"), func(p string, d os.DirEntry, err error) error {
		if strings.HasSuffix(p, ".notice.md") {
			target = "/targets/" + filepath.ToSlash(strings.TrimPrefix(p, filepath.Join(r.dir, "public", "targets")+"/"))
		}
		return nil
	})
	resp = get(target, "Range", "bytes=4-")
	if resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Content-Range") != "bytes 4-9/10" {
		t.Errorf("Range: %d %q", resp.StatusCode, resp.Header.Get("Content-Range"))
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("target Cache-Control %q", cc)
	}
	tEtag := resp.Header.Get("ETag")
	if resp := get(target, "Range", "bytes=4-", "If-Range", `"stale"`); resp.StatusCode != 200 {
		t.Errorf("If-Range mismatch: %d, want whole file", resp.StatusCode)
	}
	if resp := get(target, "Range", "bytes=4-", "If-Range", tEtag); resp.StatusCode != http.StatusPartialContent {
		t.Errorf("If-Range match: %d, want 206", resp.StatusCode)
	}
	for _, p := range []string{"/keys/root.json", "/metadata/../../keys/root.json", "/signed/targets.json", "/repo.json", "/metadata/", "/targets/villages"} {
		if resp := get(p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/metadata/timestamp.json", strings.NewReader("x"))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("PUT: %v %v", resp.StatusCode, err)
	}
}

func BenchmarkPublishVillage(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "county")
	if _, err := Init(dir, InitOpts{}); err != nil {
		b.Fatal(err)
	}
	r, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	files := map[string][]byte{"village.toml": []byte("x"), "notice.md": make([]byte, 4096), "photos/a.jpg": make([]byte, 200<<10)}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		files["notice.md"][0] = byte(i)
		files["notice.md"][1] = byte(i >> 8)
		if err := r.PublishVillage(village, files); err != nil {
			b.Fatal(err)
		}
	}
}
