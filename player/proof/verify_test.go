package proof

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	key := testKey(1)
	_, log := writeLog(t, key, 10) // seqs 1..10
	other := testKey(9)

	reparse := func(e Entry, from, to string) Entry {
		b := e.MarshalLine()
		s := strings.Replace(string(b[:len(b)-1]), from, to, 1)
		if s == string(b[:len(b)-1]) {
			t.Fatalf("%q not in %s", from, b)
		}
		got, err := parseLine([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	cases := []struct {
		name    string
		mutate  func([]Entry) []Entry
		seq     uint64 // 0: Verify must pass
		index   int
		because string
	}{
		{"intact", func(es []Entry) []Entry { return es }, 0, 0, ""},
		{"empty", func([]Entry) []Entry { return nil }, 0, 0, ""},
		{"one record edited", func(es []Entry) []Entry {
			es[4] = reparse(es[4], `"item":"2026-10-notice"`, `"item":"2026-10-noticE"`)
			return es
		}, 5, 4, "edited"},
		{"end time edited", func(es []Entry) []Entry {
			es[6] = reparse(es[6], `"end":"2026-10-01T00:07:00+08:00"`, `"end":"2026-10-01T09:07:00+08:00"`)
			return es
		}, 7, 6, "edited"},
		{"edited and re-hashed", func(es []Entry) []Entry {
			r := es[4].Record
			r.Item = "forged"
			f, err := seal(r, key)
			if err != nil {
				t.Fatal(err)
			}
			f.Sig = es[4].Sig // the attacker cannot sign
			es[4] = f
			return es
		}, 5, 4, "not signed by this device's key"},
		{"two records swapped", func(es []Entry) []Entry {
			es[3], es[4] = es[4], es[3]
			return es
		}, 5, 3, "out of order: seq 5 comes before seq 4"},
		{"last two swapped", func(es []Entry) []Entry {
			es[8], es[9] = es[9], es[8]
			return es
		}, 10, 8, "out of order"},
		{"record repeated", func(es []Entry) []Entry {
			return slices.Insert(es, 6, es[5])
		}, 6, 6, "out of order: seq 6 comes after seq 6"},
		{"truncated middle", func(es []Entry) []Entry {
			return slices.Delete(es, 4, 7) // seqs 5, 6, 7
		}, 8, 4, "records 5–7 are missing: removed from the middle"},
		{"one record removed", func(es []Entry) []Entry {
			return slices.Delete(es, 2, 3)
		}, 4, 2, "record 3 is missing"},
		{"start removed", func(es []Entry) []Entry {
			return es[2:]
		}, 3, 0, "records 1–2 are missing: removed from the start"},
		{"extra record signed with another key", func(es []Entry) []Entry {
			r := es[9].Record
			r.Seq, r.Prev, r.Item = 11, es[9].Hash, "never-shown"
			f, err := seal(r, other)
			if err != nil {
				t.Fatal(err)
			}
			return append(es, f)
		}, 11, 10, "not signed by this device's key"},
		{"whole log re-signed with another key", func(es []Entry) []Entry {
			var rs []Record
			for _, e := range es {
				rs = append(rs, e.Record)
			}
			return sealAll(t, other, rs)
		}, 1, 0, "not signed"},
		{"chain relinked", func(es []Entry) []Entry {
			r := es[5].Record
			r.Prev = es[3].Hash
			f, err := seal(r, key) // a bug, or a stolen key: seq right, chain wrong
			if err != nil {
				t.Fatal(err)
			}
			es[5] = f
			return es
		}, 6, 5, "chain broken: prev"},
		{"signed record ending before it starts", func(es []Entry) []Entry {
			r := es[1].Record
			r.End = r.Start.Add(-time.Minute)
			f, err := seal(r, key)
			if err != nil {
				t.Fatal(err)
			}
			es[1] = f
			return es
		}, 2, 1, "ends (2026-10-01T00:00:00+08:00) before it starts"},
		{"decoded record swapped under signed bytes", func(es []Entry) []Entry {
			es[2].Record.Item = "other"
			return es
		}, 3, 2, "differs from its signed bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			es := c.mutate(slices.Clone(log))
			err := Verify(es, pubOf(key))
			if c.seq == 0 {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("Verify = %v, want *VerifyError", err)
			}
			if ve.Seq != c.seq || ve.Index != c.index || !strings.Contains(ve.Reason, c.because) {
				t.Fatalf("Verify = %v (seq %d, index %d), want seq %d index %d %q", err, ve.Seq, ve.Index, c.seq, c.index, c.because)
			}
			t.Log(err)
		})
	}
	if err := Verify(log, nil); err == nil {
		t.Error("Verify with no key passed")
	}
	if err := VerifyAfter(log[4], log[5:], pubOf(key)); err != nil {
		t.Errorf("VerifyAfter: %v", err)
	}
	if err := VerifyAfter(log[3], log[5:], pubOf(key)); err == nil || !strings.Contains(err.Error(), "record 5 is missing") {
		t.Errorf("VerifyAfter with a hole = %v", err)
	}
}
