package proof

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// FormatVersion is the record format written by this package (field "v").
const FormatVersion = 1

// Clock sources, for Record.Clock: how the agent knew the time when it
// wrote the record. Any non-empty string is accepted.
const (
	ClockNTP       = "ntp"       // synchronised with NTP
	ClockCounty    = "county"    // signed county time from the repository
	ClockPersisted = "persisted" // not synchronised since boot: last persisted time, counting forward
)

// maxLine bounds one line of the log, newline included. Longer lines are
// never written and are treated as damage when read.
const maxLine = 16 << 10

// sigContext separates proof-of-display signatures from anything else the
// device key signs (heartbeats, screenshots).
const sigContext = "sunboard-proof-v1:"

// Record is one display showing one item for one stretch of time.
type Record struct {
	V       int    `json:"v"`       // FormatVersion; set by Append
	Seq     uint64 `json:"seq"`     // 1, 2, 3, … in file order; set by Append
	Display string `json:"display"` // output name, e.g. "led-1"
	Item    string `json:"item"`    // item id; "" for the fallback (idle) screen
	// SHA256 is the hex SHA-256 of the item's file as the caller gives it;
	// "" for the fallback screen.
	SHA256  string    `json:"sha256"`
	Version int64     `json:"version"` // repository version shown
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Clock   string    `json:"clock"` // ClockNTP, ClockCounty, ClockPersisted, …
	// Prev is the previous record's Hash; "" for record 1. Set by Append.
	Prev string `json:"prev"`
}

// Entry is a record as stored: the exact signed bytes, their hash and the
// device's signature. Record is decoded from Raw.
type Entry struct {
	Record Record
	Raw    []byte // the "rec" value exactly as in the file; Hash covers these bytes
	Hash   string // hex SHA-256 of Raw
	Sig    string // base64 ed25519 signature of "sunboard-proof-v1:" + Hash
}

// line is the JSON shape of one log line.
type line struct {
	Rec  json.RawMessage `json:"rec"`
	Hash string          `json:"hash"`
	Sig  string          `json:"sig"`
}

// MarshalLine returns the entry as one log line, trailing newline included.
func (e Entry) MarshalLine() []byte {
	b := make([]byte, 0, len(e.Raw)+len(e.Hash)+len(e.Sig)+32)
	b = append(b, `{"rec":`...)
	b = append(b, e.Raw...)
	b = append(b, `,"hash":"`...)
	b = append(b, e.Hash...)
	b = append(b, `","sig":"`...)
	b = append(b, e.Sig...)
	b = append(b, "\"}\n"...)
	return b
}

// validate checks what a caller must fill in.
func (r *Record) validate() error {
	switch {
	case r.Display == "":
		return errors.New("record has no display")
	case r.Clock == "":
		return fmt.Errorf("record for display %q has no clock source", r.Display)
	case r.Start.IsZero() || r.End.IsZero():
		return fmt.Errorf("record for display %q item %q has no start or end", r.Display, r.Item)
	case r.End.Before(r.Start):
		return fmt.Errorf("record for display %q item %q ends (%s) before it starts (%s)", r.Display, r.Item, r.End, r.Start)
	case r.SHA256 != "" && !isHex(r.SHA256, sha256.Size):
		return fmt.Errorf("record for display %q item %q: content hash %q is not hex SHA-256", r.Display, r.Item, r.SHA256)
	}
	return nil
}

// seal encodes, hashes and signs r.
func seal(r Record, key ed25519.PrivateKey) (Entry, error) {
	raw, err := json.Marshal(r)
	if err != nil {
		return Entry{}, fmt.Errorf("encode record %d: %w", r.Seq, err)
	}
	sum := sha256.Sum256(raw)
	h := hex.EncodeToString(sum[:])
	sig := ed25519.Sign(key, []byte(sigContext+h))
	return Entry{Record: r, Raw: raw, Hash: h, Sig: base64.StdEncoding.EncodeToString(sig)}, nil
}

// parseLine decodes one line (without its newline) into an entry. It checks
// the shape only: hashes, signatures and the chain are Verify's job.
func parseLine(b []byte) (Entry, error) {
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 {
		return Entry{}, errors.New("empty line")
	}
	if len(b) >= maxLine {
		return Entry{}, fmt.Errorf("line of %d bytes is too long", len(b))
	}
	var l line
	if err := json.Unmarshal(b, &l); err != nil {
		return Entry{}, fmt.Errorf("not a log line: %w", err)
	}
	if len(l.Rec) == 0 || l.Rec[0] != '{' {
		return Entry{}, errors.New(`no "rec" object`)
	}
	if !isHex(l.Hash, sha256.Size) {
		return Entry{}, fmt.Errorf("hash %q is not hex SHA-256", trunc(l.Hash))
	}
	if sig, err := base64.StdEncoding.DecodeString(l.Sig); err != nil || len(sig) != ed25519.SignatureSize {
		return Entry{}, fmt.Errorf("sig %q is not a base64 ed25519 signature", trunc(l.Sig))
	}
	r, err := decodeRecord(l.Rec)
	if err != nil {
		return Entry{}, err
	}
	return Entry{Record: r, Raw: append([]byte(nil), l.Rec...), Hash: l.Hash, Sig: l.Sig}, nil
}

func decodeRecord(raw []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(raw, &r); err != nil {
		return Record{}, fmt.Errorf("bad record: %w", err)
	}
	if r.V != FormatVersion {
		return Record{}, fmt.Errorf("record format v%d, want v%d", r.V, FormatVersion)
	}
	if r.Seq == 0 {
		return Record{}, errors.New("record has no seq")
	}
	return r, nil
}

// checkHash reports whether Raw still hashes to Hash.
func (e *Entry) checkHash() bool {
	sum := sha256.Sum256(e.Raw)
	return hex.EncodeToString(sum[:]) == e.Hash
}

// checkSig reports whether Sig is pub's signature of Hash.
func (e *Entry) checkSig(pub ed25519.PublicKey) bool {
	sig, err := base64.StdEncoding.DecodeString(e.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize || len(pub) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(pub, []byte(sigContext+e.Hash), sig)
}

// sameRecord reports whether a and b hold the same values.
func sameRecord(a, b Record) bool {
	return a.V == b.V && a.Seq == b.Seq && a.Display == b.Display && a.Item == b.Item &&
		a.SHA256 == b.SHA256 && a.Version == b.Version && a.Start.Equal(b.Start) &&
		a.End.Equal(b.End) && a.Clock == b.Clock && a.Prev == b.Prev
}

func isHex(s string, n int) bool {
	if len(s) != 2*n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func trunc(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}
