package ws281x

import (
	"errors"
	"image"
	"image/color"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/sunboard/sunboard/display/internal/led"
)

// fakeClock is a manual clock: timers fire only in Advance, synchronously.
type fakeClock struct {
	t0, now time.Time
	timers  []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	f       func()
	stopped bool
}

func newFakeClock() *fakeClock {
	t0 := time.Date(2026, 6, 21, 20, 0, 0, 0, time.UTC)
	return &fakeClock{t0: t0, now: t0}
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	t := &fakeTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return func() bool { was := !t.stopped; t.stopped = true; return was }
}

// Advance moves time on by d, firing due timers in order at their times.
func (c *fakeClock) Advance(d time.Duration) {
	end := c.now.Add(d)
	for {
		sort.SliceStable(c.timers, func(i, j int) bool { return c.timers[i].at.Before(c.timers[j].at) })
		if len(c.timers) == 0 || c.timers[0].at.After(end) {
			break
		}
		t := c.timers[0]
		c.timers = c.timers[1:]
		if t.stopped {
			continue
		}
		t.stopped = true
		c.now = t.at
		t.f()
	}
	c.now = end
}

func uniform(r, g, b byte) image.Image { return &image.Uniform{color.RGBA{r, g, b, 255}} }

func TestFrameTime(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{
		{0, 280 * time.Microsecond},
		{4, 400 * time.Microsecond},
		{32 * 32, 30_999*time.Microsecond + time.Microsecond},
		{64 * 64, 123_160 * time.Microsecond},
	} {
		if got := FrameTime(tc.n); got != tc.want {
			t.Errorf("FrameTime(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

func TestPacing(t *testing.T) {
	clk := newFakeClock()
	s := &fakeStrip{leds: make([]uint32, 100), clock: clk}
	d, err := New(s, &Opts{Width: 10, Height: 10, Order: "RGB", Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	const period = 100*30*time.Microsecond + 280*time.Microsecond // 3.28 ms
	if d.FramePeriod() != period {
		t.Fatalf("FramePeriod = %v, want %v", d.FramePeriod(), period)
	}
	// A scroller drawing every millisecond, three times faster than the wire.
	for i := range 10 {
		if err := d.Draw(d.Bounds(), uniform(byte(25*(i+1)), 0, 0), image.Point{}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Millisecond)
	}
	clk.Advance(time.Second) // let the last frame out
	// Renders at 0 (frame 1), then whenever the wire frees, the newest
	// picture: at 3.28 ms frame 4 (drawn at 3 ms), 6.56 ms frame 7, 9.84 ms
	// frame 10. Nothing is queued and the last picture is always shown.
	wantAt := []time.Duration{0, period, 2 * period, 3 * period}
	lut := led.Table(255)
	wantRed := []uint32{uint32(lut[25]), uint32(lut[100]), uint32(lut[175]), uint32(lut[250])}
	if !slices.Equal(s.at, wantAt) {
		t.Errorf("render times %v, want %v", s.at, wantAt)
	}
	var red []uint32
	for _, r := range s.renders {
		red = append(red, r[0]>>16)
	}
	if !slices.Equal(red, wantRed) {
		t.Errorf("rendered frames %v, want %v", red, wantRed)
	}
	for i := 1; i < len(s.at); i++ {
		if gap := s.at[i] - s.at[i-1]; gap < period {
			t.Errorf("frames %d and %d %v apart, less than the wire's %v", i-1, i, gap, period)
		}
	}
	if st := d.FrameStats(); st != (FrameStats{Requested: 10, Rendered: 4}) {
		t.Errorf("FrameStats = %+v, want 10 requested, 4 rendered", st)
	}
	// Slower than the wire: every frame goes out at once, no timer.
	for i := range 3 {
		clk.Advance(period)
		if err := d.Draw(d.Bounds(), uniform(0, byte(i+1), 0), image.Point{}); err != nil {
			t.Fatal(err)
		}
		if n := len(s.renders); n != 5+i {
			t.Fatalf("slow draw %d: %d renders, want %d", i, n, 5+i)
		}
	}
	if len(clk.timers) != 0 {
		t.Errorf("%d timers pending after slow draws", len(clk.timers))
	}
}

func TestPacingHaltDropsPending(t *testing.T) {
	clk := newFakeClock()
	s := &fakeStrip{leds: make([]uint32, 4), clock: clk}
	d, _ := New(s, &Opts{Width: 2, Height: 2, Clock: clk})
	_ = d.Draw(d.Bounds(), uniform(255, 255, 255), image.Point{})
	_ = d.Draw(d.Bounds(), uniform(255, 0, 0), image.Point{}) // deferred
	if err := d.Halt(); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if n := len(s.renders); n != 2 || !slices.Equal(s.renders[1], make([]uint32, 4)) {
		t.Errorf("renders %06x: want white, then dark, and the deferred frame dropped", s.renders)
	}
	// After Close a pending flush does nothing and Draw fails.
	_ = d.Draw(d.Bounds(), uniform(1, 2, 3), image.Point{}) // sent
	_ = d.Draw(d.Bounds(), uniform(3, 2, 1), image.Point{}) // deferred
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if n := len(s.renders); n != 4 || !s.fini || !slices.Equal(s.renders[3], make([]uint32, 4)) {
		t.Errorf("%d renders after Close, fini %v; want 4 ending dark, true", n, s.fini)
	}
	if err := d.Draw(d.Bounds(), uniform(1, 2, 3), image.Point{}); err == nil {
		t.Error("Draw after Close: nil error")
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestPacingDeferredError(t *testing.T) {
	clk := newFakeClock()
	s := &fakeStrip{leds: make([]uint32, 4), clock: clk}
	d, _ := New(s, &Opts{Width: 2, Height: 2, Clock: clk})
	_ = d.Draw(d.Bounds(), uniform(1, 1, 1), image.Point{})
	_ = d.Draw(d.Bounds(), uniform(2, 2, 2), image.Point{}) // deferred
	s.failNext = errors.New("dma timeout")
	clk.Advance(time.Second)
	if err := d.Draw(d.Bounds(), uniform(3, 3, 3), image.Point{}); err == nil {
		t.Error("Draw after a failed deferred render: nil error")
	}
	if err := d.Draw(d.Bounds(), uniform(3, 3, 3), image.Point{}); err != nil {
		t.Errorf("error reported twice: %v", err)
	}
}

func TestTwoChannels(t *testing.T) {
	clk := newFakeClock()
	// 4×2 board: 5 LEDs on channel 0, 3 on channel 1 (its buffer has a spare).
	s := &fakeStrip{leds: make([]uint32, 5), leds1: make([]uint32, 4), clock: clk}
	d, err := New(s, &Opts{Width: 4, Height: 2, Order: "RGB", LEDs: [2]int{5, 3}, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if want := FrameTime(5); d.FramePeriod() != want {
		t.Errorf("FramePeriod = %v, want the longer channel's %v", d.FramePeriod(), want)
	}
	src := image.NewRGBA(image.Rect(0, 0, 4, 2))
	// Only 0 and 255 pass the gamma table unchanged: LED i is red when i is
	// odd, else blue.
	for i := range 8 {
		v := byte(0)
		if i%2 == 1 {
			v = 255
		}
		src.SetRGBA(i%4, i/4, color.RGBA{v, 0, 255 - v, 255})
	}
	if err := d.Draw(d.Bounds(), src, image.Point{}); err != nil {
		t.Fatal(err)
	}
	r, b := uint32(0xff0000), uint32(0x0000ff)
	if got, want := s.renders[0], []uint32{b, r, b, r, b}; !slices.Equal(got, want) {
		t.Errorf("channel 0 = %06x, want %06x", got, want)
	}
	if got, want := s.renders1[0], []uint32{r, b, r, 0}; !slices.Equal(got, want) {
		t.Errorf("channel 1 = %06x, want %06x", got, want)
	}
	if err := d.Halt(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.renders1[1], make([]uint32, 4)) {
		t.Errorf("Halt left channel 1 at %06x", s.renders1[1])
	}
	for _, o := range []Opts{
		{Width: 4, Height: 2, LEDs: [2]int{4, 3}},  // 7 ≠ 8
		{Width: 4, Height: 2, LEDs: [2]int{3, 5}},  // channel 1 too short
		{Width: 4, Height: 2, LEDs: [2]int{-1, 9}}, // negative
		{Width: 4, Height: 2, LEDs: [2]int{6, 2}},  // channel 0 too short
	} {
		if _, err := New(s, &o); err == nil {
			t.Errorf("New(LEDs %v) = nil error", o.LEDs)
		}
	}
}

func TestWS281xPowerStats(t *testing.T) {
	s := &fakeStrip{leds: make([]uint32, 4)}
	clk := newFakeClock()
	d, _ := New(s, &Opts{Width: 2, Height: 2, Order: "RGB", MaxMilliamps: 60, Clock: clk})
	_ = d.Draw(d.Bounds(), img2x2(), image.Point{})
	if n, scale := d.Limited(); n != 1 || scale != 0.5 || s.renders[0][3] != 0x7f7f7f {
		t.Errorf("Limited() = %d, %g, white LED %06x; want 1, 0.5, 7f7f7f", n, scale, s.renders[0][3])
	}
	if st := d.PowerStats(); st.PeakMilliamps != 120 || st.BudgetMilliamps != 60 {
		t.Errorf("PowerStats = %+v", st)
	}
}

func TestBlank(t *testing.T) {
	clk := newFakeClock()
	s := &fakeStrip{leds: make([]uint32, 4), clock: clk}
	d, _ := New(s, &Opts{Width: 2, Height: 2, Order: "RGB", Clock: clk})
	_ = d.Draw(d.Bounds(), uniform(255, 0, 0), image.Point{})
	clk.Advance(time.Second)
	if err := d.Blank(true); err != nil {
		t.Fatal(err)
	}
	if err := d.Blank(true); err != nil { // no second blank frame
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	// Pages keep coming and brightness changes: nothing reaches the LEDs.
	_ = d.Draw(d.Bounds(), uniform(0, 0, 255), image.Point{})
	_ = d.SetBrightness(255)
	clk.Advance(time.Second)
	if n := len(s.renders); n != 2 || !slices.Equal(s.renders[1], make([]uint32, 4)) {
		t.Fatalf("renders while blank %06x, want red then one dark frame", s.renders)
	}
	if err := d.Blank(false); err != nil {
		t.Fatal(err)
	}
	if n := len(s.renders); n != 3 || s.renders[2][0] != 0x0000ff {
		t.Errorf("after Blank(false) renders %06x, want the latest picture (blue)", s.renders)
	}
}

// TestPacingSystemClock sends a deferred frame from the real timer goroutine.
func TestPacingSystemClock(t *testing.T) {
	s := &lockedStrip{fakeStrip: fakeStrip{leds: make([]uint32, 4)}}
	d, _ := New(s, &Opts{Width: 2, Height: 2, Order: "RGB"})
	_ = d.Draw(d.Bounds(), uniform(255, 0, 0), image.Point{})
	_ = d.Draw(d.Bounds(), uniform(0, 0, 255), image.Point{}) // within 400 µs: deferred
	deadline := time.Now().Add(5 * time.Second)
	for d.FrameStats().Rendered < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.renders); n != 2 || s.renders[1][0] != 0x0000ff {
		t.Errorf("renders %06x, want red then blue from the timer", s.renders)
	}
}

type lockedStrip struct {
	mu sync.Mutex
	fakeStrip
}

func (l *lockedStrip) Render() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fakeStrip.Render()
}
