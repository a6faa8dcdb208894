package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

type etagEntry struct {
	size  int64
	mtime time.Time
	etag  string
}

// versioned matches consistent-snapshot metadata names ("12.targets.json");
// everything under targets/ is named by content hash.
var versioned = regexp.MustCompile(`^[0-9]+\.[^/]+\.json$`)

// Handler serves public/ over HTTP: /metadata/... and /targets/....
// ETags are the sha256 of the bytes on disk (cached by size and mtime), so a
// poll of timestamp.json that finds nothing new costs a 304 and no body.
// Ranges and If-Range come from http.ServeContent.
func (r *Repo) Handler() http.Handler {
	return http.HandlerFunc(r.serve)
}

func (r *Repo) serve(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := path.Clean("/" + req.URL.Path)
	if !strings.HasPrefix(p, "/metadata/") && !strings.HasPrefix(p, "/targets/") {
		http.NotFound(w, req)
		return
	}
	for _, seg := range strings.Split(p[1:], "/") {
		// Dot names are fsutil temp files and never part of the repository.
		if strings.HasPrefix(seg, ".") {
			http.NotFound(w, req)
			return
		}
	}
	root, err := os.OpenRoot(filepath.Join(r.dir, "public"))
	if err != nil {
		http.Error(w, "repository unavailable", http.StatusInternalServerError)
		return
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(p[1:]))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			http.NotFound(w, req)
		} else {
			http.Error(w, "open failed", http.StatusInternalServerError)
		}
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		http.NotFound(w, req)
		return
	}
	etag, err := r.etag(p, f, fi)
	if err != nil {
		http.Error(w, "read failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("ETag", etag)
	name := path.Base(p)
	if strings.HasPrefix(p, "/targets/") || versioned.MatchString(name) {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// timestamp.json and root.json change in place.
		h.Set("Cache-Control", "no-cache")
	}
	if strings.HasSuffix(name, ".json") {
		h.Set("Content-Type", "application/json")
	} else {
		h.Set("Content-Type", "application/octet-stream")
	}
	http.ServeContent(w, req, name, fi.ModTime(), f)
}

func (r *Repo) etag(p string, f *os.File, fi fs.FileInfo) (string, error) {
	// Small files are rehashed every time: mtime granularity can be coarser
	// than the gap between two writes, and hashing a few KiB costs nothing.
	cache := fi.Size() >= 1<<20
	r.etagMu.Lock()
	e, ok := r.etags[p]
	r.etagMu.Unlock()
	if cache && ok && e.size == fi.Size() && e.mtime.Equal(fi.ModTime()) {
		return e.etag, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	etag := `"` + hex.EncodeToString(h.Sum(nil)) + `"`
	if !cache {
		return etag, nil
	}
	r.etagMu.Lock()
	if r.etags == nil {
		r.etags = map[string]etagEntry{}
	}
	r.etags[p] = etagEntry{size: fi.Size(), mtime: fi.ModTime(), etag: etag}
	r.etagMu.Unlock()
	return etag, nil
}
