package fonts

import (
	"image"
	"image/draw"
	"sync"

	"github.com/go-text/typesetting/di"
	gtfont "github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/fontscan"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"github.com/golang/freetype/raster"
	"golang.org/x/image/font"
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

// Shaper is a face that lays out whole strings: go-text segments the text, picks a font for each
// rune from the fallback chain and shapes each run. Vector faces are Shapers; pixel faces, whose
// glyphs are one cell per rune, are not.
type Shaper interface {
	font.Face
	// Advance is the width of s as DrawString draws it.
	Advance(s string) fixed.Int26_6
	// DrawString draws s with its baseline origin at dot and returns the dot after it.
	DrawString(dst draw.Image, dot fixed.Point26_6, src image.Image, s string) fixed.Point26_6
}

// source says which font of the chain draws a rune.
type source uint8

const (
	srcNoto  source = iota
	srcDroid        // Noto lacks r, Droid has it
	srcExtB         // neither has it, the Ext B subset does (regular weight even in a bold face)
	srcNone         // none: Noto's .notdef box, ok=false
)

type glyphKey struct {
	src   source
	gid   sfnt.GlyphIndex
	phase uint8
}

// cachedGlyph is a rasterized glyph with dr relative to the integer dot. mask is owned by the
// cache and never written after insertion, so any goroutine may read it.
type cachedGlyph struct {
	dr   image.Rectangle
	mask *image.Alpha
	adv  fixed.Int26_6
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

// chain is the fallback order of one weight: Noto, Droid, Noto Ext B. Its go-text FontMap is
// shared by all faces of that weight and not safe for concurrent use, hence mu; faces remember
// its answers per rune, so the lock is taken once per new rune per face.
type chain struct {
	mu    sync.Mutex
	fonts [srcNone]*otFont // fallbacks nil until first needed, or when they failed to load
	fm    *fontscan.FontMap
	added [srcNone]*gtfont.Face // the faces fm holds, to map its answer back to a source
	want  gtfont.Description
	// fallbacks is set once Droid and Ext B are in fm. Until then every rune Noto has is
	// Noto's (fontscan answers the queried family first) and no fallback is parsed.
	fallbacks bool
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

var chains = [2]func() (*chain, error){
	lazy(func() (*chain, error) { return newChain(false) }),
	lazy(func() (*chain, error) { return newChain(true) }),
}

func chainFor(isBold bool) (*chain, error) {
	if isBold {
		return chains[1]()
	}
	return chains[0]()
}

func newChain(isBold bool) (*chain, error) {
	main := regular
	if isBold {
		main = bold
	}
	noto, err := main()
	if err != nil {
		return nil, err
	}
	gt, err := noto.gt()
	if err != nil {
		return nil, err
	}
	c := &chain{fm: fontscan.NewFontMap(quietLogger{}), want: gt.Describe()}
	c.want.Aspect.SetDefaults()
	c.add(srcNoto, noto, gt)
	c.fm.SetQuery(fontscan.Query{Families: []string{c.want.Family}, Aspect: c.want.Aspect})
	return c, nil
}

// add gives fm one more font, in priority order: fontscan tries manually added faces in the
// order they were added. c.mu held (or c not yet shared).
func (c *chain) add(s source, f *otFont, gt *gtfont.Font) {
	face := gtfont.NewFace(gt)
	md := gt.Describe()
	// The fallbacks have no bold: declare them in the weight asked for, or fontscan's CSS
	// matching would drop them from a bold chain and box the rare names.
	md.Aspect = c.want.Aspect
	c.fm.AddFace(face, fontscan.Location{File: f.name}, md)
	c.fonts[s], c.added[s] = f, face
}

// addFallbacks loads Droid and Ext B into fm. A broken fallback must not break Noto text: its
// runes stay boxes, and Missing, failing the same way, reports them. c.mu held.
func (c *chain) addFallbacks() {
	c.fallbacks = true
	for _, fb := range []struct {
		s    source
		load func() (*otFont, error)
	}{{srcDroid, droid}, {srcExtB, extB}} {
		f, err := fb.load()
		if err != nil {
			continue
		}
		if gt, err := f.gt(); err == nil {
			c.add(fb.s, f, gt)
		}
	}
}

// resolve asks go-text's fallback which font draws r.
func (c *chain) resolve(r rune) source {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.fallbacks {
		if _, ok := c.added[srcNoto].NominalGlyph(r); ok {
			return srcNoto
		}
		c.addFallbacks()
	}
	face := c.fm.ResolveFace(r)
	for i, f := range c.added {
		if f != nil && f == face {
			if _, ok := f.NominalGlyph(r); ok {
				return source(i)
			}
		}
	}
	// fontscan returns some face even when none covers r.
	return srcNone
}

// font is the font of source s; nil if it is not loaded.
func (c *chain) font(s source) *otFont {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fonts[s]
}

// vectorFace draws the chain at one size. Everything mutable (go-text faces with their caches,
// the shaper, the rasterizer) is per face; rasterized glyphs are shared through cache.
type vectorFace struct {
	ch      *chain
	px      float64
	ppem    fixed.Int26_6
	metrics font.Metrics
	cache   *glyphCache
	nocache bool // benchmarks only: measure what the cache saves

	buf    sfnt.Buffer
	src    map[rune]source
	fonts  [srcNone]*otFont
	gt     [srcNone]*gtfont.Face
	seg    shaping.Segmenter
	shaper shaping.HarfbuzzShaper
	runes  []rune
	ras    *raster.Rasterizer
}

var _ Shaper = (*vectorFace)(nil)

func newVectorFace(ch *chain, px float64, isBold bool) *vectorFace {
	v := &vectorFace{
		ch:    ch,
		px:    px,
		ppem:  fixed.Int26_6(px * 64),
		cache: cacheFor(px, isBold),
		src:   make(map[rune]source),
		ras:   raster.NewRasterizer(0, 0),
	}
	v.metrics, _ = ch.font(srcNoto).sf.Metrics(&v.buf, v.ppem, font.HintingNone)
	return v
}

// sf is the outline font of s. Only called for sources resolve has returned, so loaded.
func (v *vectorFace) sf(s source) *sfnt.Font {
	if v.fonts[s] == nil {
		v.fonts[s] = v.ch.font(s)
	}
	return v.fonts[s].sf
}

// gtFace is this face's own go-text face of s: go-text faces cache per glyph and are not safe
// to share between goroutines.
func (v *vectorFace) gtFace(s source) *gtfont.Face {
	if v.gt[s] == nil {
		gt, _ := v.ch.font(s).gt() // loaded by resolve already
		v.gt[s] = gtfont.NewFace(gt)
	}
	return v.gt[s]
}

func (v *vectorFace) source(r rune) source {
	if s, ok := v.src[r]; ok {
		return s
	}
	s := v.ch.resolve(r)
	v.src[r] = s
	return s
}

// glyphOf is the font and glyph that draw r alone; a rune no font has is Noto's .notdef.
func (v *vectorFace) glyphOf(r rune) (source, sfnt.GlyphIndex, bool) {
	s := v.source(r)
	if s == srcNone {
		return srcNoto, 0, false
	}
	i, err := v.sf(s).GlyphIndex(&v.buf, r)
	if err != nil {
		return srcNoto, 0, false
	}
	return s, i, true
}

func (v *vectorFace) Close() error { return nil }

func (v *vectorFace) Metrics() font.Metrics { return v.metrics }

// Kern is 0: the shaper applies the fonts' GPOS kerning in Advance and DrawString.
func (v *vectorFace) Kern(r0, r1 rune) fixed.Int26_6 { return 0 }

// Glyph draws from the cache, rasterizing on a miss. dot.Y is rounded to a whole pixel and dot.X
// to 1/subpixel of one. For runes no font has it returns ok=false with Noto's .notdef box, which
// font.Drawer draws.
func (v *vectorFace) Glyph(dot fixed.Point26_6, r rune) (image.Rectangle, image.Image, image.Point, fixed.Int26_6, bool) {
	s, gid, ok := v.glyphOf(r)
	dr, mask, adv := v.glyph(dot, s, gid)
	return dr, mask, image.Point{}, adv, ok
}

func (v *vectorFace) glyph(dot fixed.Point26_6, s source, gid sfnt.GlyphIndex) (image.Rectangle, *image.Alpha, fixed.Int26_6) {
	const unit = 64 / subpixel
	phase := uint8((dot.X & 63) / unit)
	origin := image.Pt(dot.X.Floor(), dot.Y.Round())
	k := glyphKey{s, gid, phase}
	var g *cachedGlyph
	if !v.nocache {
		g = v.cache.get(k)
	}
	if g == nil {
		g = v.rasterize(k)
		if !v.nocache {
			v.cache.put(k, g)
		}
	}
	return g.dr.Add(origin), g.mask, g.adv
}

func (v *vectorFace) GlyphBounds(r rune) (fixed.Rectangle26_6, fixed.Int26_6, bool) {
	s, gid, ok := v.glyphOf(r)
	b, adv, err := v.sf(s).GlyphBounds(&v.buf, gid, v.ppem, font.HintingNone)
	return b, adv, ok && err == nil
}

func (v *vectorFace) GlyphAdvance(r rune) (fixed.Int26_6, bool) {
	s, gid, ok := v.glyphOf(r)
	adv, err := v.sf(s).GlyphAdvance(&v.buf, gid, v.ppem, font.HintingNone)
	return adv, ok && err == nil
}

// rasterize fills the glyph's integer outline with freetype's fixed-point rasterizer. Unlike
// x/image/vector's float32 path, nothing here can be contracted into FMA instructions, so an
// arm64 board draws exactly the bytes the amd64 tests expect.
func (v *vectorFace) rasterize(k glyphKey) *cachedGlyph {
	f := v.sf(k.src)
	adv, _ := f.GlyphAdvance(&v.buf, k.gid, v.ppem, font.HintingNone)
	segs, err := f.LoadGlyph(&v.buf, k.gid, v.ppem, nil)
	empty := &cachedGlyph{mask: image.NewAlpha(image.Rectangle{}), adv: adv}
	if err != nil || len(segs) == 0 {
		return empty
	}
	dx := fixed.Int26_6(k.phase) * (64 / subpixel)
	lo := fixed.Point26_6{X: 1 << 30, Y: 1 << 30}
	hi := fixed.Point26_6{X: -1 << 30, Y: -1 << 30}
	for _, s := range segs {
		for _, p := range s.Args[:argCount(s.Op)] {
			lo.X, lo.Y = min(lo.X, p.X), min(lo.Y, p.Y)
			hi.X, hi.Y = max(hi.X, p.X), max(hi.Y, p.Y)
		}
	}
	dr := image.Rect((lo.X + dx).Floor(), lo.Y.Floor(), (hi.X + dx).Ceil(), hi.Y.Ceil())
	if dr.Empty() {
		return empty
	}
	shift := fixed.Point26_6{X: dx - fixed.I(dr.Min.X), Y: -fixed.I(dr.Min.Y)}
	v.ras.SetBounds(dr.Dx(), dr.Dy())
	v.ras.Clear()
	// freetype's rasterizer does not close contours; sfnt's outlines rely on it.
	var start, pen fixed.Point26_6
	open := false
	closeContour := func() {
		if open && pen != start {
			v.ras.Add1(start)
		}
	}
	for _, s := range segs {
		a := s.Args
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			closeContour()
			start, pen, open = a[0].Add(shift), a[0].Add(shift), true
			v.ras.Start(start)
		case sfnt.SegmentOpLineTo:
			pen = a[0].Add(shift)
			v.ras.Add1(pen)
		case sfnt.SegmentOpQuadTo:
			pen = a[1].Add(shift)
			v.ras.Add2(a[0].Add(shift), pen)
		case sfnt.SegmentOpCubeTo:
			pen = a[2].Add(shift)
			v.ras.Add3(a[0].Add(shift), a[1].Add(shift), pen)
		}
	}
	closeContour()
	mask := image.NewAlpha(image.Rect(0, 0, dr.Dx(), dr.Dy()))
	v.ras.Rasterize(raster.NewAlphaSrcPainter(mask))
	return &cachedGlyph{dr: dr, mask: mask, adv: adv}
}

func argCount(op sfnt.SegmentOp) int {
	switch op {
	case sfnt.SegmentOpQuadTo:
		return 2
	case sfnt.SegmentOpCubeTo:
		return 3
	}
	return 1
}

// faceMap lets go-text's segmenter ask this face's per-rune memory of the chain's fallback.
type faceMap struct{ v *vectorFace }

func (m faceMap) ResolveFace(r rune) *gtfont.Face {
	s := m.v.source(r)
	if s == srcNone {
		s = srcNoto
	}
	return m.v.gtFace(s)
}

// shape segments s into runs of one script and one font and shapes each, calling fn with every
// glyph in visual order.
func (v *vectorFace) shape(s string, fn func(src source, g *shaping.Glyph)) {
	v.runes = v.runes[:0]
	for _, r := range s {
		v.runes = append(v.runes, r)
	}
	if len(v.runes) == 0 {
		return
	}
	in := shaping.Input{
		Text:      v.runes,
		RunEnd:    len(v.runes),
		Direction: di.DirectionLTR,
		Size:      v.ppem,
		Script:    language.Han,
		Language:  zhHans,
	}
	for _, run := range v.seg.Split(in, faceMap{v}) {
		out := v.shaper.Shape(run)
		src := srcNoto
		for i, f := range v.gt {
			if f == run.Face {
				src = source(i)
			}
		}
		for i := range out.Glyphs {
			fn(src, &out.Glyphs[i])
		}
	}
}

var zhHans = language.NewLanguage("zh-Hans")

func (v *vectorFace) Advance(s string) fixed.Int26_6 {
	var w fixed.Int26_6
	v.shape(s, func(_ source, g *shaping.Glyph) { w += g.Advance })
	return w
}

func (v *vectorFace) DrawString(dst draw.Image, dot fixed.Point26_6, src image.Image, s string) fixed.Point26_6 {
	v.shape(s, func(fs source, g *shaping.Glyph) {
		at := fixed.Point26_6{X: dot.X + g.XOffset, Y: dot.Y - g.YOffset}
		dr, mask, _ := v.glyph(at, fs, sfnt.GlyphIndex(g.GlyphID))
		if !dr.Empty() {
			draw.DrawMask(dst, dr, src, image.Point{}, mask, image.Point{}, draw.Over)
		}
		dot.X += g.Advance
	})
	return dot
}
