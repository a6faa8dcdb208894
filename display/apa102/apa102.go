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

	"periph.io/x/conn/v3/display"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/devices/v3/apa102"

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
type Dev struct{ *led.Matrix }

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
	return &Dev{led.NewMatrix("apa102", "apa102", strip, pl, opts.Width, opts.Height)}, nil
}

// Open initialises periph's host drivers, opens SPI port busName ("" is the
// first one, e.g. "/dev/spidev0.0" or "SPI0.0") and drives a matrix on it.
// Close releases the port.
func Open(busName string, opts *Opts) (*Dev, error) {
	m, err := led.OpenPort("apa102", busName, func(p spi.Port) (*led.Matrix, error) {
		d, err := New(p, opts)
		if err != nil {
			return nil, err
		}
		return d.Matrix, nil
	})
	if err != nil {
		return nil, err
	}
	return &Dev{m}, nil
}
