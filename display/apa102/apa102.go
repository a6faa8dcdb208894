// Package apa102 drives APA102 (and SK9822) LED matrices from an SPI port
// with periph's devices/v3/apa102, in pure Go. Unlike WS2812 the APA102 has
// its own clock line, so the bus runs at megahertz rather than 800 kHz: at
// periph's 20 MHz one 64×64 board (4,096 LEDs, 32 bits each) takes under
// 7 ms a frame, fast enough to scroll. Wire MOSI to DI and SCLK to CI.
//
// Frames go through the same pipeline as the WS2812 drivers (pixel mapping,
// CIE lightness, brightness, power budget); periph's own colour
// temperature and intensity curves are switched off so it sends those bytes
// as they are: 0x00000000, then 0xFF (global brightness 31) and B, G, R per
// LED, then the end frame of 0xFF bytes that clocks the data through.
//
// The whole frame is one SPI transfer of 4 bytes per LED plus a few: on a
// Raspberry Pi raise the kernel's 4 KiB limit for boards over 1,000 LEDs
// (spidev.bufsiz=65536 on the kernel command line).
package apa102

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"sync"

	"periph.io/x/conn/v3/display"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/devices/v3/apa102"
	"periph.io/x/host/v3"

	"github.com/sunboard/sunboard/display/internal/frame"
	"github.com/sunboard/sunboard/display/internal/led"
)

// Opts configures a matrix.
type Opts struct {
	Width, Height int
	// Map is a display/pixmap spec, e.g. "chain:2x1;serpentine".
	Map string
	// Brightness 1..255 scales perceived brightness; 0 means full.
	Brightness uint8
	// MaxMilliamps and SupplyAmps cap the estimated current: frames over
	// the smaller are dimmed (see display/spi).
	MaxMilliamps int
	SupplyAmps   float64
	// MilliampsPerLED is one LED's current at full white, 0 means 60 mA;
	// IdleMilliampsPerLED is what a dark LED draws (≈1 mA for APA102).
	MilliampsPerLED, IdleMilliampsPerLED float64
	// Hz lowers the SPI clock from periph's 20 MHz when the port allows it:
	// long chains and long wires between panels may need 4–8 MHz.
	Hz physic.Frequency
}

// PowerStats says how often the power budget dimmed frames.
type PowerStats = led.Stats

// Dev is an APA102 matrix on an SPI port.
type Dev struct {
	strip  *apa102.Dev
	p      *led.Pipeline
	closer io.Closer // the port, when Open opened it

	mu    sync.Mutex
	img   *image.RGBA
	wire  []byte // R, G, B per LED in strip order
	blank bool   // Blank(true): the LEDs stay dark whatever is drawn
}

var _ display.Drawer = (*Dev)(nil)

// New drives a matrix on port p.
func New(p spi.Port, opts *Opts) (*Dev, error) {
	if p == nil || opts == nil {
		return nil, errors.New("apa102: nil port or Opts")
	}
	pl, err := led.New(&led.Opts{Width: opts.Width, Height: opts.Height, Map: opts.Map, Order: "RGB", Brightness: opts.Brightness,
		MaxMilliamps: opts.MaxMilliamps, SupplyAmps: opts.SupplyAmps, MilliampsPerLED: opts.MilliampsPerLED, IdleMilliampsPerLED: opts.IdleMilliampsPerLED})
	if err != nil {
		return nil, fmt.Errorf("apa102: %w", err)
	}
	if opts.Hz > 0 {
		l, ok := p.(interface{ LimitSpeed(physic.Frequency) error })
		if !ok {
			return nil, fmt.Errorf("apa102: port %s cannot limit its clock to %s", p, opts.Hz)
		}
		if err := l.LimitSpeed(opts.Hz); err != nil {
			return nil, fmt.Errorf("apa102: limit %s to %s: %w", p, opts.Hz, err)
		}
	}
	// PassThruOpts: no colour temperature, no intensity curve of its own,
	// global brightness fixed at 31 (its 580 Hz PWM flickers on camera).
	o := apa102.PassThruOpts
	o.NumPixels = pl.Len()
	strip, err := apa102.New(p, &o)
	if err != nil {
		return nil, fmt.Errorf("apa102: %d LEDs on %s: %w", pl.Len(), p, err)
	}
	return &Dev{
		strip: strip,
		p:     pl,
		img:   image.NewRGBA(image.Rect(0, 0, opts.Width, opts.Height)),
		wire:  make([]byte, 3*pl.Len()),
	}, nil
}

// Open initialises periph's host drivers, opens SPI port busName ("" is the
// first one, e.g. "/dev/spidev0.0" or "SPI0.0") and drives a matrix on it.
// Close releases the port.
func Open(busName string, opts *Opts) (*Dev, error) {
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("apa102: init periph host: %w", err)
	}
	port, err := spireg.Open(busName)
	if err != nil {
		return nil, fmt.Errorf("apa102: open port %q: %w", busName, err)
	}
	d, err := New(port, opts)
	if err != nil {
		_ = port.Close()
		return nil, err
	}
	d.closer = port
	return d, nil
}

func (d *Dev) String() string {
	return fmt.Sprintf("apa102{%dx%d %s}", d.img.Rect.Dx(), d.img.Rect.Dy(), d.strip)
}

// ColorModel implements display.Drawer.
func (d *Dev) ColorModel() color.Model { return color.RGBAModel }

// Bounds implements display.Drawer.
func (d *Dev) Bounds() image.Rectangle { return d.img.Rect }

// Draw updates the picture and sends the whole frame. A full-frame
// *image.RGBA is copied row by row; other images go through draw.Draw.
func (d *Dev) Draw(r image.Rectangle, src image.Image, sp image.Point) error {
	if src == nil {
		return errors.New("apa102: nil source image")
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

func (d *Dev) send() error {
	if d.blank {
		return nil // the picture is kept for Blank(false)
	}
	d.p.Wire(d.wire, d.img)
	if _, err := d.strip.Write(d.wire); err != nil {
		return fmt.Errorf("apa102: write %d LEDs to %s: %w", len(d.wire)/3, d.strip, err)
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

// Blank(true) turns the board off until Blank(false): Draw and
// SetBrightness still update the picture but nothing is sent. Blank(false)
// shows the current picture.
func (d *Dev) Blank(off bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if off == d.blank {
		return nil
	}
	if off {
		if err := d.strip.Halt(); err != nil {
			return fmt.Errorf("apa102: halt %s: %w", d.strip, err)
		}
	}
	d.blank = off
	return d.send()
}

// Halt turns every LED off; the picture is kept for the next Draw.
func (d *Dev) Halt() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.strip.Halt(); err != nil {
		return fmt.Errorf("apa102: halt %s: %w", d.strip, err)
	}
	return nil
}

// Close turns the LEDs off and closes the port if Open opened it.
func (d *Dev) Close() error {
	err := d.Halt()
	if d.closer != nil {
		if cerr := d.closer.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
