package feed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/sunboard/sunboard/feed/internal/fsutil"
	"github.com/sunboard/sunboard/feed/internal/scheme"
)

// Opts configures a Feed.
type Opts struct {
	URL     string           // base URL: metadata under URL+"metadata/", targets under URL+"targets/"
	Root    string           // path of the pinned trusted root.json (copied into the state dir on first use)
	State   string           // state dir (SD card): tuf/ metadata, objects/, current.json
	Village string           // "370783-101-001"
	Client  *http.Client     // nil → a client with sane timeouts
	Now     func() time.Time // nil → time.Now
	// RequireTownship refuses village files that are not signed through the
	// village's township role with a threshold of at least 2 (county and
	// township). Off, the rule applies only once the county has delegated the
	// township, so single-county setups keep working.
	RequireTownship bool
	// Quota caps the bytes of verified objects kept on the SD card (0 →
	// DefaultQuota). Older versions are dropped to make room; a version that
	// cannot fit beside the one on screen is refused and the old one kept.
	Quota int64
	// Keep is how many verified versions are remembered, the current one
	// included (0 → 3, minimum 1), so a corrupt object found at boot can fall
	// back to an older complete set. Objects no kept version uses are deleted.
	Keep int
}

// DefaultQuota is Opts.Quota when unset: room for several versions of a
// village's photos on the smallest SD cards still in use.
const DefaultQuota int64 = 512 << 20

// Version is one verified set of a village's files. Its FS stays readable
// while it is among the last few versions Sync kept (Opts.Keep); hold a
// Version no longer than that, re-read Current after each change.
type Version struct {
	Number   int64     // TUF snapshot version at which this content was first verified
	Verified time.Time // when it was verified
	// FS is the village folder as published, read from objects/, with the
	// county-wide items (publish.Repo.PublishCounty) under county/.
	FS fs.FS
}

// keepVersions is Opts.Keep's default.
const keepVersions = 3

// Feed keeps one village's verified content. Current may be called from any
// goroutine, also while Sync runs; Syncs are serialised.
type Feed struct {
	opts  Opts
	base  string
	now   func() time.Time
	dirs  stateDirs
	cond  condCache
	newFT func(ctx context.Context) *fetcher // tests swap sleep/jitter here
	quota int64
	keep  int
	// wrapWrite, if set, wraps every writer into the store (objects,
	// current.json, downloaded metadata): tests inject ENOSPC through it.
	wrapWrite func(io.Writer) io.Writer

	syncMu sync.Mutex

	mu       sync.RWMutex
	hist     []versionRec // newest first; hist[0] is current
	warnings []string
}

type stateDirs struct {
	root, tuf, objects, partial, tmp, current string
}

type fileRec struct {
	SHA256 string `json:"sha256"`
	Length int64  `json:"length"`
}

type versionRec struct {
	Number   int64              `json:"number"`
	Verified time.Time          `json:"verified"`
	Manifest string             `json:"manifest"`         // sha256 of the village manifest target
	County   string             `json:"county,omitempty"` // sha256 of the county-wide manifest, "" if none
	Files    map[string]fileRec `json:"files"`
}

type currentFile struct {
	Village  string       `json:"village"`
	Versions []versionRec `json:"versions"`
}

