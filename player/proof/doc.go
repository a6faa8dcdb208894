// Package proof is the proof-of-display log: evidence, signed by the board
// itself, of what each display showed and when, so that a 公示期 can be
// proved rather than promised.
//
// # On the agent
//
// At provisioning the agent makes its device key with GenerateKey (an
// ed25519 key, PKCS #8 PEM, mode 0600) and the county registers the public
// half (MarshalPublicKey). At start the agent calls LoadKey and Open. Each
// time a display's page ends or is pre-empted, it calls Append with the
// display, the item id ("" for the fallback screen), the SHA-256 of the
// item's file, the repository version, when the page started and ended,
// and how the clock was known (ClockNTP, ClockCounty, ClockPersisted). A
// page cut short by a power failure is never recorded: the log only claims
// what was actually shown to the end.
//
// Append writes one line (about 420 bytes) and fsyncs before returning.
// That is one record per display per item change — a page turn every
// 10–60 s — never per frame: with two displays and 20-second pages a board
// writes 8,640 records (≈ 3.6 MB) and as many fsyncs a day. Each fsync
// rewrites at least one flash page, so the write amplification is real but
// bounded (tens of MB a day), which an SD card's wear levelling absorbs;
// batching fsyncs would save wear at the price of losing the last records
// at a power cut, and the log exists to survive power cuts. An append
// costs about 0.9 ms on the development machine (BenchmarkAppend), almost
// all of it fsync.
//
// The log is not rotated yet. Open re-reads it at every boot (about 11 µs
// a record here, BenchmarkOpen: 0.2 s for 20,000 records, several times
// that on a Pi), so a long-lived board needs rotation: close a segment once
// the county has acknowledged it, and start the next with the last seq and
// hash carried over.
//
// After a power cut, Open cuts a torn tail — a last line without its
// newline, or bytes that are not log lines (zeros, garbage) — back to the
// last good record with truncate + fsync; records before it are never lost.
// Damage a torn write cannot explain (an edited, missing or reordered
// record, or good records after the damage) makes Open fail with
// ErrCorrupt and leaves the file alone for someone to look at. Open checks
// every hash and link but only the last signature, to keep a Pi's boot
// fast; Verify checks them all.
//
// Since(seq) returns the backlog after the last record the county
// acknowledged, for upload after an outage; Head gives the newest seq and
// hash for the heartbeat. Uploading itself is not in this package.
//
// # Format
//
// The log is UTF-8 JSON lines, each ending in "\n":
//
//	{"rec":{"v":1,"seq":1,"display":"led-1","item":"2026-10-finance","sha256":"…","version":42,
//	 "start":"2026-10-01T08:00:00+08:00","end":"2026-10-01T08:00:20+08:00","clock":"ntp","prev":""},
//	 "hash":"<hex sha256 of the rec bytes>","sig":"<base64 ed25519 signature>"}
//
// (one line in the file). hash is the SHA-256 of the bytes of the "rec"
// value exactly as they appear in the line: readers must hash those bytes,
// not a re-encoding. sig is the device key's ed25519 signature of the ASCII
// string "sunboard-proof-v1:" followed by the hex hash (the prefix keeps
// these signatures apart from anything else the device key signs). seq
// counts from 1 with no gaps; prev is the previous record's hash, "" for
// record 1. Times are RFC 3339 in China time. v is the format version.
//
// # At the county
//
// `sunpub audit` concatenates a device's uploaded batches in seq order and
// calls ReadAll, then Verify with the device's registered public key (or
// VerifyAfter to check one new batch against the last verified entry),
// then Audit with each item's 公示期 as a Window ([publish, until+1 day)
// for a content.Item, whose Until is inclusive) and the village's display
// names. Verify (about 0.1 ms a record here, ed25519: BenchmarkVerify)
// names the first bad record and why: edited, not signed by
// this device, out of order, missing (removed from the start or middle), or
// chain broken. A log cut at its end looks like a shorter log: compare its
// last seq and hash with the device's heartbeat (Head).
//
// Audit counts an item as shown on a display when it appeared at least once
// in every stretch of Options.Period (default 1 hour: items rotate) inside
// its window. Every longer stretch without it is a Gap, with the parts in
// which the display recorded nothing at all (board off, power cut) listed
// as Off. Quiet hours are passed as Options.Excused. Report.Summary gives
// the answer in Chinese and English.
package proof
