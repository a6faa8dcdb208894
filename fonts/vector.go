package fonts

import (
	"image"
	"sync"

	"github.com/golang/freetype/truetype"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// subpixel is how many horizontal positions per pixel a glyph is rasterized at. Hanzi advances are
// whole pixels at integer sizes, so CJK text mostly uses position 0; Latin text gets 4 phases,
// which is as many as the eye can tell apart on TV.
const subpixel = 4

// maxCacheBytes bounds one (size, weight) cache. On overflow the cache starts over: simpler than
// LRU, and a board's working set (one page's text) is far below it.
const maxCacheBytes = 16 << 20

type glyphKey struct {
	r     rune
	phase uint8
}

// cachedGlyph is a rasterized glyph with dr relative to the integer dot. mask is owned by the
// cache and never written after insertion, so any goroutine may read it.
type cachedGlyph struct {
	dr   image.Rectangle
	mask *image.Alpha
	adv  fixed.Int26_6
	ok   bool
}

// glyphCache is shared by every face of one size and weight, so a renderer that asks for a fresh
// face per page still pays for each glyph once.
type glyphCache struct {
	mu    sync.RWMutex
	m     map[glyphKey]*cachedGlyph
	bytes int
}

func (c *glyphCache) get(k glyphKey) *cachedGlyph {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[k]
}

func (c *glyphCache) put(k glyphKey, g *cachedGlyph) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(g.mask.Pix) + 64
	if c.bytes+n > maxCacheBytes {
		c.m = make(map[glyphKey]*cachedGlyph)
		c.bytes = 0
	}
	c.m[k] = g
	c.bytes += n
}

type cacheKey struct {
	px   float64
	bold bool
}

var (
	cachesMu sync.Mutex
	caches   = map[cacheKey]*glyphCache{}
)

func cacheFor(px float64, bold bool) *glyphCache {
	cachesMu.Lock()
	defer cachesMu.Unlock()
	k := cacheKey{px, bold}
	c := caches[k]
	if c == nil {
		c = &glyphCache{m: make(map[glyphKey]*cachedGlyph)}
		caches[k] = c
	}
	return c
}

// vectorFace wraps an opentype Noto face (which reuses one mask buffer and is not safe for
// concurrent use) with the shared glyph cache and a per-rune fallback to Droid Sans Fallback
// through golang/freetype, then to the Noto Ext B subset.
type vectorFace struct {
	*opentype.Face // Noto: Metrics, Kern (0 whenever a rune is not Noto's), Close
	noto           *opentype.Font
	px             float64
	buf            sfnt.Buffer
	cache          *glyphCache
	nocache        bool // benchmarks only: measure what the cache saves

	// The fallback face is made on first need, so text Noto covers never parses Droid.
	fbTried bool
	fbFont  *truetype.Font
	fb      font.Face

	// The Ext B face (Noto SC Regular, hanzi outside the BMP), likewise made on first need.
	extTried bool
	extFont  *opentype.Font
	ext      *opentype.Face
}

var _ font.Face = (*vectorFace)(nil)

// source says which font draws r.
type source uint8

const (
	srcNoto  source = iota
	srcDroid        // Noto lacks r, Droid has it
	srcExtB         // neither has it, the Ext B subset does (regular weight even in a bold face)
	srcNone         // none: Noto's .notdef box, ok=false
)

func (v *vectorFace) source(r rune) source {
	if i, err := v.noto.GlyphIndex(&v.buf, r); err == nil && i != 0 {
		return srcNoto
	}
	if !v.fbTried {
		v.fbTried = true
		// A broken fallback must not break Noto text: on error, runes Noto lacks stay boxes
		// (and Missing, failing the same way, reports them).
		if f, err := droid(); err == nil {
			v.fbFont = f
			v.fb = truetype.NewFace(f, &truetype.Options{
				Size:    v.px,
				DPI:     72,
				Hinting: font.HintingNone,
				// Our cache holds the glyphs; freetype's own would only cost memory.
				GlyphCacheEntries: 1,
				SubPixelsX:        subpixel,
				SubPixelsY:        1,
			})
		}
	}
	// freetype returns ok for runes the font lacks (glyph 0, .notdef): ask the cmap.
	if v.fbFont != nil && v.fbFont.Index(r) != 0 {
		return srcDroid
	}
	if r < 0x10000 {
		return srcNone // the Ext B subset has only runes outside the BMP
	}
	if !v.extTried {
		v.extTried = true
		if f, err := extB(); err == nil {
			if face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: v.px, DPI: 72, Hinting: font.HintingNone}); err == nil {
				v.extFont, v.ext = f, face.(*opentype.Face)
			}
		}
	}
	if v.extFont != nil {
		if i, err := v.extFont.GlyphIndex(&v.buf, r); err == nil && i != 0 {
			return srcExtB
		}
	}
	return srcNone
}

