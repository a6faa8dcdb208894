// Package selfupdate updates the village agent itself through the same
// TUF-signed channel as the content: the county releases a sunboard binary
// per board architecture as the target agent/<arch>/sunboard (sunpub
// release, feed/publish.ReleaseAgent), signed by its top-level targets key
// with custom metadata {version, arch, revoked}.
//
// After each successful sync the running agent (Updater.Check) looks at the
// release for its own architecture. A higher version that is not revoked and
// has not failed here recently is downloaded through the feed's TUF updater
// (length and hashes verified, resumable), written to the bin directory in
// the state dir and fsynced, made executable and sanity-run (`sunboard-V
// version` must print V). Then a trial marker is written and the symlink
// bin/current is switched to the new binary by renaming a temporary symlink
// over it (atomic), and the agent exits so systemd restarts it.
//
// systemd always starts the packaged /usr/bin/sunboard. Its first act in
// `sunboard run` is Launch: it counts the start against the trial marker,
// rolls back if the trial is over (too many starts, or its deadline passed
// without a healthy report), and execs bin/current when that is a higher
// version than itself, with SUNBOARD_LAUNCHED=1 in the environment so the
// exec'd binary never execs again. A package upgrade to a version at least
// as high as bin/current wins: the link is dropped.
//
// The new agent reports healthy (Trial.Check) once its frame loop drew and a
// sync succeeded, which removes the marker. If that does not happen before
// the deadline, the running trial rolls back itself; if the binary crashes
// before it can, the launcher rolls back after MaxStarts starts. A rollback
// records why in failed.json (shown by Status), points current back at the
// previous binary (or removes it, back to the packaged one) and removes the
// marker, in that order, each step fsynced: a power cut at any instant
// leaves a runnable state that the next start completes.
//
// Files in the bin directory (StateDirectory/bin):
//
//	sunboard-<version>   staged binaries (current and the one before it)
//	current              symlink to the binary to run; absent: the packaged one
//	trial.json           the version on trial, its previous, deadline and starts
//	failed.json          versions that failed their trial here, and why
package selfupdate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/sunboard/sunboard/feed/release"
)

// Defaults for Opts.
const (
	DefaultWindow    = 15 * time.Minute
	DefaultMaxStarts = 3
	// DefaultRetryAfter is how long a version that failed its trial here is
	// left alone before it is tried again (network down during the trial
	// fails it too); after MaxTries failures it is never tried again.
	DefaultRetryAfter = 24 * time.Hour
	MaxTries          = 3
	sanityTimeout     = 10 * time.Second
)

// LaunchedEnv is set to "1" in the environment of a binary Launch exec'd.
const LaunchedEnv = "SUNBOARD_LAUNCHED"

// ErrRestart is returned by the agent's Run after switching to a new
// binary: the process should exit so systemd starts the new one.
var ErrRestart = errors.New("switched to a new agent binary: restart")

// Opts configures the self-update machinery.
type Opts struct {
	Dir     string // bin directory, e.g. /var/lib/sunboard/bin
	Version string // the running binary's version
	Arch    string // "" → Arch()
	// Now is the agent's clock; nil → time.Now.
	Now func() time.Time
	// Window is how long a new version has to report healthy (0 → DefaultWindow).
	Window time.Duration
	// MaxStarts is how many starts a trial gets before it is rolled back
	// (0 → DefaultMaxStarts).
	MaxStarts  int
	RetryAfter time.Duration // 0 → DefaultRetryAfter
	Logf       func(format string, args ...any)

	// step, if set, is called before each persistent step; an error stops
	// there as a power cut would (tests).
	step func(name string) error
	// elapsed is how long this process has been on trial (nil: the
	// monotonic clock since OpenTrial; tests inject it).
	elapsed func() time.Duration
}