// Open opens (creating if needed) the state dir, removes leftovers of an
// interrupted run and re-checks the hash of every stored object. A version
// with a missing or corrupt object is dropped in favour of the newest
// complete one; Warnings says what happened.
func Open(opts Opts) (*Feed, error) {
	if _, err := scheme.Dir(opts.Village); err != nil {
		return nil, fmt.Errorf("open feed: %w", err)
	}
	if opts.URL == "" || opts.State == "" {
		return nil, fmt.Errorf("open feed: URL %q and State %q must be set", opts.URL, opts.State)
	}
	f := &Feed{opts: opts, base: strings.TrimSuffix(opts.URL, "/") + "/", now: opts.Now, quota: opts.Quota, keep: opts.Keep}
	if f.now == nil {
		f.now = time.Now
	}
	if f.quota <= 0 {
		f.quota = DefaultQuota
	}
	if f.keep <= 0 {
		f.keep = keepVersions
	}
	client := opts.Client
	if client == nil {
		client = newHTTPClient()
	}
	f.newFT = func(ctx context.Context) *fetcher {
		return &fetcher{ctx: ctx, client: client, tmpDir: f.dirs.tmp, cond: &f.cond,
			tries: 5, baseDelay: 500 * time.Millisecond, maxDelay: 30 * time.Second, stall: 60 * time.Second,
			sleep: sleepCtx, jitter: defaultJitter, wrap: f.wrapWrite}
	}
	s := opts.State
	f.dirs = stateDirs{root: s, tuf: filepath.Join(s, "tuf"), objects: filepath.Join(s, "objects"),
		partial: filepath.Join(s, "partial"), tmp: filepath.Join(s, "tmp"), current: filepath.Join(s, "current.json")}
	for _, d := range []string{s, f.dirs.tuf, f.dirs.objects, f.dirs.partial, f.dirs.tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("open feed state: %w", err)
		}
	}
	if err := f.pinRoot(); err != nil {
		return nil, err
	}
	f.cleanLeftovers()
	f.checkTUFCache()
	f.cond.file, f.cond.tuf = filepath.Join(s, "timestamp.etag"), f.dirs.tuf
	f.cond.load()
	if err := f.loadVersions(); err != nil {
		return nil, err
	}
	return f, nil
}

// Warnings returns what Open had to repair (corrupt objects, dropped
// versions), for the agent to log and report.
func (f *Feed) Warnings() []string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return append([]string(nil), f.warnings...)
}

func (f *Feed) warnf(format string, args ...any) {
	f.mu.Lock()
	f.warnings = append(f.warnings, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

// Current returns the last verified version; ok is false before the first
// successful Sync.
func (f *Feed) Current() (Version, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if len(f.hist) == 0 {
		return Version{}, false
	}
	v := f.hist[0]
	return Version{Number: v.Number, Verified: v.Verified, FS: newObjFS(f.dirs.objects, v.Files)}, true
}

// pinRoot copies the configured root into tuf/root.json unless a (possibly
// newer, rotated) trusted root is already there.
func (f *Feed) pinRoot() error {
	dst := filepath.Join(f.dirs.tuf, "root.json")
	if b, err := os.ReadFile(dst); err == nil {
		if _, err := metadata.Root().FromBytes(b); err == nil {
			return nil
		}
		f.warnf("trusted root %s unreadable, re-pinning from %s", dst, f.opts.Root)
	}
	b, err := os.ReadFile(f.opts.Root)
	if err != nil {
		return fmt.Errorf("read pinned root: %w", err)
	}
	if _, err := metadata.Root().FromBytes(b); err != nil {
		return fmt.Errorf("pinned root %q: %w", f.opts.Root, err)
	}
	if err := fsutil.WriteFile(dst, b, 0o600); err != nil {
		return fmt.Errorf("pin root: %w", err)
	}
	return nil
}

// cleanLeftovers deletes what a crash can leave behind: temp files of atomic
// writes and half-downloaded metadata. partial/ is kept on purpose.
func (f *Feed) cleanLeftovers() {
	for _, d := range []string{f.dirs.root, f.dirs.objects, f.dirs.tuf, f.dirs.tmp} {
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			n := e.Name()
			if d == f.dirs.tmp || strings.HasPrefix(n, fsutil.TempPrefix) || (d == f.dirs.tuf && strings.HasPrefix(n, "tuf_tmp")) {
				os.Remove(filepath.Join(d, n))
			}
		}
	}
}

// checkTUFCache deletes cached metadata that no longer parses. go-tuf writes
// these files without fsync and treats an unparsable local file as a hard
// error, so one power cut could otherwise stop every later Sync. Losing a
// cached file only means downloading it again; root.json is never removed.
func (f *Feed) checkTUFCache() {
	check := f.checkTUFCacheFile
	for name, parse := range map[string]func([]byte) error{
		"timestamp.json": func(b []byte) error { _, err := metadata.Timestamp().FromBytes(b); return err },
		"snapshot.json":  func(b []byte) error { _, err := metadata.Snapshot().FromBytes(b); return err },
		"targets.json":   func(b []byte) error { _, err := metadata.Targets().FromBytes(b); return err },
	} {
		check(name, parse)
	}
	roles, _ := filepath.Glob(filepath.Join(f.dirs.tuf, townshipRolePrefix+"*.json"))
	for _, p := range roles {
		check(filepath.Base(p), func(b []byte) error { _, err := metadata.Targets().FromBytes(b); return err })
	}
}

func (f *Feed) checkTUFCacheFile(name string, parse func([]byte) error) {
	p := filepath.Join(f.dirs.tuf, name)
	b, err := os.ReadFile(p)
	if err != nil {
		return
	}
	if err := parse(b); err != nil {
		f.warnf("cached metadata %s unreadable (%v): deleted, will be fetched again", p, err)
		os.Remove(p)
	}
}

// loadVersions reads current.json and keeps the versions whose objects are
// all present and intact, newest first. Corrupt objects are deleted so the
// next Sync fetches them again.
func (f *Feed) loadVersions() error {
	b, err := os.ReadFile(f.dirs.current)
	if errors.Is(err, fs.ErrNotExist) {
		f.gc(nil)
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %q: %w", f.dirs.current, err)
	}
	var cf currentFile
	if err := json.Unmarshal(b, &cf); err != nil {
		f.warnf("%s is unreadable (%v): starting with no content", f.dirs.current, err)
		return nil
	}
	if cf.Village != f.opts.Village {
		f.warnf("%s holds village %q, not %q: starting with no content", f.dirs.current, cf.Village, f.opts.Village)
		return nil
	}
	good := map[string]bool{}
	check := func(sum string, length int64) bool {
		if ok, seen := good[sum]; seen {
			return ok
		}
		err := checkObject(filepath.Join(f.dirs.objects, sum), sum, length)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			f.warnf("object %s: %v: deleted", sum, err)
			os.Remove(filepath.Join(f.dirs.objects, sum))
		}
		good[sum] = err == nil
		return err == nil
	}
	var keep []versionRec
	dropped := false
	for _, v := range cf.Versions {
		if len(keep) == f.keep {
			break // Opts.Keep lowered since the last run
		}
		complete := true
		for rel, fr := range v.Files {
			if !check(fr.SHA256, fr.Length) {
				f.warnf("version %d: file %q (object %s) missing or corrupt", v.Number, rel, fr.SHA256)
				complete = false
			}
		}
		if !complete {
			dropped = true
			if len(keep) == 0 {
				f.warnf("version %d dropped: falling back to the newest complete version", v.Number)
			}
			continue
		}
		keep = append(keep, v)
	}
	if len(keep) > 0 && dropped {
		f.warnf("now showing version %d", keep[0].Number)
	}
	f.hist = keep
	if len(keep) != len(cf.Versions) {
		if err := f.writeCurrent(keep); err != nil {
			return err
		}
	}
	f.gc(nil)
	return nil
}

