package clock

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fake is a settable system clock, monotonic clock and timesyncd flag.
type fake struct {
	mu     sync.Mutex
	wall   time.Time
	mono   time.Duration
	synced string // path of the flag file
}

func newFake(t *testing.T, wall time.Time) *fake {
	return &fake{wall: wall, synced: filepath.Join(t.TempDir(), "synchronized")}
}

func (f *fake) opts() *Opts {
	return &Opts{
		SyncedPath: f.synced,
		Wall:       func() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.wall },
		Monotonic:  func() time.Duration { f.mu.Lock(); defer f.mu.Unlock(); return f.mono },
	}
}

// advance moves both clocks (a running board).
func (f *fake) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.wall = f.wall.Add(d)
	f.mono += d
}

func (f *fake) setWall(t time.Time) { f.mu.Lock(); defer f.mu.Unlock(); f.wall = t }

func (f *fake) setSynced(t *testing.T, on bool) {
	if on {
		if err := os.WriteFile(f.synced, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	} else {
		os.Remove(f.synced)
	}
}

var (
	epoch     = time.Unix(0, 0).UTC()                         // Pi booted without network
	persisted = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)   // last persisted time
	trueNow   = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)  // the true time at boot
	signedT   = time.Date(2026, 3, 2, 9, 29, 58, 0, time.UTC) // a signed county time
	future    = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)   // a wildly wrong clock
	build     = time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)  // release date of the binary
	statePerm = os.FileMode(0o644)
)

func writeState(t *testing.T, dir string, tm time.Time) string {
	t.Helper()
	p := filepath.Join(dir, "clock")
	if err := os.WriteFile(p, formatState(tm, SourceNTP), statePerm); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNow(t *testing.T) {
	type step struct {
		advance  time.Duration
		observe  time.Time
		obsSrc   Source
		want     time.Time
		wantSrc  Source
		setWall  time.Time
		noSynced bool
	}
	tests := []struct {
		name    string
		state   time.Time // zero: no state file
		wall    time.Time
		synced  bool
		floor   time.Time
		steps   []step
		wantErr bool
	}{
		{
			name: "booted in 1970 without network: persisted floor advancing monotonically", state: persisted, wall: epoch,
			steps: []step{
				{want: persisted, wantSrc: SourcePersisted},
				{advance: 90 * time.Second, want: persisted.Add(90 * time.Second), wantSrc: SourcePersisted},
				{advance: time.Hour, want: persisted.Add(time.Hour + 90*time.Second), wantSrc: SourcePersisted},
			},
		},
		{
			name: "ntp synchronised", state: persisted, wall: trueNow, synced: true,
			steps: []step{
				{want: trueNow, wantSrc: SourceNTP},
				{advance: time.Minute, want: trueNow.Add(time.Minute), wantSrc: SourceNTP},
			},
		},
		{
			name: "system clock ahead of floor but not synchronised", state: persisted, wall: trueNow,
			steps: []step{{want: trueNow, wantSrc: SourceSystem}},
		},
		{
			name: "synchronised flag but clock behind floor: floor wins", state: persisted, wall: epoch, synced: true,
			steps: []step{{want: persisted, wantSrc: SourcePersisted}},
		},
		{
			name: "signed observation raises the floor", state: persisted, wall: epoch,
			steps: []step{
				{observe: signedT, obsSrc: SourceSigned, want: signedT, wantSrc: SourceSigned},
				{advance: 10 * time.Second, want: signedT.Add(10 * time.Second), wantSrc: SourceSigned},
				// an older observation does not lower it
				{observe: persisted, obsSrc: SourceHTTP, want: signedT.Add(10 * time.Second), wantSrc: SourceSigned},
				// NTP arrives: system clock set to the trueNow time, synchronised
				{setWall: trueNow.Add(10 * time.Second), want: trueNow.Add(10 * time.Second), wantSrc: SourceNTP},
			},
		},
		{
			name: "observation on first boot without state", wall: epoch,
			steps: []step{
				{want: epoch, wantSrc: SourceSystem},
				{observe: signedT, obsSrc: SourceHTTP, want: signedT, wantSrc: SourceHTTP},
			},
		},
		{
			name: "ntp time ratchets: a later jump back of the system clock is ignored", wall: trueNow, synced: true,
			steps: []step{
				{want: trueNow, wantSrc: SourceNTP},
				{advance: time.Minute, setWall: epoch, noSynced: true, want: trueNow.Add(time.Minute), wantSrc: SourceNTP},
			},
		},
		{
			name: "no state file, build floor", wall: epoch, floor: build,
			steps: []step{{advance: time.Second, want: build.Add(time.Second), wantSrc: SourceBuild}},
		},
		{
			name: "state newer than build floor", state: persisted, wall: epoch, floor: build,
			steps: []step{{want: persisted, wantSrc: SourcePersisted}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "clock")
			if !tc.state.IsZero() {
				p = writeState(t, dir, tc.state)
			}
			f := newFake(t, tc.wall)
			f.setSynced(t, tc.synced)
			o := f.opts()
			o.Floor = tc.floor
			c, err := Open(p, o)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.LoadError(); err != nil {
				t.Fatal(err)
			}
			for i, s := range tc.steps {
				f.advance(s.advance)
				if !s.setWall.IsZero() {
					f.setWall(s.setWall)
					f.setSynced(t, !s.noSynced)
				}
				if !s.observe.IsZero() {
					c.Observe(s.observe, s.obsSrc)
				}
				got, src := c.Now()
				if !got.Equal(s.want) || src != s.wantSrc {
					t.Errorf("step %d: Now() = %v %q, want %v %q", i, got, src, s.want, s.wantSrc)
				}
			}
		})
	}
}

