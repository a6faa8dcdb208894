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
	"strings"

	"periph.io/x/conn/v3/display"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/devices/v3/nrzled"

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
type Dev struct{ *led.Matrix }

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
	return &Dev{led.NewMatrix("spi", "spi-ws2812", nrz, pl, opts.Width, opts.Height)}, nil
}

// Open initialises periph's host drivers, opens SPI port busName ("" is the
// first one, e.g. "/dev/spidev0.0" or "SPI0.0") and drives a matrix on it.
// Close releases the port.
func Open(busName string, opts *Opts) (*Dev, error) {
	m, err := led.OpenPort("spi", busName, func(p spi.Port) (*led.Matrix, error) {
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
