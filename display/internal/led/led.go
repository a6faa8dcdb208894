// Package led turns an upright RGBA picture into the bytes an addressable LED
// strip wants: pixel mapping, CIE 1931 lightness correction, brightness,
// colour order and a current limit. The ws281x and spi drivers share it.
package led

import (
	"fmt"
	"image"
	"math"
	"strings"

	"github.com/sunboard/sunboard/display/pixmap"
)

// Opts are the colour options shared by the LED drivers.
type Opts struct {
	Width, Height int
	// Map is a pixmap spec, e.g. "chain:2x1;serpentine".
	Map string
	// Order is the byte order on the wire, a permutation of "RGB". Default GRB.
	Order string
	// Brightness scales lightness (perceived brightness), 1..255; 0 means 255.
	Brightness uint8
	// MaxMilliamps caps the estimated current of a frame by dimming it; 0 means
	// no cap. Each colour channel is taken to draw 20 mA at full output.
	MaxMilliamps int
}

// Pipeline converts frames; it is not safe for concurrent use.
type Pipeline struct {
	m     pixmap.Mapper
	order [3]int // wire byte i carries RGBA channel order[i]
	lut   [256]byte
	maxmA int
}

// New validates o and builds a pipeline.
func New(o *Opts) (*Pipeline, error) {
	m, err := pixmap.Parse(o.Map, o.Width, o.Height)
	if err != nil {
		return nil, err
	}
	ord := strings.ToUpper(o.Order)
	if ord == "" {
		ord = "GRB"
	}
	p := &Pipeline{m: m, maxmA: o.MaxMilliamps}
	if len(ord) != 3 || !strings.Contains(ord, "R") || !strings.Contains(ord, "G") || !strings.Contains(ord, "B") {
		return nil, fmt.Errorf("led: colour order %q is not a permutation of RGB", o.Order)
	}
	for i, c := range ord {
		p.order[i] = strings.IndexRune("RGB", c)
	}
	if o.MaxMilliamps < 0 {
		return nil, fmt.Errorf("led: negative current limit %d mA", o.MaxMilliamps)
	}
	p.SetBrightness(o.Brightness)
	return p, nil
}

// Len returns the number of LEDs.
func (p *Pipeline) Len() int { return p.m.Len() }

// SetBrightness sets brightness 1..255 (0 means 255).
func (p *Pipeline) SetBrightness(b uint8) {
	if b == 0 {
		b = 255
	}
	p.lut = Table(b)
}

// Table returns the CIE 1931 lightness-to-PWM table at brightness b/255:
// input v means lightness L* = 100·v/255·b/255, and the output is the
// luminance Y that gives, scaled to 0..255. Scaling lightness rather than
// output keeps dimming even to the eye and keeps dark greys from vanishing
// into one step.
func Table(b uint8) [256]byte {
	var t [256]byte
	for v := range t {
		l := 100 * float64(v) / 255 * float64(b) / 255
		var y float64
		if l <= 8 {
			y = l / 903.3
		} else {
			y = math.Pow((l+16)/116, 3)
		}
		t[v] = byte(math.Round(y * 255))
	}
	return t
}

// Wire writes the frame as 3 bytes per LED in strip order and wire colour
// order into dst, which must hold 3·Len() bytes. frame must be Width×Height
// with Min at the origin.
func (p *Pipeline) Wire(dst []byte, frame *image.RGBA) {
	idx := p.m.Table()
	w, _ := p.m.Size()
	o0, o1, o2 := p.order[0], p.order[1], p.order[2]
	var sum int
	for y, i := 0, 0; i < len(idx); y++ {
		row := frame.Pix[y*frame.Stride : y*frame.Stride+4*w]
		for x := 0; x < len(row); x += 4 {
			px := row[x : x+3 : x+3]
			d := dst[3*idx[i] : 3*idx[i]+3 : 3*idx[i]+3]
			d[0], d[1], d[2] = p.lut[px[o0]], p.lut[px[o1]], p.lut[px[o2]]
			sum += int(d[0]) + int(d[1]) + int(d[2])
			i++
		}
	}
	if p.maxmA == 0 {
		return
	}
	// Estimated current: 20 mA per channel at 255.
	if mA := sum * 20 / 255; mA > p.maxmA {
		scale := p.maxmA * 65536 / mA
		for i, v := range dst[:3*len(idx)] {
			dst[i] = byte(int(v) * scale >> 16)
		}
	}
}
