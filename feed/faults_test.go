package feed

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestServerFaults runs one sync per fault of the county server (or a proxy
// in between), injected on the one large target of the update. Each case
// checks the result, that the old content stayed on screen when the sync
// failed, and how many bytes moved: a resumed transfer moves the file about
// once, a restarted one well over that.
func TestServerFaults(t *testing.T) {
	const size = 400_000
	const cut = 150_000
	big := randomText(11, size)
	// serveHeaders runs the real handler into a recorder, copies its headers
	// (ETag, Content-Length, …) and returns the body it would have sent.
	serveHeaders := func(e *env, w http.ResponseWriter, r *http.Request) []byte {
		rec := httptest.NewRecorder()
		e.cnt.h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		return rec.Body.Bytes()
	}
	for _, tc := range []struct {
		name string
		// fault handles request n (0-based) for the big target; false
		// passes it to the real handler.
		fault     func(e *env, w http.ResponseWriter, r *http.Request, n int) bool
		wantErr   string // "" → the sync succeeds
		wantReqs  int    // requests for the big target
		wantRange bool   // a later request asked for the rest only
	}{
		{"truncated body", func(e *env, w http.ResponseWriter, r *http.Request, n int) bool {
			if n > 0 {
				return false
			}
			body := serveHeaders(e, w, r)
			w.WriteHeader(http.StatusOK)
			w.Write(body[:cut]) // handler returns early: the server closes the connection
			return true
		}, "", 2, true},
		{"connection dropped mid-download", func(e *env, w http.ResponseWriter, r *http.Request, n int) bool {
			if n > 0 {
				return false
			}
			body := serveHeaders(e, w, r)
			w.WriteHeader(http.StatusOK)
			w.Write(body[:cut])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}, "", 2, true},
		{"stalled connection", func(e *env, w http.ResponseWriter, r *http.Request, n int) bool {
			if n > 0 {
				return false
			}
			body := serveHeaders(e, w, r)
			w.WriteHeader(http.StatusOK)
			w.Write(body[:cut])
			w.(http.Flusher).Flush()
			<-r.Context().Done() // until the agent's stall timer gives up
			return true
		}, "", 2, true},
		{"500s then success", func(e *env, w http.ResponseWriter, r *http.Request, n int) bool {
			if n >= 2 {
				return false
			}
			http.Error(w, "upstream down", http.StatusInternalServerError)
			return true
		}, "", 3, false},
		{"Content-Length smaller than the file", func(e *env, w http.ResponseWriter, r *http.Request, n int) bool {
			if n > 0 {
				return false
			}
			// A complete-looking 200 that is short: only the signed length
			// tells the agent something is missing.
			body := serveHeaders(e, w, r)
			w.Header().Set("Content-Length", strconv.Itoa(cut))
			w.WriteHeader(http.StatusOK)
			w.Write(body[:cut])
			return true
		}, "", 2, true},
		{"Content-Length larger than signed", func(e *env, w http.ResponseWriter, r *http.Request, n int) bool {
			body := serveHeaders(e, w, r)
			w.Header().Set("Content-Length", strconv.Itoa(len(body)+1_000_000))
			w.WriteHeader(http.StatusOK)
			w.Write(body)
			return true
		}, "more than the 400000 allowed", 1, false},
		{"500s forever", func(e *env, w http.ResponseWriter, r *http.Request, n int) bool {
			http.Error(w, "upstream down", http.StatusBadGateway)
			return true
		}, "giving up after 5 tries", 5, false},
		{"stalls forever", func(e *env, w http.ResponseWriter, r *http.Request, n int) bool {
			body := serveHeaders(e, w, r)
			w.WriteHeader(http.StatusOK)
			if n == 0 {
				w.Write(body[:cut])
			}
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return true
		}, "giving up after 5 tries", 5, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			f := e.open()
			mk := f.newFT
			f.newFT = func(ctx context.Context) *fetcher {
				ft := mk(ctx)
				ft.stall = 150 * time.Millisecond
				return ft
			}
			e.publish(v1)
			e.sync(f)
			v2 := with(v1, "photos/big.jpg", big)
			e.publish(v2)
			var n atomic.Int32
			var ranged atomic.Bool
			e.cnt.before = func(w http.ResponseWriter, r *http.Request) bool {
				if !strings.HasSuffix(r.URL.Path, ".photos_2Fbig.jpg") {
					return false
				}
				i := int(n.Add(1)) - 1
				if i > 0 && strings.HasPrefix(r.Header.Get("Range"), "bytes=") && r.Header.Get("Range") != "bytes=0-" {
					ranged.Store(true)
				}
				return tc.fault(e, w, r, i)
			}
			e.cnt.reset()
			start := time.Now()
			changed, err := f.Sync(context.Background())
			took := time.Since(start)
			_, moved := e.cnt.reset()
			t.Logf("%d requests for the target, %d bytes moved, %v, err %v", n.Load(), moved, took.Round(time.Millisecond), err)
			if tc.wantErr == "" {
				if err != nil || !changed {
					t.Fatalf("Sync = %v, %v; want the new version", changed, err)
				}
				wantContent(t, f, v2)
				// Resumed, not restarted: metadata is a few kB.
				if moved > size+40_000 {
					t.Errorf("%d bytes moved for a %d-byte file: restarted instead of resumed", moved, size)
				}
			} else {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Sync error %v, want %q", err, tc.wantErr)
				}
				wantContent(t, f, v1)
			}
			if int(n.Load()) != tc.wantReqs {
				t.Errorf("%d requests for the target, want %d", n.Load(), tc.wantReqs)
			}
			if ranged.Load() != tc.wantRange {
				t.Errorf("resumed with Range: %v, want %v", ranged.Load(), tc.wantRange)
			}
		})
	}
}
