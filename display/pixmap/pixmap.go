// Package pixmap maps the pixels of a picture to positions on an LED strip,
// the way hzeller/rpi-rgb-led-matrix's pixel mappers do: boards are built
// from panels chained one after another, wired in serpentine rows, and
// mounted rotated or mirrored. The renderer draws an upright picture; the
// mapper says where each of its pixels sits on the wire.
package pixmap

import (
	"fmt"
	"strconv"
	"strings"
)

// Mapper maps picture pixels to strip indices. Its zero value maps nothing.
type Mapper struct {
	w, h int
	idx  []int32 // strip index of picture pixel (x, y) at y*w+x
}

// Parse builds the mapper for a w×h picture from spec, a list of steps
// separated by ';' (case and spaces ignored), applied in order:
//
//	rotate:90|180|270  the picture is turned clockwise on the board
//	mirror:h|v         flipped left-right (h) or top-bottom (v)
//	serpentine         every other row of each panel runs right to left
//	chain:CxR          the board is C×R equal panels, wired left to right,
//	                   then top to bottom, each panel row by row
//
// chain and serpentine describe the wiring and may appear once each; the
// empty spec is a single panel wired row by row, left to right.
func Parse(spec string, w, h int) (Mapper, error) {
	if w <= 0 || h <= 0 || w*h > 1<<24 {
		return Mapper{}, fmt.Errorf("pixmap: invalid picture size %dx%d", w, h)
	}
	type step struct {
		rot    int // quarter turns clockwise
		mirror byte
	}
	var (
		steps      []step
		serpentine bool
		chainC     = 1
		chainR     = 1
		seenChain  bool
	)
	for _, f := range strings.Split(spec, ";") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		name, arg, _ := strings.Cut(f, ":")
		name, arg = strings.TrimSpace(name), strings.TrimSpace(arg)
		switch name {
		case "rotate":
			deg, err := strconv.Atoi(arg)
			if err != nil || deg%90 != 0 || deg < 0 || deg >= 360 {
				return Mapper{}, fmt.Errorf("pixmap: %q: rotate wants 0, 90, 180 or 270, got %q", spec, arg)
			}
			steps = append(steps, step{rot: deg / 90})
		case "mirror":
			if arg != "h" && arg != "v" {
				return Mapper{}, fmt.Errorf("pixmap: %q: mirror wants h or v, got %q", spec, arg)
			}
			steps = append(steps, step{mirror: arg[0]})
		case "serpentine":
			if arg != "" || serpentine {
				return Mapper{}, fmt.Errorf("pixmap: %q: serpentine takes no argument and appears once", spec)
			}
			serpentine = true
		case "chain":
			c, r, ok := strings.Cut(arg, "x")
			var err1, err2 error
			chainC, err1 = strconv.Atoi(c)
			chainR, err2 = strconv.Atoi(r)
			if seenChain || !ok || err1 != nil || err2 != nil || chainC <= 0 || chainR <= 0 {
				return Mapper{}, fmt.Errorf("pixmap: %q: chain wants CxR once, got %q", spec, arg)
			}
			seenChain = true
		default:
			return Mapper{}, fmt.Errorf("pixmap: %q: unknown step %q", spec, name)
		}
	}
	// The board's own size, after the picture is turned onto it.
	bw, bh := w, h
	for _, s := range steps {
		if s.rot%2 == 1 {
			bw, bh = bh, bw
		}
	}
	if bw%chainC != 0 || bh%chainR != 0 {
		return Mapper{}, fmt.Errorf("pixmap: %q: board %dx%d does not split into %dx%d equal panels", spec, bw, bh, chainC, chainR)
	}
	pw, ph := bw/chainC, bh/chainR
	m := Mapper{w: w, h: h, idx: make([]int32, w*h)}
	for y := range h {
		for x := range w {
			px, py, cw, ch := x, y, w, h
			for _, s := range steps {
				switch {
				case s.mirror == 'h':
					px = cw - 1 - px
				case s.mirror == 'v':
					py = ch - 1 - py
				default:
					for range s.rot {
						px, py, cw, ch = ch-1-py, px, ch, cw
					}
				}
			}
			panel := (py/ph)*chainC + px/pw
			col, row := px%pw, py%ph
			if serpentine && row%2 == 1 {
				col = pw - 1 - col
			}
			m.idx[y*w+x] = int32(panel*pw*ph + row*pw + col)
		}
	}
	return m, nil
}

// Size returns the picture size the mapper was built for.
func (m Mapper) Size() (w, h int) { return m.w, m.h }

// Len returns the number of LEDs on the strip.
func (m Mapper) Len() int { return len(m.idx) }

// Index returns the strip index of picture pixel (x, y), which must be inside
// the picture.
func (m Mapper) Index(x, y int) int { return int(m.idx[y*m.w+x]) }

// Table returns the strip index of every picture pixel, row by row. Drivers
// walk it in their inner loop; it must not be modified.
func (m Mapper) Table() []int32 { return m.idx }
