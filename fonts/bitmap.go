package fonts

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"slices"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

// bitmapFont is a parsed SBF font (the format internal/gen writes; see writeSBF there):
//
//	"SBF1" px ascent descent 0  count:u32le
//	count × { rune:u24le adv:u8 w:u8 h:u8 xoff:i8 top:i8 off:u32le }  sorted by rune
//	bitmap rows, (w+7)/8 bytes per row, MSB first, at off
//
// The bitmaps stay packed, 1 bit a pixel; a glyph is expanded into an *image.Alpha holding only
// 0 and 0xff the first time it is drawn, so that drawing hits draw.DrawMask's *image.Alpha fast
// path and never produces a grey pixel. Expanding all 30,000 glyphs up front cost 12 MB that a
// board, which shows a few hundred distinct characters, does not have to spare.
type bitmapFont struct {
	px, ascent, descent int
	runes               []rune // sorted; index i describes glyphs[i]
	glyphs              []bitmapGlyph
	bits                []byte
	xHeight, capHeight  int
	tofu                bitmapGlyph
	tofuMask            *image.Alpha

	mu        sync.RWMutex
	masks     map[int32]*image.Alpha // expanded glyphs by index
	maskBytes int
}

type bitmapGlyph struct {
	adv       int16
	w, h      uint8
	xoff, top int8
	off       uint32 // of its rows in bits
}

const (
	sbfHeader = 12
	sbfRecord = 12
	maxGlyphs = 1 << 17
	maxPx     = 64 // bigger than any LED board font; also bounds each glyph
	// maxMaskBytes bounds the expanded glyphs of one font; past it they are expanded afresh.
	maxMaskBytes = 2 << 20
)

// parseSBF decodes an uncompressed SBF font, keeping b. It must not panic on any input: the data
// is embedded, but the fuzz target holds it to that.
func parseSBF(b []byte) (*bitmapFont, error) {
	if len(b) < sbfHeader || string(b[:4]) != "SBF1" {
		return nil, errors.New("sbf: bad magic")
	}
	f := &bitmapFont{px: int(b[4]), ascent: int(b[5]), descent: int(b[6]), masks: make(map[int32]*image.Alpha)}
	// Below 4 px the tofu box has no inside; the bounds also keep a corrupt header from asking
	// for huge glyphs.
	if f.px < 4 || f.px > maxPx || f.ascent < 3 || f.ascent+f.descent != f.px {
		return nil, fmt.Errorf("sbf: px %d with ascent %d + descent %d", f.px, f.ascent, f.descent)
	}
	n := binary.LittleEndian.Uint32(b[8:12])
	if n > maxGlyphs || uint64(len(b)-sbfHeader) < uint64(n)*sbfRecord {
		return nil, fmt.Errorf("sbf: %d glyphs do not fit in %d bytes", n, len(b))
	}
	f.bits = b[sbfHeader+int(n)*sbfRecord:]
	f.runes = make([]rune, n)
	f.glyphs = make([]bitmapGlyph, n)
	for i := range int(n) {
		rec := b[sbfHeader+i*sbfRecord:]
		r := rune(rec[0]) | rune(rec[1])<<8 | rune(rec[2])<<16
		if i > 0 && r <= f.runes[i-1] {
			return nil, fmt.Errorf("sbf: rune %U after %U: not sorted", r, f.runes[i-1])
		}
		g := bitmapGlyph{adv: int16(rec[3]), w: rec[4], h: rec[5], xoff: int8(rec[6]), top: int8(rec[7]), off: binary.LittleEndian.Uint32(rec[8:12])}
		if g.w > maxPx || g.h > maxPx {
			return nil, fmt.Errorf("sbf: glyph %U: %d×%d exceeds %d px", r, g.w, g.h, maxPx)
		}
		if uint64(g.off)+uint64(g.h)*uint64((int(g.w)+7)/8) > uint64(len(f.bits)) {
			return nil, fmt.Errorf("sbf: glyph %U: bitmap at %d overruns %d bytes", r, g.off, len(f.bits))
		}
		f.runes[i], f.glyphs[i] = r, g
	}
	f.tofu = bitmapGlyph{adv: int16(f.px), w: uint8(f.px), h: uint8(f.ascent), top: int8(-f.ascent)}
	f.drawTofu()
	f.xHeight, f.capHeight = f.inkHeight('x'), f.inkHeight('H')
	return f, nil
}

// expand draws glyph g's packed rows as 0/0xff alpha.
func (f *bitmapFont) expand(g bitmapGlyph) *image.Alpha {
	m := image.NewAlpha(image.Rect(0, 0, int(g.w), int(g.h)))
	stride := (int(g.w) + 7) / 8
	for y := range int(g.h) {
		row := f.bits[int(g.off)+y*stride:]
		pix := m.Pix[y*m.Stride:]
		for x := range int(g.w) {
			if row[x/8]&(0x80>>(x%8)) != 0 {
				pix[x] = opaque
			}
		}
	}
	return m
}

