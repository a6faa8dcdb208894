// Package clock is a board agent's notion of "now".
//
// Raspberry Pis have no real-time clock: a board that boots without network
// starts in 1970 (or wherever fake-hwclock left it) until NTP answers, and on
// a village 4G link NTP may never answer. Expiry of TUF metadata and the
// 公示期 of every notice depend on the time, so the agent treats time as an
// input with a provenance:
//
//   - a floor: the last time persisted to the SD card, raised while running by
//     trusted observations (a signed county time, the HTTP Date of the county
//     server, an NTP-synchronised system clock) and advanced by the monotonic
//     clock. Now never returns a time earlier than the floor, so the clock
//     never goes backwards past the last persisted time, even across reboots;
//   - the system clock, used when it is not behind the floor. It is reported
//     as "ntp" when systemd-timesyncd says it is synchronised, else "system".
//
// Now reports the [Source] with every reading so that proof-of-display
// records say how the board knew the time.
//
// An unsynchronised system clock that runs ahead of the floor is believed for
// display but never persisted: Persist then writes the floor advanced by the
// monotonic clock, so a wrong clock in the future cannot raise the floor for
// good.
package clock

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Source says how the clock knows the time.
type Source string

const (
	// SourceNTP: the system clock, synchronised according to systemd-timesyncd.
	SourceNTP Source = "ntp"
	// SourceSystem: the system clock, not known to be synchronised, but not
	// behind the floor.
	SourceSystem Source = "system"
	// SourceSigned: a time signed by the county (e.g. from TUF metadata),
	// advanced by the monotonic clock since it was observed.
	SourceSigned Source = "signed"
	// SourceHTTP: the Date header of the county server (not authenticated),
	// advanced by the monotonic clock since it was observed.
	SourceHTTP Source = "http"
	// SourcePersisted: the time persisted by an earlier run, advanced by the
	// monotonic clock since this run loaded it.
	SourcePersisted Source = "persisted"
	// SourceBuild: Opts.Floor (e.g. the release date of the binary), advanced
	// by the monotonic clock. Only seen when nothing better is known and the
	// system clock is behind it.
	SourceBuild Source = "build"
)

// DefaultSyncedPath is the flag file systemd-timesyncd creates once the
// system clock has been synchronised (systemd ≥ 239).
const DefaultSyncedPath = "/run/systemd/timesync/synchronized"

// Opts configures a Clock. The zero value (or nil) is the production setup.
type Opts struct {
	// SyncedPath is the file whose existence means the system clock is
	// NTP-synchronised. Empty means DefaultSyncedPath.
	SyncedPath string
	// Floor is a time the clock is certainly past, e.g. the release date of
	// the binary. Used when the state file is missing or unreadable.
	Floor time.Time
	// Wall returns the system wall-clock time. Nil means time.Now. For tests.
	Wall func() time.Time
	// Monotonic returns a reading of a clock that never jumps, as a duration
	// since an arbitrary origin. Nil means Go's monotonic clock. For tests.
	Monotonic func() time.Duration
}

// Clock is the agent's clock. It is safe for concurrent use.
type Clock struct {
	path       string
	syncedPath string
	wall       func() time.Time
	mono       func() time.Duration

	mu        sync.Mutex
	floor     time.Time     // wall time of the floor when it was set (no monotonic reading)
	floorMono time.Duration // monotonic reading when the floor was set
	floorSrc  Source        // "" when there is no floor
	loadErr   error
}

// Open loads the persisted last-known time from stateFile. A missing file is
// not an error (first boot). An unreadable, torn or corrupt file is not fatal
// either: the clock falls back to Opts.Floor and LoadError reports why; the
// next Persist replaces the file. Open fails only on bad options.
func Open(stateFile string, opts *Opts) (*Clock, error) {
	if stateFile == "" {
		return nil, errors.New("clock: empty state file path")
	}
	var o Opts
	if opts != nil {
		o = *opts
	}
	c := &Clock{path: stateFile, syncedPath: o.SyncedPath, wall: o.Wall, mono: o.Monotonic}
	if c.syncedPath == "" {
		c.syncedPath = DefaultSyncedPath
	}
	if c.wall == nil {
		c.wall = time.Now
	}
	if c.mono == nil {
		origin := time.Now()
		c.mono = func() time.Duration { return time.Since(origin) }
	}
	m := c.mono()
	if !o.Floor.IsZero() {
		c.floor, c.floorMono, c.floorSrc = o.Floor.Round(0).UTC(), m, SourceBuild
	}
	t, err := readState(stateFile)
	switch {
	case err == nil:
		if c.floorSrc == "" || t.After(c.floor) {
			c.floor, c.floorMono, c.floorSrc = t, m, SourcePersisted
		}
	case errors.Is(err, fs.ErrNotExist):
	default:
		c.loadErr = err
	}
	return c, nil
}

// LoadError reports why the state file could not be used at Open, or nil.
func (c *Clock) LoadError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.loadErr
}

// derived is the floor advanced by the monotonic clock. c.mu must be held.
func (c *Clock) derived(m time.Duration) time.Time {
	d := m - c.floorMono
	if d < 0 { // a broken injected monotonic clock; never go back
		d = 0
	}
	return c.floor.Add(d)
}

