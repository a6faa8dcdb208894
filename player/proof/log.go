package proof

import (
	"bufio"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// chinaTime is the zone records are written in, so a log reads in the
// dates the village knows. (content.ChinaTime is the same zone.)
var chinaTime = time.FixedZone("CST", 8*3600)

const (
	tailMax    = 256 // records Tail keeps in memory
	indexEvery = 256 // Since seeks to every indexEvery-th record
)

// ErrCorrupt is returned by Open when the log is damaged in a way a torn
// write cannot explain (an edited or reordered record, a record followed by
// valid ones after damage, a log signed by another key). Open then changes
// nothing on disk.
var ErrCorrupt = errors.New("proof log corrupt")

// Log is the agent's append-only proof-of-display log. It is safe for
// concurrent use by the goroutines of several displays; Open locks the
// file (flock) so only one process appends to it.
type Log struct {
	path string
	key  ed25519.PrivateKey

	mu    sync.Mutex
	f     *os.File
	size  int64   // bytes of complete, good records
	seq   uint64  // last record's seq
	last  string  // last record's hash
	tail  []Entry // up to tailMax newest entries, oldest first
	index []int64 // index[k] is the offset of record k*indexEvery+1
	cut   int64   // bytes cut at Open
	err   error   // sticky: the file may hold a partial line

	nosync bool // tests only: skip fsync
}

// Open opens or creates the log at path for appending with the device key.
//
// It reads the whole log, checks every record's hash and the chain, and
// the last record's signature. A torn tail — a last line without its
// newline, or lines that are not log lines at all (a power cut mid-write,
// zeros or garbage after a crash) — is cut back to the last good record
// (truncate + fsync); Cut reports how many bytes went. Damage that a torn
// write cannot explain returns an error wrapping ErrCorrupt and leaves the
// file as it is.
func Open(path string, key ed25519.PrivateKey) (*Log, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("open proof log %q: device key has %d bytes, want %d", path, len(key), ed25519.PrivateKeySize)
	}
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open proof log: %w", err)
	}
	if err := lock(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("open proof log %q: locked by another process: %w", path, err)
	}
	if os.IsNotExist(statErr) {
		if err := syncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, fmt.Errorf("open proof log %q: sync dir: %w", path, err)
		}
	}
	l := &Log{path: path, key: key, f: f}
	if err := l.load(); err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

// load scans the file, fills l's state and cuts a torn tail.
func (l *Log) load() error {
	if _, err := l.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read proof log %q: %w", l.path, err)
	}
	br := bufio.NewReaderSize(l.f, 64<<10)
	var (
		off     int64
		badAt   int64 = -1
		badWhy  error
		lastEnt Entry
	)
	for lineNo := 1; ; lineNo++ {
		b, n, nl, err := nextLine(br)
		if n == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("read proof log %q: %w", l.path, err)
		}
		var e Entry
		var perr error
		if !nl {
			perr = errors.New("last line has no newline (write cut short)")
		} else {
			e, perr = parseLine(b)
		}
		if badAt >= 0 {
			if perr == nil {
				return fmt.Errorf("%w: %q line %d (byte %d) is damaged (%v) but a well-formed record (seq %d) follows at line %d: not a torn write, refusing to truncate",
					ErrCorrupt, l.path, lineNo-1, badAt, badWhy, e.Record.Seq, lineNo)
			}
		} else if perr != nil {
			badAt, badWhy = off, perr
		} else {
			if why := l.check(&e); why != "" {
				return fmt.Errorf("%w: %q line %d (seq %d): %s", ErrCorrupt, l.path, lineNo, e.Record.Seq, why)
			}
			l.add(e, off, off+n)
			lastEnt = e
			off += n
			continue
		}
		off += n
	}
	if l.seq > 0 && !lastEnt.checkSig(l.key.Public().(ed25519.PublicKey)) {
		return fmt.Errorf("%w: %q: last record (seq %d) is not signed by this device's key", ErrCorrupt, l.path, l.seq)
	}
	if badAt >= 0 {
		if err := l.f.Truncate(l.size); err != nil {
			return fmt.Errorf("cut torn tail of proof log %q at byte %d: %w", l.path, l.size, err)
		}
		if err := l.f.Sync(); err != nil {
			return fmt.Errorf("cut torn tail of proof log %q: sync: %w", l.path, err)
		}
		l.cut = off - l.size
	}
	return nil
}

// check verifies e against the chain so far; it returns why not, or "".
// Signatures are checked for the last record only (by load): the device
// wrote the file itself, so at boot the danger is a torn write, and
// checking every signature would slow a Pi's boot on a long log. Verify
// checks them all.
func (l *Log) check(e *Entry) string {
	switch {
	case !e.checkHash():
		return "hash does not match the record (edited)"
	case e.Record.Seq != l.seq+1:
		return fmt.Sprintf("seq %d where %d was expected", e.Record.Seq, l.seq+1)
	case e.Record.Prev != l.last:
		return "prev does not match the previous record's hash (chain broken)"
	}
	return ""
}

// add records e, which spans bytes [off, end), as the newest good record.
func (l *Log) add(e Entry, off, end int64) {
	if (e.Record.Seq-1)%indexEvery == 0 {
		l.index = append(l.index, off)
	}
	l.seq, l.last = e.Record.Seq, e.Hash
	l.size = end
	if len(l.tail) == tailMax {
		copy(l.tail, l.tail[1:])
		l.tail = l.tail[:tailMax-1]
	}
	l.tail = append(l.tail, e)
}

