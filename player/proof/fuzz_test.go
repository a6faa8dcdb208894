package proof

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParseLine: any input either fails to parse or gives an entry whose
// line parses back to the same entry; nothing panics.
func FuzzParseLine(f *testing.F) {
	es := sealAll(f, testKey(1), []Record{rec("led-1", "2026-10-finance", t0, time.Minute), rec("tv-1", "", t0, time.Hour)})
	for _, e := range es {
		l := e.MarshalLine()
		f.Add(l[:len(l)-1])
		f.Add(l[:len(l)/2])
		f.Add(bytes.Replace(l, []byte(`"seq":1`), []byte(`"seq":0`), 1))
		f.Add(bytes.Replace(l, []byte(`"v":1`), []byte(`"v":1.5`), 1))
	}
	f.Add([]byte(`{"rec":null,"hash":"","sig":""}`))
	f.Add([]byte(`{"rec":{},"hash":"00","sig":"AA=="}`))
	f.Add([]byte("\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := parseLine(b)
		if err != nil {
			return
		}
		l := e.MarshalLine()
		e2, err := parseLine(l[:len(l)-1])
		if err != nil {
			t.Fatalf("re-parse of %q: %v", l, err)
		}
		if !bytes.Equal(e.Raw, e2.Raw) || e.Hash != e2.Hash || e.Sig != e2.Sig || !sameRecord(e.Record, e2.Record) {
			t.Fatalf("round trip changed the entry: %q", l)
		}
		_ = Verify([]Entry{e}, pubOf(testKey(1)))
		_ = Audit([]Entry{e}, []Window{{Item: e.Record.Item, From: t0, To: t0.Add(time.Hour)}}, nil).Summary()
	})
}

// FuzzOpenTail: whatever follows three good records, Open either keeps
// exactly those records and cuts the rest, or refuses with ErrCorrupt and
// changes nothing. Good records are never lost.
func FuzzOpenTail(f *testing.F) {
	key := testKey(1)
	es := sealAll(f, key, []Record{
		rec("led-1", "a", t0, time.Minute),
		rec("led-1", "b", t0.Add(time.Minute), time.Minute),
		rec("led-1", "c", t0.Add(2*time.Minute), time.Minute),
		rec("led-1", "d", t0.Add(3*time.Minute), time.Minute),
	})
	var good []byte
	for _, e := range es[:3] {
		good = append(good, e.MarshalLine()...)
	}
	next := es[3].MarshalLine()
	f.Add(next[:10])
	f.Add(next[:len(next)-1])
	f.Add(append(next[:50:50], '\n'))
	f.Add([]byte("\n\n\x00garbage"))
	f.Add(es[0].MarshalLine())
	f.Fuzz(func(t *testing.T, tail []byte) {
		p := filepath.Join(t.TempDir(), "proof.log")
		file := append(bytes.Clone(good), tail...)
		if err := os.WriteFile(p, file, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := Open(p, key)
		got, _ := os.ReadFile(p)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, file) {
				t.Fatal("Open refused the log but changed it")
			}
			return
		}
		defer l.Close()
		seq, _ := l.Head()
		switch {
		case seq == 3 && bytes.Equal(got, good):
		case seq == 4 && bytes.Equal(got, append(bytes.Clone(good), next...)):
			// the fuzzer found the real next record
		default:
			t.Fatalf("after Open: seq %d, file %q", seq, got[len(good):])
		}
	})
}
