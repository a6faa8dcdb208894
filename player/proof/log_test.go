package proof

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAppendReopenSince(t *testing.T) {
	key := testKey(1)
	const n = 600 // crosses the Since index twice
	path, written := writeLog(t, key, n)

	l, err := Open(path, key)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if seq, h := l.Head(); seq != n || h != written[n-1].Hash {
		t.Fatalf("Head = %d %s, want %d %s", seq, h, n, written[n-1].Hash)
	}
	if l.Cut() != 0 {
		t.Errorf("Cut = %d on a clean log", l.Cut())
	}
	tail := l.Tail(3)
	if len(tail) != 3 || tail[0].Seq != n-2 || tail[2].Seq != n {
		t.Errorf("Tail(3) = %+v", tail)
	}
	if got := len(l.Tail(10000)); got != tailMax {
		t.Errorf("Tail(10000) has %d records, want %d", got, tailMax)
	}
	if got := l.Tail(-1); len(got) != 0 {
		t.Errorf("Tail(-1) = %v", got)
	}
	for _, after := range []uint64{0, 1, 254, 255, 256, 257, 511, 512, 513, n - 1, n, n + 5} {
		es, err := l.Since(after)
		if err != nil {
			t.Fatalf("Since(%d): %v", after, err)
		}
		want := 0
		if after < n {
			want = n - int(after)
		}
		if len(es) != want {
			t.Fatalf("Since(%d) = %d entries, want %d", after, len(es), want)
		}
		if want > 0 && (es[0].Record.Seq != after+1 || es[0].Hash != written[after].Hash) {
			t.Fatalf("Since(%d) starts at seq %d", after, es[0].Record.Seq)
		}
	}
	all := readEntries(t, path)
	if err := Verify(all, pubOf(key)); err != nil {
		t.Fatal(err)
	}
	// Appending after reopen continues the chain.
	e, err := l.Append(rec("tv-1", "2026-10-finance", t0.Add(n*time.Minute), time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if e.Record.Seq != n+1 || e.Record.Prev != written[n-1].Hash {
		t.Fatalf("appended seq %d prev %s", e.Record.Seq, e.Record.Prev)
	}
	batch, err := l.Since(n)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyAfter(written[n-1], batch, pubOf(key)); err != nil {
		t.Fatal(err)
	}
	if err := Verify(readEntries(t, path), pubOf(key)); err != nil {
		t.Fatal(err)
	}
	// Records read back are the records written, in China time.
	if got := all[5].Record; !sameRecord(got, written[5].Record) || got.Start.Location().String() == "UTC" {
		t.Errorf("read back %+v, wrote %+v", got, written[5].Record)
	}
	b, _ := os.ReadFile(path)
	if !bytes.HasSuffix(b, []byte("\"}\n")) || bytes.Count(b, []byte("\n")) != n+1 {
		t.Errorf("log does not end in complete JSON lines")
	}
}

func TestTornTailIsCut(t *testing.T) {
	key := testKey(1)
	const n = 5
	path, written := writeLog(t, key, n)
	clean, _ := os.ReadFile(path)
	lastLine := written[n-1].MarshalLine()
	before := clean[:len(clean)-len(lastLine)] // log of n-1 records

	rng := rand.New(rand.NewPCG(1, 2))
	garbage := func(k int, newlines bool) []byte {
		b := make([]byte, k)
		for i := range b {
			b[i] = byte(rng.IntN(256))
			if !newlines && b[i] == '\n' {
				b[i] = 'x'
			}
		}
		return b
	}
	type tc struct {
		name string
		file []byte
		keep int // records that must survive
	}
	var cases []tc
	// Every partial write of the last record.
	for cut := 1; cut < len(lastLine); cut += 13 {
		cases = append(cases, tc{"partial last line", append(bytes.Clone(before), lastLine[:cut]...), n - 1})
	}
	cases = append(cases,
		tc{"last line without newline", append(bytes.Clone(before), lastLine[:len(lastLine)-1]...), n - 1},
		tc{"zeros after a power cut", append(bytes.Clone(clean), make([]byte, 4096)...), n},
		tc{"lone newline", append(bytes.Clone(clean), '\n'), n},
		tc{"garbage without newline", append(bytes.Clone(clean), garbage(300, false)...), n},
		tc{"garbage with newlines", append(bytes.Clone(clean), garbage(5000, true)...), n},
		tc{"huge garbage line", append(bytes.Clone(clean), bytes.Repeat([]byte("{"), 3*maxLine)...), n},
		tc{"partial line then garbage", append(append(bytes.Clone(before), lastLine[:40]...), garbage(100, true)...), n - 1},
		tc{"half a JSON line plus newline", append(append(bytes.Clone(before), lastLine[:len(lastLine)/2]...), '\n'), n - 1},
		tc{"empty file", nil, 0},
		tc{"only garbage", garbage(200, true), 0},
	)
	for i := range 20 {
		cases = append(cases, tc{"random garbage tail", append(bytes.Clone(clean), garbage(1+rng.IntN(2000), i%2 == 0)...), n})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "proof.log")
			if err := os.WriteFile(p, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			l, err := Open(p, key)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer l.Close()
			good := 0
			for _, e := range written[:c.keep] {
				good += len(e.MarshalLine())
			}
			if seq, _ := l.Head(); seq != uint64(c.keep) {
				t.Fatalf("Head seq %d, want %d", seq, c.keep)
			}
			if l.Cut() != int64(len(c.file)-good) {
				t.Errorf("Cut = %d, want %d", l.Cut(), len(c.file)-good)
			}
			got, _ := os.ReadFile(p)
			if !bytes.Equal(got, clean[:good]) {
				t.Fatalf("file after Open is not the %d good records (%d bytes, want %d)", c.keep, len(got), good)
			}
			if _, err := l.Append(rec("led-1", "after", t0.Add(time.Hour), time.Minute)); err != nil {
				t.Fatal(err)
			}
			if err := Verify(readEntries(t, p), pubOf(key)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDamageThatIsNotATornWrite(t *testing.T) {
	key := testKey(1)
	path, written := writeLog(t, key, 6)
	clean, _ := os.ReadFile(path)
	l3 := string(written[2].MarshalLine())
	cases := []struct {
		name, file, want string
		key              byte
	}{
		{"edited middle record", strings.Replace(string(clean), l3, strings.Replace(l3, `"led-1"`, `"led-9"`, 1), 1), "line 3 (seq 3): hash does not match", 1},
		{"garbage in the middle", strings.Replace(string(clean), l3, "\x00\x00garbage\n"+l3, 1), "line 3 (byte", 1},
		{"line missing from the middle", strings.Replace(string(clean), l3, "", 1), "line 3 (seq 4): seq 4 where 3 was expected", 1},
		{"edited last record", strings.Replace(string(clean), string(written[5].MarshalLine()), strings.Replace(string(written[5].MarshalLine()), `"led-1"`, `"led-2"`, 1), 1), "line 6 (seq 6): hash does not match", 1},
		{"another device's key", string(clean), "last record (seq 6) is not signed by this device's key", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "proof.log")
			if err := os.WriteFile(p, []byte(c.file), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Open(p, testKey(c.key))
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Open error %v, want ErrCorrupt with %q", err, c.want)
			}
			if got, _ := os.ReadFile(p); string(got) != c.file {
				t.Fatal("Open changed a corrupt log")
			}
		})
	}
}

func TestAppendRefuses(t *testing.T) {
	l, err := Open(filepath.Join(t.TempDir(), "proof.log"), testKey(1))
	if err != nil {
		t.Fatal(err)
	}
	good := rec("led-1", "a", t0, time.Minute)
	bad := map[string]func(*Record){
		"no display":  func(r *Record) { r.Display = "" },
		"no clock":    func(r *Record) { r.Clock = "" },
		"no start":    func(r *Record) { r.Start = time.Time{} },
		"end < start": func(r *Record) { r.End = r.Start.Add(-time.Second) },
		"bad hash":    func(r *Record) { r.SHA256 = "abc" },
		"too long":    func(r *Record) { r.Item = strings.Repeat("长", maxLine) },
	}
	for name, f := range bad {
		r := good
		f(&r)
		if _, err := l.Append(r); err == nil {
			t.Errorf("%s: Append accepted %+v", name, r)
		}
	}
	idle := good
	idle.Item, idle.SHA256 = "", ""
	if _, err := l.Append(idle); err != nil {
		t.Errorf("fallback screen record: %v", err)
	}
	if seq, _ := l.Head(); seq != 1 {
		t.Errorf("Head seq %d after one good append", seq)
	}
	l.Close()
	if _, err := l.Append(good); err == nil {
		t.Error("Append after Close succeeded")
	}
	if _, err := l.Since(0); err == nil {
		t.Error("Since after Close succeeded")
	}
	if _, err := Open(filepath.Join(t.TempDir(), "x"), ed25519Short); err == nil {
		t.Error("Open accepted a short key")
	}
}

func TestOpenLocks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "proof.log")
	l, err := Open(path, testKey(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, testKey(1)); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("second Open = %v, want locked", err)
	}
	l.Close()
	l, err = Open(path, testKey(1))
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	l.Close()
}

var ed25519Short = make([]byte, 10)

func TestAppendFailureIsSticky(t *testing.T) {
	path := filepath.Join(t.TempDir(), "proof.log")
	l, err := Open(path, testKey(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(rec("led-1", "a", t0, time.Minute)); err != nil {
		t.Fatal(err)
	}
	l.f.Close() // the write fails, and so does taking it back
	if _, err := l.Append(rec("led-1", "b", t0, time.Minute)); err == nil {
		t.Fatal("Append on a dead file succeeded")
	}
	_, err = l.Append(rec("led-1", "c", t0, time.Minute))
	if err == nil || !strings.Contains(err.Error(), "reopen to repair") {
		t.Fatalf("second Append = %v, want the sticky failure", err)
	}
	l2, err := Open(path, testKey(1))
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if seq, _ := l2.Head(); seq != 1 {
		t.Fatalf("reopened log at seq %d, want 1", seq)
	}
}

func TestConcurrentAppends(t *testing.T) {
	key := testKey(3)
	path := filepath.Join(t.TempDir(), "proof.log")
	l, err := Open(path, key)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for d := range 4 {
		wg.Go(func() {
			for i := range 25 {
				if _, err := l.Append(rec("led-"+string(rune('1'+d)), "a", t0.Add(time.Duration(i)*time.Minute), time.Minute)); err != nil {
					t.Error(err)
					return
				}
				l.Tail(5)
				l.Head()
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if _, err := l.Since(0); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	l.Close()
	es := readEntries(t, path)
	if len(es) != 100 {
		t.Fatalf("%d entries, want 100", len(es))
	}
	if err := Verify(es, pubOf(key)); err != nil {
		t.Fatal(err)
	}
}

func TestReadAllErrors(t *testing.T) {
	_, written := writeLog(t, testKey(1), 2)
	one := string(written[0].MarshalLine())
	for in, want := range map[string]string{
		one + "garbage\n": "line 2: not a log line",
		one + one[:20]:    "line 2: no newline",
		"\n":              "line 1: empty line",
		strings.Replace(one, `"v":1`, `"v":2`, 1): "line 1: record format v2",
	} {
		es, err := ReadAll(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadAll error %v, want %q", err, want)
		}
		_ = es
	}
}

func BenchmarkAppend(b *testing.B) {
	l, err := Open(filepath.Join(b.TempDir(), "proof.log"), testKey(1))
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	r := rec("led-1", "2026-10-finance", t0, 20*time.Second)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Append(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen reopens a log of 20,000 records (about a week for two
// displays with 60-second pages): the cost at every boot.
func BenchmarkOpen(b *testing.B) {
	key := testKey(1)
	path := filepath.Join(b.TempDir(), "proof.log")
	l, err := Open(path, key)
	if err != nil {
		b.Fatal(err)
	}
	l.nosync = true
	for i := range 20000 {
		if _, err := l.Append(rec("led-1", "2026-10-finance", t0.Add(time.Duration(i)*time.Minute), time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	l.Close()
	for b.Loop() {
		l, err := Open(path, key)
		if err != nil {
			b.Fatal(err)
		}
		l.Close()
	}
}

// BenchmarkVerify is the county's cost for the same 20,000 records.
func BenchmarkVerify(b *testing.B) {
	key := testKey(1)
	var rs []Record
	for i := range 20000 {
		rs = append(rs, rec("led-1", "2026-10-finance", t0.Add(time.Duration(i)*time.Minute), time.Minute))
	}
	es := sealAll(b, key, rs)
	for b.Loop() {
		if err := Verify(es, pubOf(key)); err != nil {
			b.Fatal(err)
		}
	}
}