func checkObject(p, sum string, length int64) error {
	fh, err := os.Open(p)
	if err != nil {
		return err
	}
	defer fh.Close()
	h := sha256.New()
	n, err := io.Copy(h, fh)
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if n != length {
		return fmt.Errorf("length %d, want %d", n, length)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return fmt.Errorf("sha256 %s, want %s", got, sum)
	}
	return nil
}

func (f *Feed) writeCurrent(hist []versionRec) error {
	b, err := json.MarshalIndent(currentFile{Village: f.opts.Village, Versions: hist}, "", "  ")
	if err != nil {
		return err
	}
	if err := fsutil.WriteFileVia(f.dirs.current, b, 0o600, f.wrapWrite); err != nil {
		return fmt.Errorf("switch current version: %w", err)
	}
	return nil
}

// gc deletes objects no remembered version refers to, except those in
// extra (a version being downloaded).
func (f *Feed) gc(extra map[string]bool) {
	f.mu.RLock()
	used := map[string]bool{}
	for sum := range extra {
		used[sum] = true
	}
	for _, v := range f.hist {
		used[v.Manifest] = true
		if v.County != "" {
			used[v.County] = true
		}
		for _, fr := range v.Files {
			used[fr.SHA256] = true
		}
	}
	f.mu.RUnlock()
	ents, err := os.ReadDir(f.dirs.objects)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !used[e.Name()] {
			os.Remove(filepath.Join(f.dirs.objects, e.Name()))
		}
	}
}
