package fleet

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// BenchmarkHeartbeatIngest: signed heartbeats from 1,000 registered
// villages, each verified (ed25519), checked against the one held and
// stored (one bbolt transaction with fsync each, as served), through the
// real Handler by direct ServeHTTP (no sockets: the network stack is not
// what is measured), on one core (GOMAXPROCS=1 for the run). Bodies are
// signed before the timer starts, as the boards sign them.
//
//	go test -run '^$' -bench HeartbeatIngest ./fleet/
//
// The nosync case turns bbolt's fsync off to show the CPU cost alone; the
// server never runs that way.
func BenchmarkHeartbeatIngest(b *testing.B) {
	b.Run("fsync", func(b *testing.B) { benchIngest(b, false) })
	b.Run("nosync", func(b *testing.B) { benchIngest(b, true) })
}

func benchIngest(b *testing.B, noSync bool) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const villages = 1000
	s, err := NewServer(filepath.Join(b.TempDir(), "fleet.db"), Opts{Logf: b.Logf})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.db.NoSync = noSync
	ids := make([]string, villages)
	for i := range ids {
		ids[i] = fmt.Sprintf("370783-%03d-%03d", 101+i/100, i%100+1)
		if err := s.Register(ids[i], pub(key(byte(i%250+1)))); err != nil {
			b.Fatal(err)
		}
	}
	// Villages sharing a key seed is fine: each is checked against its own registration.
	bodies := make([][]byte, b.N)
	for i := range bodies {
		v := i % villages
		body, err := Sign(heartbeat(ids[v], t0.Add(time.Duration(i/villages+1)*time.Minute)), key(byte(v%250+1)))
		if err != nil {
			b.Fatal(err)
		}
		bodies[i] = body
	}
	h := s.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		req := httptest.NewRequest(http.MethodPost, PathHeartbeat, bytes.NewReader(bodies[i]))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("heartbeat %d: %d %s", i, w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "heartbeats/s")
}