// nextLine reads one line. b is the line without its newline (at most
// maxLine bytes are kept; a longer line is returned cut, which parseLine
// rejects); n is the number of bytes consumed; nl reports whether the line
// ended in a newline.
func nextLine(br *bufio.Reader) (b []byte, n int64, nl bool, err error) {
	for {
		frag, err := br.ReadSlice('\n')
		n += int64(len(frag))
		if len(b) < maxLine {
			keep := min(len(frag), maxLine-len(b))
			b = append(b, frag[:keep]...)
		}
		switch err {
		case nil:
			if len(b) > 0 && b[len(b)-1] == '\n' {
				b = b[:len(b)-1]
			}
			return b, n, true, nil
		case bufio.ErrBufferFull:
			continue
		default:
			return b, n, false, err
		}
	}
}

// Append adds one record and fsyncs the file before it returns. Seq, Prev
// and V are set here; Start and End are stored in China time. The caller
// writes one record per display each time the item on it changes (not per
// frame), so a board writes a few hundred bytes and one fsync per page
// turn: see the package doc for the SD-card trade-off.
func (l *Log) Append(r Record) (Entry, error) {
	if err := r.validate(); err != nil {
		return Entry{}, fmt.Errorf("append to proof log: %w", err)
	}
	r.Start = r.Start.In(chinaTime).Round(0)
	r.End = r.End.In(chinaTime).Round(0)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return Entry{}, fmt.Errorf("append to proof log %q: closed", l.path)
	}
	if l.err != nil {
		return Entry{}, fmt.Errorf("append to proof log %q: earlier failure, reopen to repair: %w", l.path, l.err)
	}
	r.V, r.Seq, r.Prev = FormatVersion, l.seq+1, l.last
	e, err := seal(r, l.key)
	if err != nil {
		return Entry{}, err
	}
	b := e.MarshalLine()
	if len(b) > maxLine {
		return Entry{}, fmt.Errorf("append to proof log %q: record of %d bytes exceeds %d", l.path, len(b), maxLine)
	}
	_, err = l.f.Write(b)
	if err == nil && !l.nosync {
		err = l.f.Sync()
	}
	if err != nil {
		// Take back a partial line so the next append starts clean.
		if terr := l.f.Truncate(l.size); terr != nil {
			l.err = terr
		} else if serr := l.f.Sync(); serr != nil {
			l.err = serr
		}
		return Entry{}, fmt.Errorf("append record %d to proof log %q: %w", r.Seq, l.path, err)
	}
	l.add(e, l.size, l.size+int64(len(b)))
	return e, nil
}

// Tail returns up to n of the newest records, oldest first, from memory
// (at most 256), for the agent's local page.
func (l *Log) Tail(n int) []Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	n = max(0, min(n, len(l.tail)))
	out := make([]Record, 0, n)
	for _, e := range l.tail[len(l.tail)-n:] {
		out = append(out, e.Record)
	}
	return out
}

// Head returns the newest record's seq and hash (0, "" when empty). The
// agent puts them in its heartbeat, so the county can tell a log upload
// that stops early from a log that ends there.
func (l *Log) Head() (seq uint64, hash string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seq, l.last
}

// Cut returns how many bytes of torn tail Open cut off (0 when none).
func (l *Log) Cut() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cut
}

// Since returns every entry after seq, oldest first: the backlog to upload
// after seq was acknowledged by the county (0 for everything). Uploading is
// the caller's job; this package has no transport.
func (l *Log) Since(seq uint64) ([]Entry, error) {
	l.mu.Lock()
	if l.f == nil {
		l.mu.Unlock()
		return nil, fmt.Errorf("read proof log %q: closed", l.path)
	}
	if seq >= l.seq {
		l.mu.Unlock()
		return nil, nil
	}
	f, size, want := l.f, l.size, l.seq-seq
	start := l.index[seq/indexEvery]
	l.mu.Unlock()

	// Bytes below size are complete records that never change, so they
	// can be read while others append.
	br := bufio.NewReaderSize(io.NewSectionReader(f, start, size-start), 64<<10)
	out := make([]Entry, 0, want)
	for {
		b, n, nl, err := nextLine(br)
		if n == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF || !nl {
			return nil, fmt.Errorf("read proof log %q after seq %d: %v", l.path, seq, err)
		}
		e, err := parseLine(b)
		if err != nil {
			return nil, fmt.Errorf("read proof log %q after seq %d: %w", l.path, seq, err)
		}
		if e.Record.Seq > seq {
			out = append(out, e)
		}
	}
	return out, nil
}

// Close closes the file. Appends after Close fail.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// ReadAll reads a whole log (or uploaded batches, concatenated in order).
// Every line must be a complete log line; the first that is not is an
// error naming its line number. ReadAll checks shape only: call Verify.
func ReadAll(r io.Reader) ([]Entry, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var out []Entry
	for lineNo := 1; ; lineNo++ {
		b, n, nl, err := nextLine(br)
		if n == 0 && err == io.EOF {
			return out, nil
		}
		if err != nil && err != io.EOF {
			return out, fmt.Errorf("proof log line %d: %w", lineNo, err)
		}
		if !nl {
			return out, fmt.Errorf("proof log line %d: no newline at end (torn write or cut upload)", lineNo)
		}
		e, err := parseLine(b)
		if err != nil {
			return out, fmt.Errorf("proof log line %d: %w", lineNo, err)
		}
		out = append(out, e)
	}
}
