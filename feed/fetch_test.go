package feed

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

func testFetcher(t *testing.T, sleeps *[]time.Duration) *fetcher {
	return &fetcher{ctx: context.Background(), client: http.DefaultClient, tmpDir: t.TempDir(), cond: &condCache{},
		tries: 4, baseDelay: 100 * time.Millisecond, maxDelay: 250 * time.Millisecond, stall: 5 * time.Second,
		sleep:  func(_ context.Context, d time.Duration) error { *sleeps = append(*sleeps, d); return nil },
		jitter: func(n int64) int64 { return n - 1 }, // the top of the range, to check the cap
	}
}

func TestFetcherRetries(t *testing.T) {
	for _, tc := range []struct {
		name      string
		statuses  []int // per request; last repeats
		body      string
		maxLen    int64
		wantErr   string
		wantCalls int
	}{
		{"503 then ok", []int{503, 503, 200}, "hello", 100, "", 3},
		{"429 then ok", []int{429, 200}, "hello", 100, "", 2},
		{"404 is final", []int{404}, "", 100, "404", 1},
		{"403 is final", []int{403}, "", 100, "403", 1},
		{"always 500", []int{500}, "", 100, "giving up after 4 tries", 4},
		{"too long", []int{200}, "0123456789", 5, "more than the 5", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := int(calls.Add(1)) - 1
				st := tc.statuses[min(i, len(tc.statuses)-1)]
				w.WriteHeader(st)
				if st == 200 {
					w.Write([]byte(tc.body))
				}
			}))
			defer srv.Close()
			var sleeps []time.Duration
			ft := testFetcher(t, &sleeps)
			b, err := ft.DownloadFile(srv.URL+"/metadata/1.root.json", tc.maxLen, 0)
			if tc.wantErr == "" && (err != nil || string(b) != tc.body) {
				t.Fatalf("DownloadFile = %q, %v", b, err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("DownloadFile error %v, want %q", err, tc.wantErr)
			}
			if int(calls.Load()) != tc.wantCalls {
				t.Errorf("%d requests, want %d", calls.Load(), tc.wantCalls)
			}
			for i, d := range sleeps {
				// attempt i+1 waits below min(max, base·2^(i+1)).
				limit := min(ft.maxDelay, ft.baseDelay<<(i+1))
				if d < 0 || d >= limit {
					t.Errorf("sleep %d = %v, want in [0, %v)", i, d, limit)
				}
			}
			if tc.name == "404 is final" && !errors.Is(err, &metadata.ErrDownloadHTTP{}) {
				t.Errorf("404 not an ErrDownloadHTTP (go-tuf needs it to end the root probe): %v", err)
			}
		})
	}
}

// A target cut off mid-transfer is resumed with Range + If-Range instead of
// starting over.
func TestResumeTarget(t *testing.T) {
	e := newEnv(t, nil)
	f := e.open()
	big := strings.Repeat("收支凭证", 30000) // 360 kB
	files := with(v1, "photos/big.jpg", big)
	e.publish(files)
	var cut atomic.Bool
	var rangeHdr, ifRange atomic.Value
	e.cnt.before = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, ".photos_2Fbig.jpg") {
			return false
		}
		if r.Header.Get("Range") != "" {
			rangeHdr.Store(r.Header.Get("Range"))
			ifRange.Store(r.Header.Get("If-Range"))
			return false
		}
		if cut.Swap(true) {
			return false
		}
		e.cnt.h.ServeHTTP(&cutWriter{ResponseWriter: w, left: 100_000}, r)
		panic(http.ErrAbortHandler)
	}
	e.cnt.reset()
	if !e.sync(f) {
		t.Fatal("changed = false")
	}
	wantContent(t, f, files)
	if r, _ := rangeHdr.Load().(string); !strings.HasPrefix(r, "bytes=") || r == "bytes=0-" {
		t.Errorf("resume Range header %q", r)
	}
	if ir, _ := ifRange.Load().(string); !strings.HasPrefix(ir, `"`) {
		t.Errorf("resume If-Range %q, want the strong ETag", ir)
	}
	if _, n := e.cnt.reset(); n > int64(len(big))+20_000 {
		t.Errorf("moved %d bytes for a %d-byte file: not resumed", n, len(big))
	}
}

// cutWriter passes through the first left bytes, then fails.
type cutWriter struct {
	http.ResponseWriter
	left int
}

func (c *cutWriter) Write(b []byte) (int, error) {
	if c.left <= 0 {
		return 0, errors.New("cut")
	}
	if len(b) > c.left {
		b = b[:c.left]
	}
	n, err := c.ResponseWriter.Write(b)
	c.left -= n
	if c.left <= 0 {
		c.ResponseWriter.(http.Flusher).Flush()
	}
	return n, err
}

// BenchmarkQuietSync is the cost of one poll that finds nothing new (the
// common case for a thousand boards): root probe 404 + timestamp 304.
func BenchmarkQuietSync(b *testing.B) {
	e := newEnv(b, nil)
	f := e.open()
	e.publish(v1)
	e.sync(f)
	b.ReportAllocs()
	for b.Loop() {
		if changed, err := f.Sync(context.Background()); err != nil || changed {
			b.Fatal(changed, err)
		}
	}
}
