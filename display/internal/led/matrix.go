package led

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"sync"

	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/host/v3"

	"github.com/sunboard/sunboard/display/internal/frame"
)

// Strip is the wire side of an SPI LED board: periph's nrzled (WS2812) or
// apa102 device, taking R, G, B per LED in strip order.
type Strip interface {
	io.Writer
	Halt() error
	String() string
}

// Matrix is what the SPI LED drivers (display/spi, display/apa102) have in
// common: the picture, the pipeline turning it into wire bytes, and the
// strip they go to. It implements periph's display.Drawer; every Draw sends
// the whole frame (a strip is one serial chain).
type Matrix struct {
	name   string // the driver, for errors: "spi", "apa102"
	label  string // for String: "spi-ws2812", "apa102"
	strip  Strip
	p      *Pipeline
	closer io.Closer // the port, when the driver's Open opened it

	mu    sync.Mutex
	img   *image.RGBA
	wire  []byte // R, G, B per LED in strip order
	blank bool   // Blank(true): the LEDs stay dark whatever is drawn
}

// NewMatrix drives strip with a w×h picture converted by p.
func NewMatrix(name, label string, strip Strip, p *Pipeline, w, h int) *Matrix {
	return &Matrix{name: name, label: label, strip: strip, p: p,
		img: image.NewRGBA(image.Rect(0, 0, w, h)), wire: make([]byte, 3*p.Len())}
}

// OpenPort initialises periph's host drivers and opens SPI port busName
// ("" is the first one, e.g. "/dev/spidev0.0" or "SPI0.0"); newDev makes
// the driver's Matrix on it, which then closes the port on Close.
func OpenPort(name, busName string, newDev func(spi.Port) (*Matrix, error)) (*Matrix, error) {
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("%s: init periph host: %w", name, err)
	}
	port, err := spireg.Open(busName)
	if err != nil {
		return nil, fmt.Errorf("%s: open port %q: %w", name, busName, err)
	}
	m, err := newDev(port)
	if err != nil {
		_ = port.Close()
		return nil, err
	}
	m.closer = port
	return m, nil
}

func (m *Matrix) String() string {
	return fmt.Sprintf("%s{%dx%d %s}", m.label, m.img.Rect.Dx(), m.img.Rect.Dy(), m.strip)
}

// ColorModel implements display.Drawer.
func (m *Matrix) ColorModel() color.Model { return color.RGBAModel }

// Bounds implements display.Drawer.
func (m *Matrix) Bounds() image.Rectangle { return m.img.Rect }

// Draw updates the picture and sends the whole frame. A full-frame
// *image.RGBA is copied row by row; other images go through draw.Draw.
func (m *Matrix) Draw(r image.Rectangle, src image.Image, sp image.Point) error {
	if src == nil {
		name := "led" // a zero driver Dev has no Matrix yet
		if m != nil {
			name = m.name
		}
		return fmt.Errorf("%s: nil source image", name)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	frame.Draw(m.img, r, src, sp)
	return m.send()
}

// SetBrightness changes brightness (1..255, 0 means full) and resends the
// current picture.
func (m *Matrix) SetBrightness(b uint8) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.p.SetBrightness(b)
	return m.send()
}

func (m *Matrix) send() error {
	if m.blank {
		return nil // the picture is kept for Blank(false)
	}
	m.p.Wire(m.wire, m.img)
	if _, err := m.strip.Write(m.wire); err != nil {
		return fmt.Errorf("%s: write %d LEDs to %s: %w", m.name, len(m.wire)/3, m.strip, err)
	}
	return nil
}

// PowerStats returns the power-budget counters.
func (m *Matrix) PowerStats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.p.Stats()
}

// Limited returns how many frames the power budget has dimmed and the
// factor the last frame was dimmed by (1 when it was not).
func (m *Matrix) Limited() (frames uint64, lastScale float64) {
	st := m.PowerStats()
	return st.Limited, st.LastScale
}

// Blank(true) turns the board off until Blank(false): Draw and
// SetBrightness still update the picture but nothing is sent, so the LEDs
// stay dark (quiet hours, brightness level 0). Blank(false) shows the
// current picture.
func (m *Matrix) Blank(off bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if off == m.blank {
		return nil
	}
	if off {
		if err := m.strip.Halt(); err != nil {
			return fmt.Errorf("%s: halt %s: %w", m.name, m.strip, err)
		}
	}
	m.blank = off
	return m.send()
}

// Halt turns every LED off; the picture is kept for the next Draw.
func (m *Matrix) Halt() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.strip.Halt(); err != nil {
		return fmt.Errorf("%s: halt %s: %w", m.name, m.strip, err)
	}
	return nil
}

// Close turns the LEDs off and closes the port if OpenPort opened it.
func (m *Matrix) Close() error {
	err := m.Halt()
	if m.closer != nil {
		if cerr := m.closer.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
