package proof

import (
	"crypto/ed25519"
	"fmt"
	"time"
)

// VerifyError says which record of a log fails verification and why.
type VerifyError struct {
	Index  int    // position in the entries given, 0-based
	Seq    uint64 // the record's seq as written in it
	Reason string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("proof log record %d (entry %d): %s", e.Seq, e.Index+1, e.Reason)
}

// Verify checks a whole log from record 1: every record's hash covers its
// bytes, every signature is pub's, seqs run 1, 2, 3, … and each record's
// prev is the hash of the one before. The first failure is returned as a
// *VerifyError naming the record: "edited" (hash mismatch), "not signed by
// this device" (another key, or a forged signature), "out of order"
// (records swapped or repeated), "missing records" (removed from the
// middle or the start).
//
// A log cut at its end cannot be told from a shorter log by the log alone:
// compare the last seq and hash with the device's own report (Log.Head, in
// its heartbeat).
func Verify(entries []Entry, pub ed25519.PublicKey) error {
	return verify(0, "", entries, pub)
}

// VerifyAfter checks batch as the continuation of a log whose newest
// verified entry is last: how the county checks an upload without reading
// the whole log again.
func VerifyAfter(last Entry, batch []Entry, pub ed25519.PublicKey) error {
	return verify(last.Record.Seq, last.Hash, batch, pub)
}

func verify(seq uint64, prev string, entries []Entry, pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("verify proof log: public key has %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	for i := range entries {
		e := &entries[i]
		bad := func(format string, args ...any) error {
			return &VerifyError{Index: i, Seq: e.Record.Seq, Reason: fmt.Sprintf(format, args...)}
		}
		if !e.checkHash() {
			return bad("edited: its hash %s does not match its contents", trunc(e.Hash))
		}
		if !e.checkSig(pub) {
			return bad("not signed by this device's key")
		}
		r, err := decodeRecord(e.Raw)
		if err != nil {
			return bad("%v", err)
		}
		if !sameRecord(r, e.Record) {
			return bad("decoded record differs from its signed bytes")
		}
		if r.End.Before(r.Start) {
			return bad("ends (%s) before it starts (%s)", r.End.Format(time.RFC3339), r.Start.Format(time.RFC3339))
		}
		want := seq + 1
		switch {
		case r.Seq < want:
			return bad("out of order: seq %d comes after seq %d (records swapped or repeated)", r.Seq, seq)
		case r.Seq > want:
			for j := i + 1; j < len(entries); j++ {
				if s := entries[j].Record.Seq; s >= want && s < r.Seq {
					return bad("out of order: seq %d comes before seq %d (records swapped)", r.Seq, s)
				}
			}
			where := "from the middle"
			if want == 1 {
				where = "from the start"
			}
			if r.Seq == want+1 {
				return bad("record %d is missing: removed %s", want, where)
			}
			return bad("records %d–%d are missing: removed %s", want, r.Seq-1, where)
		case r.Prev != prev:
			return bad("chain broken: prev %s is not the hash of record %d", trunc(r.Prev), seq)
		}
		seq, prev = r.Seq, e.Hash
	}
	return nil
}
