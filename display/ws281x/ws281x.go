// Package ws281x drives WS2811/WS2812 LED matrices through the PWM/DMA
// library libws2811 (jgarff/rpi_ws281x) as a periph display.Drawer.
//
// A frame takes 30 µs per LED plus a 280 µs latch on the wire (31 ms for a
// 32×32 board, 123 ms for 64×64): Dev never renders faster than that. A Draw
// that comes while the wire is busy only updates the picture, and the newest
// picture goes out as soon as the wire is free; frames are merged, never
// queued. A board may be split over both PWM channels (Opts.LEDs), which
// are sent in parallel.
//
// Everything here except the binding is plain Go and tested with a fake
// Strip. The binding (Open) is only in builds with the tag ws281x, because
// github.com/rpi-ws281x/rpi-ws281x-go needs cgo and the C library on ARM.
// To build it on a Raspberry Pi (or in an arm sysroot):
//
//	git clone https://github.com/jgarff/rpi_ws281x && cd rpi_ws281x
//	mkdir build && cd build && cmake -D BUILD_SHARED=OFF -D BUILD_TEST=OFF .. && make
//	sudo make install   # headers to /usr/local/include/ws2811, libws2811.a to /usr/local/lib
//	CGO_ENABLED=1 go build -tags ws281x ./cmd/sunboard
//
// The agent must run as root (or with /dev/mem access) for DMA. The default
// ARM build leaves the tag off and drives WS2812 through SPI instead
// (package display/spi), which needs neither cgo nor root.
package ws281x

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"sync"
	"time"

	"periph.io/x/conn/v3/display"

	"github.com/sunboard/sunboard/display/internal/frame"
	"github.com/sunboard/sunboard/display/internal/led"
)

// Strip is what Dev needs from libws2811; *ws2811.WS2811 implements it.
// Render sends both PWM channels at once.
type Strip interface {
	// Leds returns channel ch's (0 or 1) LED buffer, one 0x00BBBBBB word per
	// LED whose bytes are sent to the wire high byte first.
	Leds(ch int) []uint32
	Render() error
	Wait() error
	Fini()
}

// Opts configures a matrix.
type Opts struct {
	Width, Height int
	// Map is a display/pixmap spec, e.g. "chain:2x1;serpentine".
	Map string
	// Order is the colour byte order on the wire; default "GRB" (WS2812B).
	Order string
	// Brightness 1..255 scales perceived brightness; 0 means full.
	Brightness uint8
	// MaxMilliamps dims frames whose estimated current (20 mA per channel at
	// full) exceeds it, so a white page cannot overload the power supply.
	MaxMilliamps int
	// SupplyAmps is the power supply's rating: frames are dimmed to fit it
	// (and MaxMilliamps, when both are set). Leave headroom for the supply's
	// derating in summer heat: a 10 A supply is better given as 8.
	SupplyAmps float64
	// MilliampsPerLED is one LED's current at full white, 0 means 60 mA
	// (WS2812B: 20 mA per colour); IdleMilliampsPerLED is what each LED draws
	// when dark (≈1 mA for WS2812B), taken off the budget first.
	MilliampsPerLED, IdleMilliampsPerLED float64
	// LEDs splits the chain over the two PWM channels: the first LEDs[0]
	// LEDs in strip order are on channel 0, the next LEDs[1] on channel 1;
	// they must add up to Width×Height. The zero value puts all on channel
	// 0. The channels are sent in parallel, so a board split in halves
	// refreshes twice as fast.
	LEDs [2]int
	// Pin1 is channel 1's GPIO for Open (PWM1: 13 or 19); 0 means 13.
	Pin1 int
	// Clock paces frames; nil means the system clock.
	Clock Clock
}