func (c *Clock) synced() bool {
	_, err := os.Stat(c.syncedPath)
	return err == nil
}

// Now returns the current time and how the clock knows it. The result is
// never earlier than the floor (the persisted time and every observation,
// advanced by the monotonic clock since). When the system clock is not
// behind the floor it is used and reported as SourceNTP or SourceSystem;
// otherwise the floor-based time is returned with the floor's source
// (SourcePersisted after a boot without network).
func (c *Clock) Now() (time.Time, Source) {
	sys := c.wall().Round(0).UTC()
	synced := c.synced()
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.mono()
	if c.floorSrc != "" {
		if d := c.derived(m); sys.Before(d) {
			return d, c.floorSrc
		}
	}
	if synced {
		// Ratchet: an NTP time is trusted; keep it as the floor so that a
		// later jump back of the system clock does not take Now with it.
		c.floor, c.floorMono, c.floorSrc = sys, m, SourceNTP
		return sys, SourceNTP
	}
	return sys, SourceSystem
}

// Observe reports a time learnt from elsewhere: a signed county time
// (SourceSigned), the HTTP Date of the county server (SourceHTTP) or any
// other source. If t is later than the floor advanced to now, it becomes the
// new floor and is advanced by the monotonic clock from here on. An
// observation never lowers the floor. Zero times are ignored.
//
// HTTP Date is not authenticated: whoever can answer the board's HTTP
// requests can move its floor forward. Prefer signed times.
func (c *Clock) Observe(t time.Time, src Source) {
	if t.IsZero() {
		return
	}
	t = t.Round(0).UTC()
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.mono()
	if c.floorSrc == "" || t.After(c.derived(m)) {
		c.floor, c.floorMono, c.floorSrc = t, m, src
	}
}

// Floor returns the floor advanced to now and its source ("" when nothing is
// known: first boot, no Opts.Floor, no observation, no synchronised clock).
func (c *Clock) Floor() (time.Time, Source) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.floorSrc == "" {
		return time.Time{}, ""
	}
	return c.derived(c.mono()), c.floorSrc
}

// Persist writes the current time to the state file, crash-safely (temp
// file, fsync, rename, fsync of the directory), so that the next boot starts
// no earlier. An unsynchronised system clock is never persisted (only the
// floor is); with nothing known at all Persist writes nothing. Call it
// periodically (e.g. every few minutes) and at shutdown.
func (c *Clock) Persist() error {
	t, src := c.Now()
	if src == SourceSystem {
		t, src = c.Floor()
		if src == "" {
			return nil
		}
	}
	if err := writeFileAtomic(c.path, formatState(t, src)); err != nil {
		return fmt.Errorf("clock: persist: %w", err)
	}
	return nil
}

// State file: one line,
//
//	sunboard-clock 1 <unix nanoseconds> <source> <crc32 (IEEE) of the text before it, 8 hex digits>\n
//
// The checksum catches files torn by a power cut on cards that do not honour
// fsync.
const magic = "sunboard-clock 1 "

const maxStateSize = 256

func formatState(t time.Time, src Source) []byte {
	body := magic + strconv.FormatInt(t.UnixNano(), 10) + " " + string(sanitize(src)) + " "
	return fmt.Appendf(nil, "%s%08x\n", body, crc32.ChecksumIEEE([]byte(body)))
}

// sanitize keeps a source label one token of printable ASCII.
func sanitize(src Source) Source {
	b := []byte(src)
	for i, ch := range b {
		if ch <= ' ' || ch > '~' {
			b[i] = '_'
		}
	}
	if len(b) == 0 || len(b) > 32 {
		return "unknown"
	}
	return Source(b)
}

var errCorrupt = errors.New("clock: corrupt state file")

// parseState parses a state file. It returns the persisted time.
func parseState(b []byte) (time.Time, Source, error) {
	s := string(b)
	if len(s) > maxStateSize || !strings.HasPrefix(s, magic) || !strings.HasSuffix(s, "\n") {
		return time.Time{}, "", errCorrupt
	}
	line := s[:len(s)-1]
	i := strings.LastIndexByte(line, ' ')
	if i < 0 || len(line)-i-1 != 8 {
		return time.Time{}, "", errCorrupt
	}
	sum, err := strconv.ParseUint(line[i+1:], 16, 32)
	if err != nil || uint32(sum) != crc32.ChecksumIEEE([]byte(line[:i+1])) || fmt.Sprintf("%08x", sum) != line[i+1:] {
		return time.Time{}, "", errCorrupt
	}
	f := strings.Split(line[len(magic):i], " ")
	if len(f) != 2 || f[1] == "" || sanitize(Source(f[1])) != Source(f[1]) {
		return time.Time{}, "", errCorrupt
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || ns <= 0 || f[0] != strconv.FormatInt(ns, 10) {
		return time.Time{}, "", errCorrupt
	}
	return time.Unix(0, ns).UTC(), Source(f[1]), nil
}

func readState(path string) (time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return time.Time{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxStateSize+1))
	if err != nil {
		return time.Time{}, err
	}
	t, _, err := parseState(b)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w %s (%d bytes)", err, path, len(b))
	}
	return t, nil
}

func writeFileAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
