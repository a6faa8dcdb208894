package selfupdate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sunboard/sunboard/feed/release"

	"github.com/sunboard/sunboard/feed"
)

// Fetcher is what Check needs of the feed: *feed.Feed.
type Fetcher interface {
	FetchCountyTarget(ctx context.Context, p string, want func(feed.CountyTarget) (string, error)) (feed.CountyTarget, error)
}

// Updater stages and switches new agent binaries.
type Updater struct {
	o             Opts
	warnedRevoked bool
}

// New returns an Updater for the running binary, creating the bin directory.
// A binary whose version is not MAJOR.MINOR.PATCH (a dev build) gets an
// error: it must not update itself.
func New(o Opts) (*Updater, error) {
	o.fill()
	if !release.ValidVersion(o.Version) {
		return nil, fmt.Errorf("self-update off: running version %q is not a release version like 1.2.3", o.Version)
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("self-update: %w", err)
	}
	return &Updater{o: o}, nil
}

// Check looks at the signed release for this board's architecture. If it
// is a higher version that may be installed, it is downloaded (verified
// through TUF), staged, sanity-run and switched to; switched reports that
// the process should now exit (ErrRestart) so the new binary starts.
func (u *Updater) Check(ctx context.Context, f Fetcher) (switched bool, err error) {
	o := &u.o
	cleanTemps(o.Dir, false)
	m, err := readMarker(o.Dir)
	if err != nil {
		return false, err
	}
	if m != nil && m.Version == o.Version {
		return false, nil // this binary is on trial: no update on top of it
	}
	p := release.Path(o.Arch)
	var rel release.Meta
	var have bool // already staged with the signed hash
	ct, err := f.FetchCountyTarget(ctx, p, func(ct feed.CountyTarget) (string, error) {
		if ct.Custom == nil {
			return "", fmt.Errorf("release %s: no signed version/arch metadata: ignored", p)
		}
		if err := json.Unmarshal(ct.Custom, &rel); err != nil {
			return "", fmt.Errorf("release %s: signed metadata: %w", p, err)
		}
		if rel.Arch != o.Arch {
			return "", fmt.Errorf("release %s is signed for arch %q, this board is %s: ignored", p, rel.Arch, o.Arch)
		}
		if !release.ValidVersion(rel.Version) {
			return "", fmt.Errorf("release %s: version %q: ignored", p, rel.Version)
		}
		if slices.Contains(rel.Revoked, o.Version) && !u.warnedRevoked {
			u.warnedRevoked = true
			o.Logf("self-update: the county revoked the running version %s; released is %s", o.Version, rel.Version)
		}
		if release.Compare(rel.Version, o.Version) <= 0 || slices.Contains(rel.Revoked, rel.Version) {
			return "", nil
		}
		if why := u.failedRecently(rel.Version, ct.SHA256); why != "" {
			return "", nil
		}
		if h, err := fileSHA256(filepath.Join(o.Dir, binName(rel.Version))); err == nil && h == ct.SHA256 {
			have = true
			return "", nil
		}
		if err := o.at("download"); err != nil {
			return "", err
		}
		return filepath.Join(o.Dir, tmpPrefix+"download-"+binName(rel.Version)), nil
	})
	if errors.Is(err, feed.ErrNoTarget) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("self-update: %w", err)
	}
	if rel.Version == "" || release.Compare(rel.Version, o.Version) <= 0 {
		return false, nil
	}
	bin := filepath.Join(o.Dir, binName(rel.Version))
	if !have {
		dl := filepath.Join(o.Dir, tmpPrefix+"download-"+binName(rel.Version))
		if _, err := os.Stat(dl); err != nil {
			return false, nil // skipped (failed before, revoked)
		}
		if err := os.Chmod(dl, 0o755); err != nil {
			return false, fmt.Errorf("self-update: %w", err)
		}
		if err := o.at("stage"); err != nil {
			return false, err
		}
		if err := os.Rename(dl, bin); err != nil {
			return false, fmt.Errorf("self-update: stage %s: %w", bin, err)
		}
		if err := syncDir(o.Dir); err != nil {
			return false, err
		}
		cleanTemps(o.Dir, true) // partial downloads of other versions
	} else if err := os.Chmod(bin, 0o755); err != nil {
		return false, fmt.Errorf("self-update: %w", err)
	}
	if err := u.sanity(ctx, bin, rel.Version); err != nil {
		u.recordFailure(&marker{Version: rel.Version, SHA256: ct.SHA256, Staged: o.Now()}, err.Error(), o.Version)
		os.Remove(bin)
		return false, fmt.Errorf("self-update: %w: not installed", err)
	}
	prev := ""
	if readCurrent(o.Dir) == o.Version {
		prev = o.Version // running a staged binary; else the packaged one
	}
	now := o.Now()
	nm := &marker{Version: rel.Version, Previous: prev, SHA256: ct.SHA256, Staged: now, Deadline: now.Add(o.Window), Revoked: rel.Revoked}
	if err := o.at("marker"); err != nil {
		return false, err
	}
	if err := writeJSON(o.Dir, trialFile, nm); err != nil {
		return false, fmt.Errorf("self-update: %w", err)
	}
	if err := o.at("switch"); err != nil {
		return false, err
	}
	if err := switchTo(o.Dir, rel.Version); err != nil {
		return false, fmt.Errorf("self-update: %w", err)
	}
	o.Logf("self-update: switched to sunboard %s (on trial until %s, previous %s)", rel.Version, nm.Deadline.Format(time.RFC3339), orPackaged(prev))
	return true, nil
}

