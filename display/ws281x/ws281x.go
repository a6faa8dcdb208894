// Package ws281x drives WS2811/WS2812 LED matrices through the PWM/DMA
// library libws2811 (jgarff/rpi_ws281x) as a periph display.Drawer.
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

	"periph.io/x/conn/v3/display"

	"github.com/sunboard/sunboard/display/internal/frame"
	"github.com/sunboard/sunboard/display/internal/led"
)

// Strip is what Dev needs from libws2811; *ws2811.WS2811 implements it.
type Strip interface {
	// Leds returns channel ch's LED buffer, one 0x00BBBBBB word per LED whose
	// bytes are sent to the wire high byte first.
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
}

// PowerStats says how often the power budget dimmed frames: Limited of
// Frames were dimmed, the last by LastScale (1 when it was not), and the
// estimated currents before dimming.
type PowerStats = led.Stats

// Dev is a WS281x matrix on channel 0 of a Strip.
type Dev struct {
	s Strip
	p *led.Pipeline

	mu   sync.Mutex
	img  *image.RGBA // the upright picture, kept for partial draws
	wire []byte
}

var _ display.Drawer = (*Dev)(nil)

// New drives s, whose channel 0 must hold at least Width×Height LEDs.
func New(s Strip, opts *Opts) (*Dev, error) {
	if s == nil || opts == nil {
		return nil, errors.New("ws281x: nil Strip or Opts")
	}
	p, err := led.New(&led.Opts{Width: opts.Width, Height: opts.Height, Map: opts.Map, Order: opts.Order, Brightness: opts.Brightness, MaxMilliamps: opts.MaxMilliamps,
		SupplyAmps: opts.SupplyAmps, MilliampsPerLED: opts.MilliampsPerLED, IdleMilliampsPerLED: opts.IdleMilliampsPerLED})
	if err != nil {
		return nil, fmt.Errorf("ws281x: %w", err)
	}
	if n := len(s.Leds(0)); n < p.Len() {
		return nil, fmt.Errorf("ws281x: strip has %d LEDs, a %dx%d matrix needs %d", n, opts.Width, opts.Height, p.Len())
	}
	return &Dev{
		s:    s,
		p:    p,
		img:  image.NewRGBA(image.Rect(0, 0, opts.Width, opts.Height)),
		wire: make([]byte, 3*p.Len()),
	}, nil
}

func (d *Dev) String() string {
	return fmt.Sprintf("ws281x{%dx%d}", d.img.Rect.Dx(), d.img.Rect.Dy())
}

// ColorModel implements display.Drawer.
func (d *Dev) ColorModel() color.Model { return color.RGBAModel }

// Bounds implements display.Drawer.
func (d *Dev) Bounds() image.Rectangle { return d.img.Rect }

// Draw updates the picture and sends the whole frame: the strip is one serial
// chain, so a partial update costs as much as a full one.
func (d *Dev) Draw(r image.Rectangle, src image.Image, sp image.Point) error {
	if src == nil {
		return errors.New("ws281x: nil source image")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	frame.Draw(d.img, r, src, sp)
	return d.send()
}

// SetBrightness changes brightness (1..255, 0 means full) and resends the
// current picture.
func (d *Dev) SetBrightness(b uint8) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.p.SetBrightness(b)
	return d.send()
}

// send converts the picture and renders it; d.mu must be held.
func (d *Dev) send() error {
	d.p.Wire(d.wire, d.img)
	leds := d.s.Leds(0)
	for i := range len(d.wire) / 3 {
		w := d.wire[3*i : 3*i+3 : 3*i+3]
		leds[i] = uint32(w[0])<<16 | uint32(w[1])<<8 | uint32(w[2])
	}
	if err := d.s.Render(); err != nil {
		return fmt.Errorf("ws281x: render: %w", err)
	}
	return nil
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

// Halt turns every LED off; the picture is kept for the next Draw.
func (d *Dev) Halt() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	clear(d.s.Leds(0))
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
	err := d.Halt()
	d.s.Fini()
	return err
}
