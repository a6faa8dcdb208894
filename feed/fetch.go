package feed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sunboard/sunboard/feed/internal/fsutil"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// fetcher replaces go-tuf's default fetcher, which holds whole bodies in
// memory and tries once. This one streams to disk, caps the length, detects
// stalled transfers, retries with full-jitter exponential backoff and resumes
// targets with Range + If-Range. One fetcher serves one Sync (it carries its
// context) but shares the conditional-GET cache with the Feed.
type fetcher struct {
	ctx    context.Context
	client *http.Client
	tmpDir string
	cond   *condCache

	tries     int
	baseDelay time.Duration
	maxDelay  time.Duration
	stall     time.Duration
	sleep     func(context.Context, time.Duration) error
	jitter    func(n int64) int64 // uniform in [0, n)
	// wrap, if set, sits between the body and the file on disk: the seam
	// through which tests make the disk run full.
	wrap func(io.Writer) io.Writer

	mu   sync.Mutex
	last string // last URL asked for, to name the file in errors
}

// condCache remembers the ETag and body of unversioned metadata
// (timestamp.json) so a poll that finds nothing new is answered by a 304.
// The last entry is also kept on disk (file): after a restart, or for each
// `sunboard sync` run from a timer, the first poll is a 304 too, instead
// of every board in a county downloading timestamp.json again.
type condCache struct {
	mu   sync.Mutex
	m    map[string]condEntry
	file string // "" in tests that need no persistence
	tuf  string // go-tuf's metadata dir, holding the body on disk
}

type condEntry struct {
	etag string
	body []byte
}

// condRecord is the persisted entry: which URL and ETag, and the SHA-256
// of the body it stands for. The body itself is go-tuf's cached
// timestamp.json, which go-tuf writes only once it has verified it.
type condRecord struct {
	URL    string `json:"url"`
	ETag   string `json:"etag"`
	SHA256 string `json:"sha256"`
}

// load seeds the cache from disk when the recorded hash matches the body
// go-tuf kept: a record for a timestamp that failed verification, or one
// from before a power cut tore either file, simply does not match, and
// the next poll downloads in full.
func (c *condCache) load() {
	if c.file == "" {
		return
	}
	b, err := os.ReadFile(c.file)
	if err != nil {
		return
	}
	var r condRecord
	if json.Unmarshal(b, &r) != nil || r.URL == "" || r.ETag == "" {
		return
	}
	body, err := os.ReadFile(filepath.Join(c.tuf, "timestamp.json"))
	if err != nil {
		return
	}
	if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != r.SHA256 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]condEntry{}
	}
	c.m[r.URL] = condEntry{etag: r.ETag, body: body}
}

// store remembers a downloaded body and its ETag, in memory and on disk.
// A failed write only costs one full download after the next restart.
func (c *condCache) store(url, etag string, body []byte) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]condEntry{}
	}
	c.m[url] = condEntry{etag: etag, body: body}
	c.mu.Unlock()
	if c.file == "" {
		return
	}
	sum := sha256.Sum256(body)
	b, _ := json.Marshal(condRecord{URL: url, ETag: etag, SHA256: hex.EncodeToString(sum[:])})
	_ = fsutil.WriteFile(c.file, b, 0o600)
}

func newHTTPClient() *http.Client {
	// No overall Timeout: a photo over a weak village link may take minutes.
	// Dial, TLS and header timeouts catch dead servers; the fetcher's stall
	// timer catches transfers that stop moving.
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   2,
	}}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func defaultJitter(n int64) int64 {
	if n <= 0 {
		return 0
	}
	return rand.Int64N(n)
}

func (f *fetcher) setLast(u string) {
	f.mu.Lock()
	f.last = u
	f.mu.Unlock()
}

func (f *fetcher) lastName() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return path.Base(f.last)
}