// Clock is the time source of frame pacing.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine after d; stop cancels it.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }
func (systemClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// Wire timing of WS2812 at 800 kbit/s: 24 bits of 1.25 µs per LED, then the
// line held low for the latch (≥ 280 µs on WS2812B V5 and WS2813).
const (
	TimePerLED = 30 * time.Microsecond
	ResetTime  = 280 * time.Microsecond
)

// FrameTime is how long a chain of n LEDs takes to receive one frame.
func FrameTime(n int) time.Duration { return time.Duration(n)*TimePerLED + ResetTime }

// FrameStats counts frames: Requested by Draw and SetBrightness, Rendered
// onto the wire. Requests that come faster than the wire takes are merged:
// the picture is updated and the latest one goes out when the wire is free.
type FrameStats struct {
	Requested, Rendered uint64
}

// PowerStats says how often the power budget dimmed frames: Limited of
// Frames were dimmed, the last by LastScale (1 when it was not), and the
// estimated currents before dimming.
type PowerStats = led.Stats

// Dev is a WS281x matrix on one or both channels of a Strip. It never sends
// frames faster than the wire carries them (FramePeriod); it does not queue.
type Dev struct {
	s      Strip
	p      *led.Pipeline
	n0     int // LEDs on channel 0; the rest are on channel 1
	clock  Clock
	period time.Duration

	mu      sync.Mutex
	img     *image.RGBA // the upright picture, kept for partial draws
	wire    []byte
	last    time.Time   // when the last frame started on the wire
	sent    bool        // a frame has been rendered since New or Halt
	stop    func() bool // cancels the scheduled flush, nil if none
	pending bool        // the picture changed since the last render
	err     error       // from a scheduled flush, returned by the next call
	closed  bool
	blank   bool // Blank(true): the LEDs stay dark whatever is drawn
	stats   FrameStats
}

var _ display.Drawer = (*Dev)(nil)

// New drives s, whose channels must hold at least opts.LEDs LEDs (all
// Width×Height on channel 0 by default).
func New(s Strip, opts *Opts) (*Dev, error) {
	if s == nil || opts == nil {
		return nil, errors.New("ws281x: nil Strip or Opts")
	}
	p, err := led.New(&led.Opts{Width: opts.Width, Height: opts.Height, Map: opts.Map, Order: opts.Order, Brightness: opts.Brightness, MaxMilliamps: opts.MaxMilliamps,
		SupplyAmps: opts.SupplyAmps, MilliampsPerLED: opts.MilliampsPerLED, IdleMilliampsPerLED: opts.IdleMilliampsPerLED})
	if err != nil {
		return nil, fmt.Errorf("ws281x: %w", err)
	}
	n := opts.LEDs
	if n == [2]int{} {
		n[0] = p.Len()
	}
	if n[0] < 0 || n[1] < 0 || n[0]+n[1] != p.Len() {
		return nil, fmt.Errorf("ws281x: channels of %d+%d LEDs for a %dx%d matrix of %d", n[0], n[1], opts.Width, opts.Height, p.Len())
	}
	for ch, want := range n {
		if have := len(s.Leds(ch)); have < want {
			return nil, fmt.Errorf("ws281x: channel %d has %d LEDs, a %dx%d matrix needs %d there", ch, have, opts.Width, opts.Height, want)
		}
	}
	clock := opts.Clock
	if clock == nil {
		clock = systemClock{}
	}
	return &Dev{
		s:      s,
		p:      p,
		n0:     n[0],
		clock:  clock,
		period: FrameTime(max(n[0], n[1])),
		img:    image.NewRGBA(image.Rect(0, 0, opts.Width, opts.Height)),
		wire:   make([]byte, 3*p.Len()),
	}, nil
}

// FramePeriod is the shortest time between two frames: the wire time of
// the longer channel.
func (d *Dev) FramePeriod() time.Duration { return d.period }

// FrameStats returns the frame counters.
func (d *Dev) FrameStats() FrameStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}

func (d *Dev) String() string {
	return fmt.Sprintf("ws281x{%dx%d}", d.img.Rect.Dx(), d.img.Rect.Dy())
}

// ColorModel implements display.Drawer.
func (d *Dev) ColorModel() color.Model { return color.RGBAModel }

// Bounds implements display.Drawer.
func (d *Dev) Bounds() image.Rectangle { return d.img.Rect }