// Glyph draws from the cache, rasterizing on a miss. dot.Y is rounded to a whole pixel and dot.X
// to 1/subpixel of one. For runes neither font has it returns ok=false with Noto's .notdef box
// (kept by the subsetter), which font.Drawer draws.
func (v *vectorFace) Glyph(dot fixed.Point26_6, r rune) (image.Rectangle, image.Image, image.Point, fixed.Int26_6, bool) {
	const unit = 64 / subpixel
	phase := uint8((dot.X & 63) / unit)
	origin := image.Pt(dot.X.Floor(), dot.Y.Round())
	k := glyphKey{r, phase}
	var g *cachedGlyph
	if !v.nocache {
		g = v.cache.get(k)
	}
	if g == nil {
		g = v.rasterize(r, phase)
		if !v.nocache {
			v.cache.put(k, g)
		}
	}
	return g.dr.Add(origin), g.mask, image.Point{}, g.adv, g.ok
}

func (v *vectorFace) GlyphBounds(r rune) (fixed.Rectangle26_6, fixed.Int26_6, bool) {
	switch v.source(r) {
	case srcDroid:
		return v.fb.GlyphBounds(r)
	case srcExtB:
		return v.ext.GlyphBounds(r)
	}
	return v.Face.GlyphBounds(r)
}

func (v *vectorFace) GlyphAdvance(r rune) (fixed.Int26_6, bool) {
	switch v.source(r) {
	case srcDroid:
		return v.fb.GlyphAdvance(r)
	case srcExtB:
		return v.ext.GlyphAdvance(r)
	}
	return v.Face.GlyphAdvance(r)
}

func (v *vectorFace) rasterize(r rune, phase uint8) *cachedGlyph {
	dot := fixed.Point26_6{X: fixed.Int26_6(phase) * (64 / subpixel)}
	var (
		dr    image.Rectangle
		mask  image.Image
		maskp image.Point
		adv   fixed.Int26_6
		ok    bool
	)
	switch v.source(r) {
	case srcDroid:
		// Both faces put the baseline at dot.Y, so Droid's glyph sits on Noto's line.
		dr, mask, maskp, adv, ok = v.fb.Glyph(dot, r)
		if !ok { // an empty outline: advance, draw nothing
			adv, _ = v.fb.GlyphAdvance(r)
			dr, mask, ok = image.Rectangle{}, nil, true
		}
	case srcExtB:
		// The same font design and metrics as the main subset: same baseline.
		dr, mask, maskp, adv, ok = v.ext.Glyph(dot, r)
	default:
		dr, mask, maskp, adv, ok = v.Face.Glyph(dot, r)
	}
	// Both faces reuse their mask buffer on the next call: copy.
	m := image.NewAlpha(image.Rect(0, 0, dr.Dx(), dr.Dy()))
	if src, isAlpha := mask.(*image.Alpha); isAlpha {
		for y := range dr.Dy() {
			copy(m.Pix[y*m.Stride:][:dr.Dx()], src.Pix[src.PixOffset(maskp.X, maskp.Y+y):][:dr.Dx()])
		}
	} else if mask != nil {
		for y := range dr.Dy() {
			for x := range dr.Dx() {
				_, _, _, a := mask.At(maskp.X+x, maskp.Y+y).RGBA()
				m.Pix[y*m.Stride+x] = uint8(a >> 8)
			}
		}
	}
	return &cachedGlyph{dr: dr, mask: m, adv: adv, ok: ok}
}