func (o *Opts) fill() {
	if o.Arch == "" {
		o.Arch = Arch()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.MaxStarts <= 0 {
		o.MaxStarts = DefaultMaxStarts
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = DefaultRetryAfter
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
}

func (o *Opts) at(name string) error {
	if o.step != nil {
		return o.step(name)
	}
	return nil
}

// Arch names the running binary's release architecture: linux-arm64,
// linux-armv7, linux-armv6 (GOARM from the embedded build info),
// linux-amd64, ...; a -tags ws281x build adds "-ws281x", which no release
// is for.
func Arch() string {
	a := runtime.GOARCH
	if a == "arm" {
		goarm := ""
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "GOARM" {
					goarm, _, _ = strings.Cut(s.Value, ",")
				}
			}
		}
		if goarm == "" {
			return runtime.GOOS + "-arm" + flavour // unknown: matches no release
		}
		a = "armv" + goarm
	}
	return runtime.GOOS + "-" + a + flavour
}

// marker is trial.json.
type marker struct {
	Version  string    `json:"version"`
	Previous string    `json:"previous"` // "" is the packaged binary
	SHA256   string    `json:"sha256"`
	Staged   time.Time `json:"staged"`
	Deadline time.Time `json:"deadline"`
	Starts   int       `json:"starts"`
	Revoked  []string  `json:"revoked,omitempty"`
}

// failure is one entry of failed.json.
type failure struct {
	Version string    `json:"version"`
	SHA256  string    `json:"sha256,omitempty"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
	Tries   int       `json:"tries"`
	Trial   time.Time `json:"trial"` // the trial's Staged time, so a repeated rollback counts once
	// Back is what the board went back to ("" the packaged binary).
	Back string `json:"back"`
}

const (
	currentLink = "current"
	trialFile   = "trial.json"
	failedFile  = "failed.json"
	binPrefix   = "sunboard-"
	tmpPrefix   = ".tmp-"
)

func binName(version string) string { return binPrefix + version }

// readCurrent returns the version bin/current points at, "" if there is
// no usable link.
func readCurrent(dir string) string {
	t, err := os.Readlink(filepath.Join(dir, currentLink))
	if err != nil {
		return ""
	}
	v, ok := strings.CutPrefix(t, binPrefix)
	if !ok || strings.Contains(t, "/") || !release.ValidVersion(v) {
		return ""
	}
	return v
}

func readJSON(p string, v any) (bool, error) {
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("%s: %w", p, err)
	}
	return true, nil
}

func readMarker(dir string) (*marker, error) {
	var m marker
	ok, err := readJSON(filepath.Join(dir, trialFile), &m)
	if err != nil || !ok {
		return nil, err
	}
	return &m, nil
}

func readFailures(dir string) []failure {
	var fs []failure
	_, _ = readJSON(filepath.Join(dir, failedFile), &fs)
	return fs
}

// writeFile writes data to dir/name atomically and durably: temp file,
// fsync, rename, fsync dir.
func writeFile(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, tmpPrefix+name+"-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", filepath.Join(dir, name), err)
	}
	return syncDir(dir)
}

func writeJSON(dir, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(dir, name, b)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}

func removeDurably(dir, name string) error {
	if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return syncDir(dir)
}

// switchTo points bin/current at sunboard-<version> (version "" removes the
// link: the packaged binary runs). A temporary symlink renamed over the old
// one: at every instant current is the old link or the new one.
func switchTo(dir, version string) error {
	if version == "" {
		return removeDurably(dir, currentLink)
	}
	tmp := filepath.Join(dir, tmpPrefix+currentLink)
	os.Remove(tmp)
	if err := os.Symlink(binName(version), tmp); err != nil {
		return fmt.Errorf("switch to %s: %w", version, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, currentLink)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("switch to %s: %w", version, err)
	}
	return syncDir(dir)
}

// cleanTemps removes what an interrupted step left: temp files, the
// temporary symlink, downloads not yet staged. Partial downloads (.part)
// stay for the next attempt to resume, unless all.
func cleanTemps(dir string, all bool) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, tmpPrefix) && (all || !strings.Contains(n, ".part")) {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o100 != 0
}
