package selfupdate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"github.com/sunboard/sunboard/feed/release"
)

// Decide is the launcher's bookkeeping, run by the packaged binary before
// anything else in `sunboard run`: it finishes or rolls back a trial and
// returns the binary to exec, or "" to go on in this process. It never
// returns an error that should stop the agent: problems are logged and the
// packaged binary runs.
func Decide(o Opts) string {
	o.fill()
	if os.Getenv(LaunchedEnv) == "1" || !release.ValidVersion(o.Version) {
		return "" // exec'd by a launcher already, or a dev build
	}
	if _, err := os.Stat(o.Dir); err != nil {
		return ""
	}
	cleanTemps(o.Dir, false)
	cur := readCurrent(o.Dir)
	m, err := readMarker(o.Dir)
	if err != nil {
		o.Logf("self-update: %v: removed", err)
		_ = removeDurably(o.Dir, trialFile)
	}
	if m != nil {
		if m.Version != cur {
			// The switch never happened (power cut before it) or a rollback
			// got as far as switching back: the marker is stale.
			if err := removeDurably(o.Dir, trialFile); err != nil {
				o.Logf("self-update: %v", err)
			}
		} else {
			m.Starts++
			if err := o.at("count"); err != nil {
				return ""
			}
			if err := writeJSON(o.Dir, trialFile, m); err != nil {
				o.Logf("self-update: count start: %v", err)
			}
			reason := ""
			switch {
			case m.Starts > o.MaxStarts:
				reason = fmt.Sprintf("started %d times without reporting healthy", m.Starts-1)
			case o.Now().After(m.Deadline):
				reason = fmt.Sprintf("not healthy by its deadline %s", m.Deadline.Format("2006-01-02 15:04:05Z07:00"))
			}
			if reason != "" {
				back, err := rollback(&o, m, reason)
				if err != nil {
					o.Logf("self-update: roll back %s: %v", m.Version, err)
					return ""
				}
				cur = back
			}
		}
	}
	if cur == "" {
		return ""
	}
	if release.Compare(cur, o.Version) <= 0 {
		// The package was upgraded to this version or beyond: it wins.
		o.Logf("self-update: packaged sunboard %s is not older than staged %s: running the packaged one", o.Version, cur)
		if err := switchTo(o.Dir, ""); err != nil {
			o.Logf("self-update: %v", err)
		}
		return ""
	}
	bin := filepath.Join(o.Dir, binName(cur))
	if !isExecutable(bin) {
		o.Logf("self-update: %s is missing or not executable: running the packaged sunboard %s", bin, o.Version)
		if err := switchTo(o.Dir, ""); err != nil {
			o.Logf("self-update: %v", err)
		}
		return ""
	}
	return bin
}

// rollback ends a failed trial: failed.json first, then current back to the
// previous binary (the packaged one if the previous is gone or revoked),
// then the marker removed. Each step is durable and repeating the whole is
// harmless, so a power cut in between is finished by the next start.
func rollback(o *Opts, m *marker, reason string) (back string, err error) {
	back = m.Previous
	if back != "" && (slices.Contains(m.Revoked, back) || !isExecutable(filepath.Join(o.Dir, binName(back)))) {
		back = ""
	}
	o.Logf("self-update: rolling back sunboard %s to %s: %s", m.Version, orPackaged(back), reason)
	if err := o.at("failed"); err != nil {
		return "", err
	}
	if err := recordFailure(o.Dir, m, reason, back, o.Now()); err != nil {
		return "", err
	}
	if err := o.at("switch-back"); err != nil {
		return "", err
	}
	if err := switchTo(o.Dir, back); err != nil {
		return "", err
	}
	if err := o.at("unmark"); err != nil {
		return "", err
	}
	if err := removeDurably(o.Dir, trialFile); err != nil {
		return "", err
	}
	return back, nil
}

// Launch runs Decide and, if a staged binary should run, execs it in place
// of this process (same PID: systemd's main process and watchdog carry
// over) with LaunchedEnv=1 so it does not launch again. It returns only if
// this process should go on.
func Launch(o Opts) {
	bin := Decide(o)
	if bin == "" {
		return
	}
	env := append(os.Environ(), LaunchedEnv+"=1")
	args := append([]string{bin}, os.Args[1:]...)
	err := syscall.Exec(bin, args, env)
	// Only reached if exec failed: run the packaged binary instead.
	o.fill()
	o.Logf("self-update: exec %s: %v: running the packaged sunboard %s", bin, err, o.Version)
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
