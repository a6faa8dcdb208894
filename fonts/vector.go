package fonts

import (
	"image"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
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

// vectorFace wraps an opentype face (which reuses one mask buffer and is not safe for concurrent
// use) with the shared glyph cache.
type vectorFace struct {
	*opentype.Face // Metrics, Kern, GlyphBounds, GlyphAdvance, Close: no rasterization
	cache          *glyphCache
	nocache        bool // benchmarks only: measure what the cache saves
}

var _ font.Face = (*vectorFace)(nil)

// Glyph draws from the cache, rasterizing on a miss. dot.Y is rounded to a whole pixel and dot.X
// to 1/subpixel of one. For runes Noto lacks it returns ok=false with the font's .notdef box
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

func (v *vectorFace) rasterize(r rune, phase uint8) *cachedGlyph {
	dot := fixed.Point26_6{X: fixed.Int26_6(phase) * (64 / subpixel)}
	dr, mask, maskp, adv, ok := v.Face.Glyph(dot, r)
	// The opentype face reuses its mask buffer on the next call: copy.
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