func TestPersistRoundTripAndNeverBackwards(t *testing.T) {
	dir := t.TempDir()
	p := writeState(t, dir, persisted)
	f := newFake(t, epoch)
	c, err := Open(p, f.opts())
	if err != nil {
		t.Fatal(err)
	}
	f.advance(2 * time.Hour)
	if err := c.Persist(); err != nil {
		t.Fatal(err)
	}
	// Reboot, still no network: starts at the persisted time + 2 h.
	f2 := newFake(t, epoch)
	c2, err := Open(p, f2.opts())
	if err != nil {
		t.Fatal(err)
	}
	if got, src := c2.Now(); !got.Equal(persisted.Add(2*time.Hour)) || src != SourcePersisted {
		t.Fatalf("after reboot Now() = %v %q", got, src)
	}
	// No temp files left behind.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("dir has %d entries, want 1: %v", len(ents), ents)
	}
}

func TestPersistIgnoresUnsyncedFutureClock(t *testing.T) {
	dir := t.TempDir()
	p := writeState(t, dir, persisted)
	f := newFake(t, future)
	c, err := Open(p, f.opts())
	if err != nil {
		t.Fatal(err)
	}
	if got, src := c.Now(); !got.Equal(future) || src != SourceSystem {
		t.Fatalf("Now() = %v %q", got, src)
	}
	f.advance(time.Minute)
	if err := c.Persist(); err != nil {
		t.Fatal(err)
	}
	tm, err := readState(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := persisted.Add(time.Minute); !tm.Equal(want) {
		t.Fatalf("persisted %v, want %v (the floor, not the unsynchronised clock)", tm, want)
	}
	// Synchronised: now it is persisted.
	f.setSynced(t, true)
	if err := c.Persist(); err != nil {
		t.Fatal(err)
	}
	if tm, _ := readState(p); !tm.Equal(future.Add(time.Minute)) {
		t.Fatalf("persisted %v, want the ntp time", tm)
	}
}

func TestPersistNothingKnown(t *testing.T) {
	p := filepath.Join(t.TempDir(), "clock")
	f := newFake(t, epoch)
	c, err := Open(p, f.opts())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Persist(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("state written with nothing known: %v", err)
	}
}

func TestTornStateFile(t *testing.T) {
	good := formatState(persisted, SourceNTP)
	cases := map[string][]byte{
		"empty":        {},
		"truncated":    good[:len(good)/2],
		"no newline":   good[:len(good)-1],
		"zeros":        make([]byte, len(good)),
		"bit flip":     flip(good, 20),
		"bad checksum": append(append([]byte{}, good[:len(good)-9]...), "deadbeef\n"...),
		"garbage":      []byte("\x00\xff hello"),
		"huge":         bytes.Repeat([]byte("9"), 10000),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "clock")
			if err := os.WriteFile(p, data, statePerm); err != nil {
				t.Fatal(err)
			}
			f := newFake(t, epoch)
			o := f.opts()
			o.Floor = build
			c, err := Open(p, o)
			if err != nil {
				t.Fatalf("Open must not fail on a torn file: %v", err)
			}
			if c.LoadError() == nil {
				t.Fatal("LoadError() = nil for a torn file")
			}
			if got, src := c.Now(); !got.Equal(build) || src != SourceBuild {
				t.Fatalf("Now() = %v %q, want the build floor", got, src)
			}
			// The next Persist repairs the file.
			c.Observe(signedT, SourceSigned)
			if err := c.Persist(); err != nil {
				t.Fatal(err)
			}
			if tm, err := readState(p); err != nil || !tm.Equal(signedT) {
				t.Fatalf("after repair: %v %v", tm, err)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte{}, b...)
	c[i] ^= 1
	return c
}

func TestFormatParse(t *testing.T) {
	b := formatState(persisted, SourceSigned)
	if !strings.HasPrefix(string(b), "sunboard-clock 1 ") {
		t.Fatalf("format: %q", b)
	}
	tm, src, err := parseState(b)
	if err != nil || !tm.Equal(persisted) || src != SourceSigned {
		t.Fatalf("parse(%q) = %v %q %v", b, tm, src, err)
	}
	if _, src, _ := parseState(formatState(persisted, "bad label\n")); src != "bad_label_" {
		t.Fatalf("label not sanitised: %q", src)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open("", nil); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
	// An unreadable state (a directory) is a load error, not an Open error.
	c, err := Open(t.TempDir(), nil)
	if err != nil || c.LoadError() == nil {
		t.Fatalf("Open(dir) = %v, LoadError %v", err, c.LoadError())
	}
	// Persist into a missing directory fails cleanly.
	c, err = Open(filepath.Join(t.TempDir(), "missing", "clock"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Observe(signedT, SourceSigned)
	if err := c.Persist(); err == nil {
		t.Fatal("Persist into a missing directory succeeded")
	}
}

// TestRealClock runs with the production monotonic and wall clocks.
func TestRealClock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "clock")
	c, err := Open(p, &Opts{SyncedPath: filepath.Join(t.TempDir(), "nope")})
	if err != nil {
		t.Fatal(err)
	}
	c.Observe(future, SourceSigned)
	a, src := c.Now()
	time.Sleep(5 * time.Millisecond)
	b, _ := c.Now()
	if src != SourceSigned || !b.After(a) || b.Sub(future) > time.Minute {
		t.Fatalf("Now() = %v %q then %v", a, src, b)
	}
}

func TestConcurrent(t *testing.T) {
	p := filepath.Join(t.TempDir(), "clock")
	c, err := Open(p, &Opts{SyncedPath: filepath.Join(t.TempDir(), "nope"), Floor: build})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				c.Observe(signedT.Add(time.Duration(i*50+j)*time.Second), SourceSigned)
				c.Now()
				if j%10 == 0 {
					if err := c.Persist(); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
}

func FuzzParseState(f *testing.F) {
	f.Add(formatState(persisted, SourceNTP))
	f.Add(formatState(time.Unix(0, 1), "x"))
	f.Add([]byte("sunboard-clock 1 123 ntp 00000000\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		tm, src, err := parseState(b)
		if err != nil {
			return
		}
		// Anything accepted round-trips exactly.
		again := formatState(tm, src)
		if !bytes.Equal(again, b) {
			t.Fatalf("accepted %q but formats as %q", b, again)
		}
		if tm.UnixNano() <= 0 {
			t.Fatalf("accepted non-positive time %v", tm)
		}
	})
}