// backoff is "full jitter": uniform in [0, min(max, base·2^attempt)), which
// spreads a thousand boards retrying after a county outage instead of
// having them return in waves.
func (f *fetcher) backoff(attempt int) time.Duration {
	d := f.maxDelay
	if attempt < 30 {
		if e := f.baseDelay << attempt; e > 0 && e < d {
			d = e
		}
	}
	return time.Duration(f.jitter(int64(d)))
}

// DownloadFile implements go-tuf's fetcher.Fetcher for metadata.
func (f *fetcher) DownloadFile(u string, maxLength int64, _ time.Duration) ([]byte, error) {
	f.setLast(u)
	tmp, err := os.CreateTemp(f.tmpDir, "meta-")
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", u, err)
	}
	name := tmp.Name()
	tmp.Close()
	defer os.Remove(name)

	var cached *condEntry
	if path.Base(u) == "timestamp.json" {
		f.cond.mu.Lock()
		if e, ok := f.cond.m[u]; ok {
			cached = &e
		}
		f.cond.mu.Unlock()
	}
	res, err := f.download(u, name, maxLength, false, cached)
	if err != nil {
		return nil, err
	}
	if res.notModified {
		return cached.body, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", u, err)
	}
	if path.Base(u) == "timestamp.json" && res.etag != "" {
		f.cond.store(u, res.etag, data)
	}
	return data, nil
}

type dlResult struct {
	etag        string
	notModified bool
	resumed     bool // some bytes came from an earlier attempt
}

// errRetry marks failures worth another try (network, 5xx, 408, 429).
type errRetry struct{ err error }

func (e errRetry) Error() string { return e.err.Error() }
func (e errRetry) Unwrap() error { return e.err }

// download fetches u into file dst, retrying transient failures. With resume
// set, bytes already in dst (from an earlier attempt or an earlier Sync) are
// kept and only the rest is asked for.
func (f *fetcher) download(u, dst string, maxLen int64, resume bool, cached *condEntry) (dlResult, error) {
	var last error
	var res dlResult
	for attempt := 0; attempt < f.tries; attempt++ {
		if attempt > 0 {
			if err := f.sleep(f.ctx, f.backoff(attempt)); err != nil {
				return res, fmt.Errorf("download %s: %w (last error: %v)", u, err, last)
			}
		}
		r, err := f.once(u, dst, maxLen, resume, cached)
		res.resumed = res.resumed || r.resumed
		if err == nil {
			res.etag, res.notModified = r.etag, r.notModified
			return res, nil
		}
		last = err
		var re errRetry
		if !errors.As(err, &re) || f.ctx.Err() != nil {
			return res, fmt.Errorf("download %s: %w", u, err)
		}
	}
	return res, fmt.Errorf("download %s: giving up after %d tries: %w", u, f.tries, last)
}

