package render

import (
	"image"
	"image/color"
	"math"
	"strings"

	"github.com/sunboard/sunboard/fonts"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

// face wraps a font.Face with an advance cache: layout measures every rune
// many times while fitting table columns. Vector faces are also shapers:
// strings are then measured and drawn shaped by go-text, with per-rune
// advances kept for line breaking.
type face struct {
	f      font.Face
	sh     fonts.Shaper // nil for pixel faces: one cell per rune, nothing to shape
	adv    map[rune]fixed.Int26_6
	widths map[string]int
	ascent int // baseline below a line's top
	lineH  int
}

// maxWidths bounds the shaped-width cache: a page's cells and lines, not a
// village's.
const maxWidths = 4096

// newFace sets the line pitch to the font's ascent+descent plus lineGap.
// A negative gap tightens the pitch (TV tables and bands): the baseline
// moves up by half of it so the glyphs stay centred in the shorter line.
func newFace(f font.Face, lineGap int) *face {
	m := f.Metrics()
	sh, _ := f.(fonts.Shaper)
	return &face{
		f:      f,
		sh:     sh,
		adv:    make(map[rune]fixed.Int26_6),
		widths: make(map[string]int),
		ascent: m.Ascent.Ceil() + lineGap/2,
		lineH:  m.Ascent.Ceil() + m.Descent.Ceil() + lineGap,
	}
}

// pitchGap is the lineGap that makes f's line pitch em*px: Noto's natural
// 1.45 em is right for paragraphs but wastes a table row per page.
func pitchGap(f font.Face, px, em float64) int {
	m := f.Metrics()
	return int(math.Round(em*px)) - m.Ascent.Ceil() - m.Descent.Ceil()
}

func (f *face) advance(r rune) fixed.Int26_6 {
	if a, ok := f.adv[r]; ok {
		return a
	}
	a, _ := f.f.GlyphAdvance(r)
	f.adv[r] = a
	return a
}

func (f *face) width(s string) int {
	if f.sh == nil {
		return width(s, f.advance).Ceil()
	}
	if w, ok := f.widths[s]; ok {
		return w
	}
	if len(f.widths) >= maxWidths {
		clear(f.widths)
	}
	w := f.sh.Advance(s).Ceil()
	f.widths[s] = w
	return w
}

func (f *face) wrap(s string, maxW int) []string {
	if maxW < 1 {
		maxW = 1
	}
	return breakLines(s, fixed.I(maxW), f.advance)
}

// draw writes s with its top-left at (x, y). Layout-time only: Frame never
// draws text.
func (f *face) draw(dst *image.RGBA, x, y int, s string, c color.RGBA) {
	dot := fixed.P(x, y+f.ascent)
	if f.sh != nil {
		f.sh.DrawString(dst, dot, image.NewUniform(c), s)
		return
	}
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: f.f, Dot: dot}
	d.DrawString(s)
}

// fillRect paints an axis-aligned integer rectangle: no anti-aliasing, so
// LED pages keep their exact palette.
func fillRect(dst *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(dst.Rect)
	if r.Empty() {
		return
	}
	row := dst.PixOffset(r.Min.X, r.Min.Y)
	n := r.Dx() * 4
	first := dst.Pix[row : row+n]
	for i := 0; i < n; i += 4 {
		first[i], first[i+1], first[i+2], first[i+3] = c.R, c.G, c.B, c.A
	}
	for y := r.Min.Y + 1; y < r.Max.Y; y++ {
		o := dst.PixOffset(r.Min.X, y)
		copy(dst.Pix[o:o+n], first)
	}
}

// runeCount is how much a reader must read, in hanzi: every character
// but spaces, except that a number (digits with their separators,
// 1,150.00 or 2026-11-20) is read at a glance, as two. Tables are mostly
// numbers; counting their digits one by one kept a finance page up for
// nearly three minutes.
func runeCount(s string) int {
	n, inNumber := 0, false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if !inNumber {
				n += 2
			}
			inNumber = true
		case inNumber && strings.ContainsRune(",.:-/%", r):
			// still the same number
		case r > ' ' && r != 0x3000:
			n++
			inNumber = false
		default:
			inNumber = false
		}
	}
	return n
}
