package selfupdate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Trial is a running binary's trial: the marker says this version was just
// switched to and has not yet reported healthy.
type Trial struct {
	o Opts
	m *marker
}

// OpenTrial returns the running binary's trial, or nil when it is not on
// trial (no marker, or the marker is for another version).
func OpenTrial(o Opts) *Trial {
	o.fill()
	m, err := readMarker(o.Dir)
	if err != nil || m == nil || m.Version != o.Version || readCurrent(o.Dir) != o.Version {
		return nil
	}
	if o.elapsed == nil {
		start := time.Now()
		o.elapsed = func() time.Duration { return time.Since(start) }
	}
	return &Trial{o: o, m: m}
}

// String describes the trial for logs.
func (t *Trial) String() string {
	return fmt.Sprintf("sunboard %s on trial until %s (start %d of %d)", t.m.Version, t.m.Deadline.Format("2006-01-02 15:04:05Z07:00"), t.m.Starts, t.o.MaxStarts)
}

// Check is called periodically with whether the agent is healthy (its frame
// loop drew and a sync succeeded since it started). Healthy, the trial
// passes: the marker is removed and older staged binaries deleted (done).
// Not healthy past the deadline, and after running for the trial window
// itself (monotonic: a clock that jumps at the first NTP sync after boot
// does not end a trial early), it rolls back and restart says the process
// must exit so the previous binary starts. Otherwise nothing happens yet.
func (t *Trial) Check(healthy bool) (done, restart bool, err error) {
	o := &t.o
	if healthy {
		if err := o.at("pass"); err != nil {
			return false, false, err
		}
		if err := removeDurably(o.Dir, trialFile); err != nil {
			return false, false, fmt.Errorf("self-update: pass trial: %w", err)
		}
		o.Logf("self-update: sunboard %s reported healthy: trial passed", t.m.Version)
		t.prune()
		return true, false, nil
	}
	if !o.Now().After(t.m.Deadline) || o.elapsed() < o.Window {
		return false, false, nil
	}
	if _, err := rollback(o, t.m, fmt.Sprintf("not healthy within %s (frame loop and one successful sync)", t.m.Deadline.Sub(t.m.Staged).Round(1e9))); err != nil {
		return false, false, fmt.Errorf("self-update: roll back %s: %w", t.m.Version, err)
	}
	return true, true, nil
}

// prune deletes staged binaries other than the running one and the one
// it replaced.
func (t *Trial) prune() {
	ents, _ := os.ReadDir(t.o.Dir)
	for _, e := range ents {
		v, ok := strings.CutPrefix(e.Name(), binPrefix)
		if !ok || v == t.m.Version || v == t.m.Previous {
			continue
		}
		os.Remove(filepath.Join(t.o.Dir, e.Name()))
	}
}
