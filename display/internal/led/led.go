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
	// no cap. Each colour channel is taken to draw MilliampsPerLED/3 (20 mA by
	// default) at full output.
	MaxMilliamps int
	// SupplyAmps is the power supply's rating; when set the budget is the
	// smaller of it and MaxMilliamps.
	SupplyAmps float64
	// MilliampsPerLED is one LED's current at full white; 0 means 60 (WS2812B).
	MilliampsPerLED float64
	// IdleMilliampsPerLED is drawn by each LED even when dark (≈1 mA for
	// WS2812B); it is taken off the budget before the colours get theirs.
	IdleMilliampsPerLED float64
}

// Stats says how often the current limit dimmed frames.
type Stats struct {
	Frames  uint64 // frames converted
	Limited uint64 // frames dimmed to fit the budget
	// LastScale is the factor the last frame was dimmed by, 1 if it was not.
	LastScale float64
	// LastMilliamps is the estimated current of the last frame before the
	// limit, PeakMilliamps the largest seen; both include the idle current.
	LastMilliamps, PeakMilliamps int
	// BudgetMilliamps is the cap in force, 0 for none.
	BudgetMilliamps int
}

// Pipeline converts frames; it is not safe for concurrent use.
type Pipeline struct {
	m     pixmap.Mapper
	order [3]int // wire byte i carries RGBA channel order[i]
	lut   [256]byte
	// Current model in µA: colour current per unit of wire byte sum is
	// uAPerUnit/255; the budget left for colours is colourBudget (0 = none).
	uAPerUnit    int64
	idleuA       int64
	colourBudget int64
	budgetmA     int
	stats        Stats
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
	p := &Pipeline{m: m}
	if len(ord) != 3 || !strings.Contains(ord, "R") || !strings.Contains(ord, "G") || !strings.Contains(ord, "B") {
		return nil, fmt.Errorf("led: colour order %q is not a permutation of RGB", o.Order)
	}
	for i, c := range ord {
		p.order[i] = strings.IndexRune("RGB", c)
	}
	if o.MaxMilliamps < 0 || o.SupplyAmps < 0 || o.MilliampsPerLED < 0 || o.IdleMilliampsPerLED < 0 ||
		math.IsNaN(o.SupplyAmps+o.MilliampsPerLED+o.IdleMilliampsPerLED) {
		return nil, fmt.Errorf("led: invalid current budget: %d mA, supply %g A, %g mA per LED, %g mA idle",
			o.MaxMilliamps, o.SupplyAmps, o.MilliampsPerLED, o.IdleMilliampsPerLED)
	}
	perLED := o.MilliampsPerLED
	if perLED == 0 {
		perLED = 60
	}
	p.uAPerUnit = int64(math.Round(perLED * 1000 / 3))
	p.idleuA = int64(math.Round(o.IdleMilliampsPerLED * 1000 * float64(m.Len())))
	budget := o.MaxMilliamps
	if o.SupplyAmps > 0 {
		if s := int(math.Min(o.SupplyAmps*1000, 1<<30)); budget == 0 || s < budget {
			budget = s
		}
	}
	if budget > 0 {
		p.budgetmA = budget
		p.colourBudget = int64(budget)*1000 - p.idleuA
		if p.colourBudget <= 0 {
			return nil, fmt.Errorf("led: budget %d mA is less than the %d LEDs' idle current %g mA",
				budget, m.Len(), float64(p.idleuA)/1000)
		}
	}
	p.stats = Stats{LastScale: 1, BudgetMilliamps: budget}
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
	uA := int64(sum) * p.uAPerUnit / 255
	st := &p.stats
	st.Frames++
	st.LastScale = 1
	st.LastMilliamps = int((uA + p.idleuA) / 1000)
	st.PeakMilliamps = max(st.PeakMilliamps, st.LastMilliamps)
	if p.colourBudget == 0 || uA <= p.colourBudget {
		return
	}
	scale := int(p.colourBudget * 65536 / uA)
	for i, v := range dst[:3*len(idx)] {
		dst[i] = byte(int(v) * scale >> 16)
	}
	st.Limited++
	st.LastScale = float64(scale) / 65536
}

// Stats returns the current-limit counters.
func (p *Pipeline) Stats() Stats { return p.stats }