func (f *fetcher) once(u, dst string, maxLen int64, resume bool, cached *condEntry) (dlResult, error) {
	var res dlResult
	file, err := os.OpenFile(dst, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return res, err
	}
	defer file.Close()
	var off int64
	etagPath := dst + ".etag"
	var etag string
	if resume {
		if fi, err := file.Stat(); err == nil {
			off = fi.Size()
		}
		if b, err := os.ReadFile(etagPath); err == nil {
			etag = string(b)
		}
	}
	if off > maxLen {
		off = 0
	}
	if resume && off == maxLen {
		// Every signed byte is already here (the connection broke after the
		// last one): nothing to ask for, the hash check decides.
		res.resumed = true
		return res, nil
	}
	if err := file.Truncate(off); err != nil {
		return res, err
	}

	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return res, err
	}
	if off > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(off, 10)+"-")
		if etag != "" {
			// If the file changed, the server sends it whole (200) instead
			// of a tail that would not fit what we have.
			req.Header.Set("If-Range", etag)
		}
	}
	if cached != nil {
		req.Header.Set("If-None-Match", cached.etag)
	}
	stall := time.AfterFunc(f.stall, cancel)
	defer stall.Stop()
	resp, err := f.client.Do(req)
	if err != nil {
		return res, errRetry{err}
	}
	defer resp.Body.Close()

	switch {
	case resp.StatusCode == http.StatusNotModified && cached != nil:
		res.notModified = true
		return res, nil
	case resp.StatusCode == http.StatusOK:
		off = 0
		if err := file.Truncate(0); err != nil {
			return res, err
		}
	case resp.StatusCode == http.StatusPartialContent && off > 0:
		if start, ok := rangeStart(resp.Header.Get("Content-Range")); !ok || start != off {
			os.Remove(etagPath)
			file.Truncate(0)
			return res, errRetry{fmt.Errorf("server answered range %q for request from byte %d", resp.Header.Get("Content-Range"), off)}
		}
		res.resumed = true
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && off > 0:
		// The resource on the server ends before the bytes we already
		// hold: it is shorter than its signed length. Start clean next time.
		file.Truncate(0)
		os.Remove(etagPath)
		return res, fmt.Errorf("served file ends before byte %d (Content-Range %q), signed length %d",
			off, resp.Header.Get("Content-Range"), maxLen)
	default:
		herr := &metadata.ErrDownloadHTTP{StatusCode: resp.StatusCode, URL: u}
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout {
			return res, errRetry{herr}
		}
		return res, herr
	}
	if cl := resp.ContentLength; cl >= 0 && off+cl > maxLen {
		return res, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s is %d bytes, more than the %d allowed", u, off+cl, maxLen)}
	}
	res.etag = resp.Header.Get("ETag")
	if resume {
		if res.etag != "" && strings.HasPrefix(res.etag, `"`) {
			// Strong validators only: If-Range ignores weak ones.
			os.WriteFile(etagPath, []byte(res.etag), 0o644)
		} else {
			os.Remove(etagPath)
		}
	}
	if _, err := file.Seek(off, io.SeekStart); err != nil {
		return res, err
	}
	body := &stallReader{r: resp.Body, t: stall, d: f.stall}
	var w io.Writer = file
	if f.wrap != nil {
		w = f.wrap(file)
	}
	dw := &diskWriter{w: w}
	n, err := io.Copy(dw, io.LimitReader(body, maxLen-off+1))
	if dw.err != nil {
		// A failing disk is not a network fault: retrying cannot help, and
		// a full disk must be reported as such (see Feed.Sync).
		return res, fmt.Errorf("write %s: %w", dst, dw.err)
	}
	if err != nil {
		// Keep what arrived: the next try resumes from there.
		if ctx.Err() != nil && f.ctx.Err() == nil {
			err = fmt.Errorf("no data for %v: %w", f.stall, err)
		}
		return res, errRetry{err}
	}
	if off+n > maxLen {
		file.Truncate(0)
		return res, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s is more than the %d bytes allowed", u, maxLen)}
	}
	if resume && off+n < maxLen {
		// For targets maxLen is the exact signed length, so a body that
		// ends early (a short Content-Length, a proxy cutting the stream
		// cleanly) is a transfer fault: the next try asks for the rest.
		return res, errRetry{fmt.Errorf("body ended at byte %d of %d", off+n, maxLen)}
	}
	return res, nil
}

// diskWriter remembers a write error so it can be told apart from a read
// (network) error coming out of the same io.Copy.
type diskWriter struct {
	w   io.Writer
	err error
}

func (d *diskWriter) Write(p []byte) (int, error) {
	n, err := d.w.Write(p)
	if err != nil {
		d.err = err
	}
	return n, err
}

// stallReader pushes the stall deadline back on every read that makes progress.
type stallReader struct {
	r io.Reader
	t *time.Timer
	d time.Duration
}

func (s *stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.t.Reset(s.d)
	}
	return n, err
}

// rangeStart parses the first byte position of "bytes 100-199/200".
func rangeStart(cr string) (int64, bool) {
	rest, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return 0, false
	}
	start, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(start, 10, 64)
	return n, err == nil
}
