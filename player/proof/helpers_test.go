package proof

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testKey is a fixed device key so failures reproduce.
func testKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed
	}
	return ed25519.NewKeyFromSeed(s)
}

func pubOf(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// t0 is 2026-10-01 00:00 China time.
var t0 = time.Date(2026, 10, 1, 0, 0, 0, 0, chinaTime)

func rec(display, item string, start time.Time, d time.Duration) Record {
	return Record{Display: display, Item: item, SHA256: sum(item), Version: 7, Start: start, End: start.Add(d), Clock: ClockNTP}
}

// sealAll chains and signs records in memory as Append would.
func sealAll(t testing.TB, key ed25519.PrivateKey, recs []Record) []Entry {
	t.Helper()
	var out []Entry
	prev := ""
	for i, r := range recs {
		r.V, r.Seq, r.Prev = FormatVersion, uint64(i+1), prev
		r.Start, r.End = r.Start.In(chinaTime), r.End.In(chinaTime)
		e, err := seal(r, key)
		if err != nil {
			t.Fatal(err)
		}
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

// writeLog appends n rotating records to a new log at dir/proof.log.
func writeLog(t testing.TB, key ed25519.PrivateKey, n int) (string, []Entry) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "proof.log")
	l, err := Open(path, key)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var out []Entry
	items := []string{"2026-10-finance", "2026-10-notice", "2026-09-meeting"}
	for i := range n {
		e, err := l.Append(rec("led-1", items[i%len(items)], t0.Add(time.Duration(i)*time.Minute), time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return path, out
}

func readEntries(t testing.TB, path string) []Entry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	es, err := ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return es
}
