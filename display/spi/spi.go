// Package spi drives WS2812 LED matrices from an SPI port with periph's
// nrzled, in pure Go: no cgo, no root, no DMA channel. Each data bit becomes
// four SPI bits at 2.5 MHz, so one bus carries about 26,000 LEDs per second:
// a 32×16 board (512 LEDs) refreshes at ~50 Hz, a 128×64 board (8,192 LEDs)
// at only ~3 Hz, too slow to scroll. That is WS2812 itself (800 kbit/s,
// 30 µs per LED), not SPI: ws281x is no faster per chain. Big boards are
// split into several chains (SPI0, SPI1, or HUB75 panels), one Dev each.
//
// On a Raspberry Pi enable the bus (dtparam=spi=on) and raise the kernel's
// transfer limit for big boards (spidev.bufsiz=65536 on the kernel command
// line): one frame is 12 bytes per LED plus 6.
package spi

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"strings"
	"sync"

	"periph.io/x/conn/v3/display"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/devices/v3/nrzled"
	"periph.io/x/host/v3"

	"github.com/sunboard/sunboard/display/internal/frame"
	"github.com/sunboard/sunboard/display/internal/led"
)

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

// Dev is a WS2812 matrix on an SPI port.
type Dev struct {
	nrz    *nrzled.Dev
	p      *led.Pipeline
	closer io.Closer // the port, when Open opened it

	mu    sync.Mutex
	img   *image.RGBA
	wire  []byte
	blank bool // Blank(true): the LEDs stay dark whatever is drawn
}

var _ display.Drawer = (*Dev)(nil)

// New drives a matrix on port p, which must accept 2.5 MHz transfers of
// 12·Width·Height+6 bytes.
func New(p spi.Port, opts *Opts) (*Dev, error) {
	if p == nil || opts == nil {
		return nil, errors.New("spi: nil port or Opts")
	}
	ord := strings.ToUpper(opts.Order)
	if ord == "" {
		ord = "GRB"
	}
	if len(ord) == 3 {
		// nrzled takes RGB and sends G, R, B: hand it the first two wire
		// bytes swapped so the wire carries ord.
		ord = string([]byte{ord[1], ord[0], ord[2]})
	}
	pl, err := led.New(&led.Opts{Width: opts.Width, Height: opts.Height, Map: opts.Map, Order: ord, Brightness: opts.Brightness, MaxMilliamps: opts.MaxMilliamps,
		SupplyAmps: opts.SupplyAmps, MilliampsPerLED: opts.MilliampsPerLED, IdleMilliampsPerLED: opts.IdleMilliampsPerLED})
	if err != nil {
		return nil, fmt.Errorf("spi: %w", err)
	}
	nrz, err := nrzled.NewSPI(p, &nrzled.Opts{NumPixels: pl.Len(), Channels: 3, Freq: 2500 * physic.KiloHertz})
	if err != nil {
		return nil, fmt.Errorf("spi: WS2812 on %s with %d LEDs: %w", p, pl.Len(), err)
	}
	return &Dev{
		nrz:  nrz,
		p:    pl,
		img:  image.NewRGBA(image.Rect(0, 0, opts.Width, opts.Height)),
		wire: make([]byte, 3*pl.Len()),
	}, nil
}

// Open initialises periph's host drivers, opens SPI port busName ("" is the
// first one, e.g. "/dev/spidev0.0" or "SPI0.0") and drives a matrix on it.
// Close releases the port.
func Open(busName string, opts *Opts) (*Dev, error) {
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("spi: init periph host: %w", err)
	}
	port, err := spireg.Open(busName)
	if err != nil {
		return nil, fmt.Errorf("spi: open port %q: %w", busName, err)
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
	return fmt.Sprintf("spi-ws2812{%dx%d %s}", d.img.Rect.Dx(), d.img.Rect.Dy(), d.nrz)
}

// ColorModel implements display.Drawer.
func (d *Dev) ColorModel() color.Model { return color.RGBAModel }

// Bounds implements display.Drawer.
func (d *Dev) Bounds() image.Rectangle { return d.img.Rect }

// Draw updates the picture and sends the whole frame.
func (d *Dev) Draw(r image.Rectangle, src image.Image, sp image.Point) error {
	if src == nil {
		return errors.New("spi: nil source image")
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
	if _, err := d.nrz.Write(d.wire); err != nil {
		return fmt.Errorf("spi: write %d LEDs to %s: %w", len(d.wire)/3, d.nrz, err)
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
// SetBrightness still update the picture but nothing is sent, so the LEDs
// stay dark (quiet hours, brightness level 0). Blank(false) shows the
// current picture.
func (d *Dev) Blank(off bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if off == d.blank {
		return nil
	}
	if off {
		if err := d.nrz.Halt(); err != nil {
			return fmt.Errorf("spi: halt %s: %w", d.nrz, err)
		}
	}
	d.blank = off
	return d.send()
}

// Halt turns every LED off; the picture is kept for the next Draw.
func (d *Dev) Halt() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.nrz.Halt(); err != nil {
		return fmt.Errorf("spi: halt %s: %w", d.nrz, err)
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