// sanity runs `bin version`, which must print want within a few seconds.
func (u *Updater) sanity(ctx context.Context, bin, want string) error {
	ctx, cancel := context.WithTimeout(ctx, sanityTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "version")
	cmd.Env = append(os.Environ(), LaunchedEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("sanity run `%s version`: %w", filepath.Base(bin), err)
	}
	got, _, _ := strings.Cut(strings.TrimSpace(out.String()), " ")
	if got != want {
		return fmt.Errorf("sanity run `%s version` printed %q, want %q", filepath.Base(bin), strings.TrimSpace(out.String()), want)
	}
	return nil
}

// failedRecently says why version (with this hash) is not to be tried now.
func (u *Updater) failedRecently(version, sha string) string {
	for _, f := range readFailures(u.o.Dir) {
		if f.Version != version || (f.SHA256 != "" && f.SHA256 != sha) {
			continue
		}
		if f.Tries >= MaxTries {
			return fmt.Sprintf("failed %d times here (last: %s)", f.Tries, f.Reason)
		}
		if u.o.Now().Sub(f.At) < u.o.RetryAfter {
			return fmt.Sprintf("failed at %s: %s", f.At.Format(time.RFC3339), f.Reason)
		}
	}
	return ""
}

// recordFailure adds or updates version's entry in failed.json (durably).
func (u *Updater) recordFailure(m *marker, reason, back string) {
	if err := recordFailure(u.o.Dir, m, reason, back, u.o.Now()); err != nil {
		u.o.Logf("self-update: %v", err)
	}
}

func recordFailure(dir string, m *marker, reason, back string, now time.Time) error {
	fs := readFailures(dir)
	i := slices.IndexFunc(fs, func(f failure) bool { return f.Version == m.Version && f.SHA256 == m.SHA256 })
	if i < 0 {
		fs = append(fs, failure{Version: m.Version, SHA256: m.SHA256})
		i = len(fs) - 1
	}
	if !fs[i].Trial.Equal(m.Staged) || fs[i].Tries == 0 {
		fs[i].Tries++
	}
	fs[i].Trial, fs[i].Reason, fs[i].At, fs[i].Back = m.Staged, reason, now.UTC(), back
	if len(fs) > 10 {
		fs = fs[len(fs)-10:]
	}
	return writeJSON(dir, failedFile, fs)
}

// Status is one line for the status page and systemctl status: the running
// version, a trial in progress, the last failed update.
func Status(dir, running string) string {
	s := "sunboard " + running
	if m, _ := readMarker(dir); m != nil && m.Version == running {
		s += fmt.Sprintf(" (new, on trial until %s)", m.Deadline.Format(time.RFC3339))
	}
	fs := readFailures(dir)
	if len(fs) > 0 {
		f := fs[len(fs)-1]
		s += fmt.Sprintf("; update to %s failed at %s (%s), running %s", f.Version, f.At.Format(time.RFC3339), f.Reason, orPackaged(f.Back))
	}
	return s
}

func orPackaged(v string) string {
	if v == "" {
		return "the packaged binary"
	}
	return v
}