// mask returns glyph i expanded, expanding it on first use; i < 0 is the tofu box. Safe for
// concurrent use.
func (f *bitmapFont) mask(i int32) *image.Alpha {
	if i < 0 {
		return f.tofuMask
	}
	f.mu.RLock()
	m := f.masks[i]
	f.mu.RUnlock()
	if m != nil {
		return m
	}
	m = f.expand(f.glyphs[i])
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.maskBytes+len(m.Pix) > maxMaskBytes {
		clear(f.masks)
		f.maskBytes = 0
	}
	f.masks[i] = m
	f.maskBytes += len(m.Pix)
	return m
}

// inkHeight is how far the topmost lit pixel of r stands above the baseline; bitmap cells carry
// blank rows (Unifont's are all 16 tall), so the cell top says nothing.
func (f *bitmapFont) inkHeight(r rune) int {
	i, ok := f.index(r)
	if !ok {
		return 0
	}
	g, m := f.glyphs[i], f.mask(i)
	for y := range int(g.h) {
		if slices.Contains(m.Pix[y*m.Stride:][:g.w], opaque) {
			return -(int(g.top) + y)
		}
	}
	return 0
}

// drawTofu draws the box shown for runes the font lacks: a full-width rectangle one pixel in from
// the sides, spanning the ascent, so it is plainly visible on a board.
func (f *bitmapFont) drawTofu() {
	g := f.tofu
	f.tofuMask = image.NewAlpha(image.Rect(0, 0, int(g.w), int(g.h)))
	x0, x1 := 1, int(g.w)-2
	y0, y1 := 1, int(g.h)-1
	set := func(x, y int) { f.tofuMask.Pix[y*f.tofuMask.Stride+x] = opaque }
	for x := x0; x <= x1; x++ {
		set(x, y0)
		set(x, y1)
	}
	for y := y0; y <= y1; y++ {
		set(x0, y)
		set(x1, y)
	}
}

// index finds r; -1 and false when the font lacks it.
func (f *bitmapFont) index(r rune) (int32, bool) {
	if i, ok := slices.BinarySearch(f.runes, r); ok {
		return int32(i), true
	}
	return -1, false
}

// lookup returns the glyph for r, or the tofu box and false.
func (f *bitmapFont) lookup(r rune) (bitmapGlyph, bool) {
	if i, ok := f.index(r); ok {
		return f.glyphs[i], true
	}
	return f.tofu, false
}

func (f *bitmapFont) has(r rune) bool {
	_, ok := f.index(r)
	return ok
}

// bitmapFace is a font.Face over a shared, read-only bitmapFont; it holds no mutable state, so it
// is in fact safe for concurrent use.
type bitmapFace struct{ f *bitmapFont }

var _ font.Face = bitmapFace{}

func (bitmapFace) Close() error { return nil }

// Glyph returns ok=false for a missing rune but still a tofu box with its advance, because
// font.Drawer draws whatever rectangle it gets: the box shows instead of a silent gap.
func (b bitmapFace) Glyph(dot fixed.Point26_6, r rune) (image.Rectangle, image.Image, image.Point, fixed.Int26_6, bool) {
	i, ok := b.f.index(r)
	g := b.f.tofu
	if ok {
		g = b.f.glyphs[i]
	}
	x, y := dot.X.Round()+int(g.xoff), dot.Y.Round()+int(g.top)
	dr := image.Rect(x, y, x+int(g.w), y+int(g.h))
	return dr, b.f.mask(i), image.Point{}, fixed.I(int(g.adv)), ok
}

func (b bitmapFace) GlyphBounds(r rune) (fixed.Rectangle26_6, fixed.Int26_6, bool) {
	g, ok := b.f.lookup(r)
	bounds := fixed.R(int(g.xoff), int(g.top), int(g.xoff)+int(g.w), int(g.top)+int(g.h))
	return bounds, fixed.I(int(g.adv)), ok
}

func (b bitmapFace) GlyphAdvance(r rune) (fixed.Int26_6, bool) {
	g, ok := b.f.lookup(r)
	return fixed.I(int(g.adv)), ok
}

func (bitmapFace) Kern(r0, r1 rune) fixed.Int26_6 { return 0 }

func (b bitmapFace) Metrics() font.Metrics {
	m := font.Metrics{
		Height:     fixed.I(b.f.px),
		Ascent:     fixed.I(b.f.ascent),
		Descent:    fixed.I(b.f.descent),
		XHeight:    fixed.I(b.f.xHeight),
		CapHeight:  fixed.I(b.f.capHeight),
		CaretSlope: image.Point{0, 1},
	}
	return m
}
