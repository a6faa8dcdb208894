package nginxtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/content/sample"
	"github.com/sunboard/sunboard/feed"
	"github.com/sunboard/sunboard/feed/publish"
)

const village = "370783-101-001"

// TestRepositoryThroughNginx serves a county's public/ with
// deploy/nginx/repository.conf and checks every promise feed's docs make
// about it: a board syncs and verifies everything, a download cut by the
// network resumes with Range and If-Range on nginx's strong ETag (206),
// the next poll is a 304 on timestamp.json, and the cache headers are
// immutable for content-addressed files and no-cache for the timestamp.
func TestRepositoryThroughNginx(t *testing.T) {
	dir := t.TempDir()
	county := filepath.Join(dir, "county")
	if _, err := publish.Init(county, publish.InitOpts{}); err != nil {
		t.Fatal(err)
	}
	repo, err := publish.Open(county)
	if err != nil {
		t.Fatal(err)
	}
	files, err := content.ReadAll(sample.Village())
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 600<<10) // a scanned receipt: big enough to be cut mid-way
	rand.Read(big)
	files["photos/scan-2026-10.jpg"] = big
	if err := repo.PublishVillage(village, files); err != nil {
		t.Fatal(err)
	}

	port := freePort(t)
	ng := startNginx(t, port, site(t, "repository.conf",
		"listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", port),
		"root /srv/county/public;", "root "+filepath.Join(county, "public")+";"))
	// The board reaches nginx through a link that drops the first response
	// longer than 150 KB part-way, as a village's 4G link does.
	link := cuttingLink(t, fmt.Sprintf("127.0.0.1:%d", port), 150<<10)

	f, err := feed.Open(feed.Opts{URL: "http://" + link + "/", Root: repo.RootPath(), State: filepath.Join(dir, "state"), Village: village})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if changed, err := f.Sync(ctx); err != nil || !changed {
		t.Fatalf("first sync through nginx: changed=%v, %v", changed, err)
	}
	v, ok := f.Current()
	if !ok {
		t.Fatal("no current version after the sync")
	}
	for name, want := range files {
		got, err := fs.ReadFile(v.FS, name)
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: %d bytes, %v; want the published %d bytes", name, len(got), err, len(want))
		}
	}

	log := ng.accessLog()
	resumed := regexp.MustCompile(`GET /targets/\S+scan-2026-10\.jpg 206 range="bytes=[1-9][0-9]*-" if_range="[0-9a-f-]+"`)
	if !resumed.MatchString(log) {
		t.Errorf("the cut download was not resumed with Range + If-Range (206):\n%s", log)
	}

	if changed, err := f.Sync(ctx); err != nil || changed {
		t.Fatalf("second sync: changed=%v, %v", changed, err)
	}
	log = ng.accessLog()
	if !regexp.MustCompile(`GET /metadata/timestamp\.json 304 .* inm="\S+"`).MatchString(log) {
		t.Errorf("the second poll of timestamp.json was not a 304 on If-None-Match:\n%s", log)
	}

	// Cache headers as feed's docs prescribe, and Range honoured only for
	// the ETag it was asked with.
	target := firstPath(t, filepath.Join(county, "public", "targets"), "scan-2026-10.jpg")
	versioned := firstPath(t, filepath.Join(county, "public", "metadata"), ".snapshot.json")
	base := ng.URL
	for _, c := range []struct{ path, cache string }{
		{target, "public, max-age=31536000, immutable"},
		{versioned, "public, max-age=31536000, immutable"},
		{"metadata/timestamp.json", "no-cache"},
	} {
		resp := get(t, base+c.path, nil)
		if got := resp.Header.Get("Cache-Control"); got != c.cache {
			t.Errorf("%s: Cache-Control %q, want %q", c.path, got, c.cache)
		}
		if et := resp.Header.Get("ETag"); !strings.HasPrefix(et, `"`) {
			t.Errorf("%s: ETag %q, want a strong one", c.path, et)
		}
	}
	etag := get(t, base+target, nil).Header.Get("ETag")
	if resp := get(t, base+target, http.Header{"Range": {"bytes=1000-"}, "If-Range": {etag}}); resp.StatusCode != http.StatusPartialContent || resp.ContentLength != int64(len(big)-1000) {
		t.Errorf("Range with the current ETag: %d, %d bytes; want 206, %d", resp.StatusCode, resp.ContentLength, len(big)-1000)
	}
	if resp := get(t, base+target, http.Header{"Range": {"bytes=1000-"}, "If-Range": {`"0-0"`}}); resp.StatusCode != http.StatusOK || resp.ContentLength != int64(len(big)) {
		t.Errorf("Range with a stale ETag: %d, %d bytes; want 200, the whole %d", resp.StatusCode, resp.ContentLength, len(big))
	}
}

func get(t *testing.T, url string, h http.Header) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// firstPath is the slash path, relative to dir's parent (the public root),
// of the first file under dir whose name ends in suffix.
func firstPath(t *testing.T, dir, suffix string) string {
	t.Helper()
	var found string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && found == "" && !d.IsDir() && strings.HasSuffix(p, suffix) {
			found = p
		}
		return nil
	})
	if found == "" {
		t.Fatalf("no file ending %q under %s", suffix, dir)
	}
	rel, _ := filepath.Rel(filepath.Dir(dir), found)
	return filepath.ToSlash(rel)
}

// cuttingLink is a TCP relay to upstream that closes the first connection
// whose response passes limit bytes, once; it returns its address.
func cuttingLink(t *testing.T, upstream string, limit int64) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var cut atomic.Bool
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				u, err := net.Dial("tcp", upstream)
				if err != nil {
					return
				}
				defer u.Close()
				go func() { io.Copy(u, c); u.(*net.TCPConn).CloseWrite() }()
				n, _ := io.CopyN(c, u, limit)
				if n == limit && cut.CompareAndSwap(false, true) {
					return // drop the link mid-response
				}
				io.Copy(c, u)
			}()
		}
	}()
	return l.Addr().String()
}