// Draw updates the picture and sends the whole frame (the strip is one
// serial chain, so a partial update costs as much as a full one) if the wire
// is free; else the frame goes out as soon as it is, merged with any later
// Draw. Draw never blocks on the wire. An error of a deferred frame is
// returned by the next call.
func (d *Dev) Draw(r image.Rectangle, src image.Image, sp image.Point) error {
	if src == nil {
		return errors.New("ws281x: nil source image")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	frame.Draw(d.img, r, src, sp)
	return d.present()
}

// SetBrightness changes brightness (1..255, 0 means full) and resends the
// current picture.
func (d *Dev) SetBrightness(b uint8) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.p.SetBrightness(b)
	return d.present()
}

// present sends the picture now or schedules it; d.mu must be held.
func (d *Dev) present() error {
	if d.closed {
		return errors.New("ws281x: Dev is closed")
	}
	err := d.err
	d.err = nil
	if d.blank {
		return err // the picture is kept for Blank(false)
	}
	d.stats.Requested++
	if d.stop != nil {
		d.pending = true // the scheduled flush sends this picture
		return err
	}
	now := d.clock.Now()
	if wait := d.last.Add(d.period).Sub(now); d.sent && wait > 0 {
		d.pending = true
		d.stop = d.clock.AfterFunc(wait, d.flush)
		return err
	}
	return errors.Join(err, d.send(now))
}

// flush sends a picture that came while the wire was busy.
func (d *Dev) flush() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stop = nil
	if !d.pending || d.closed {
		return
	}
	if err := d.send(d.clock.Now()); err != nil {
		d.err = err
	}
}

// send converts the picture and renders it; d.mu must be held.
func (d *Dev) send(now time.Time) error {
	d.pending = false
	d.p.Wire(d.wire, d.img)
	toWords(d.s.Leds(0)[:d.n0], d.wire[:3*d.n0])
	toWords(d.s.Leds(1), d.wire[3*d.n0:])
	d.last, d.sent = now, true
	if err := d.s.Render(); err != nil {
		return fmt.Errorf("ws281x: render: %w", err)
	}
	d.stats.Rendered++
	return nil
}

// toWords packs 3-byte LEDs into libws2811's words.
func toWords(leds []uint32, wire []byte) {
	for i := range len(wire) / 3 {
		w := wire[3*i : 3*i+3 : 3*i+3]
		leds[i] = uint32(w[0])<<16 | uint32(w[1])<<8 | uint32(w[2])
	}
}

// PowerStats returns the power-budget counters.
func (d *Dev) PowerStats() PowerStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.p.Stats()
}

// Limited returns how many frames the power budget has dimmed and the
// factor the last frame was dimmed by (1 when it was not).
func (d *Dev) Limited() (frames uint64, lastScale float64) {
	st := d.PowerStats()
	return st.Limited, st.LastScale
}

// Halt turns every LED off at once, dropping a frame waiting for the wire;
// the picture is kept for the next Draw.
func (d *Dev) Halt() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.halt()
}

// Blank(true) turns the board off until Blank(false): Draw and
// SetBrightness still update the picture but nothing is sent, so the LEDs
// stay dark (quiet hours, brightness level 0). Blank(false) shows the
// current picture.
func (d *Dev) Blank(off bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if off == d.blank {
		return nil
	}
	d.blank = off
	if off {
		return d.halt()
	}
	return d.present()
}

func (d *Dev) halt() error {
	if d.stop != nil {
		d.stop()
		d.stop = nil
	}
	d.pending, d.err = false, nil
	clear(d.s.Leds(0))
	clear(d.s.Leds(1))
	d.last, d.sent = d.clock.Now(), true
	if err := d.s.Render(); err != nil {
		return fmt.Errorf("ws281x: render blank: %w", err)
	}
	if err := d.s.Wait(); err != nil {
		return fmt.Errorf("ws281x: wait: %w", err)
	}
	return nil
}

// Close turns the LEDs off and releases the strip (DMA channel, PWM).
func (d *Dev) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	err := d.halt()
	d.closed = true
	d.s.Fini()
	return err
}
