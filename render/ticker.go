package render

import (
	"encoding/binary"
	"image"
	"image/color"
	"strings"
	"sync"
	"time"

	"github.com/sunboard/sunboard/content"
)

// tickerSpeed is the crawl speed at 720 lines: about 4 hanzi a second at
// 30 px, which older viewers can follow; faster crawls blur on 50i.
const tickerSpeed = 120

// tickerEpoch fixes the crawl phase: the offset is a function of the page
// clock alone, so the crawl runs on seamlessly when the page changes.
var tickerEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, content.ChinaTime)

// Ticker is a crawl line along the bottom of TV pages, rendered once.
type Ticker struct {
	// strip is one cycle, the text then a gap on the band colour, as
	// indices into lut (RGBA in memory order): anti-aliased text in one
	// colour on another has at most 256 colours, and a crawl of a 100-item
	// village's titles at 1080p is ~80,000 px long: 14 MB as RGBA.
	strip *image.Paletted
	lut   *[256]uint32
	// mu guards win, the strip expanded to RGBA from column winX on (wrapping
	// round the cycle), screen width plus tickerAhead: frames copy rows
	// from it and it is refilled when the crawl runs past it.
	mu     sync.Mutex
	win    *image.RGBA
	winX   int
	bgRow  []byte // one screen row of band colour
	top    int    // band top on screen; the band runs to the bottom edge
	textY  int    // strip top on screen
	speed  int64  // px per second
	urgent bool
}

// Ticker lays out text as a crawl; nil for LED profiles (they have no room) or empty text.
func (r *Renderer) Ticker(text string) *Ticker {
	text = strings.Join(strings.Fields(text), " ")
	if r.led() || text == "" {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	th, f := r.th, r.tick
	urgent := strings.HasPrefix(text, "紧急")
	bg := th.ticker
	if urgent {
		bg = th.urgentTicker
	}
	// The gap between repeats is several hanzi wide so the end of the
	// message is not read into its start.
	gap := 4 * f.width("中")
	cycle := f.width(text) + gap
	// A crawl shorter than the screen would show two copies at once, which
	// reads as a stutter: pad the cycle to the screen width.
	cycle = max(cycle, r.p.Width)
	strip, lut := paletteStrip(cycle, f.lineH, bg, func(tile *image.RGBA, x0 int) {
		f.draw(tile, -x0, 0, text, th.tickerText)
	})
	t := &Ticker{strip: strip, lut: lut, top: r.tickTop(), urgent: urgent,
		speed: int64(max(1, r.px(tickerSpeed)))}
	t.textY = t.top + (r.safe.Max.Y-t.top-f.lineH)/2
	t.bgRow = make([]byte, r.p.Width*4)
	for i := 0; i < len(t.bgRow); i += 4 {
		t.bgRow[i], t.bgRow[i+1], t.bgRow[i+2], t.bgRow[i+3] = bg.R, bg.G, bg.B, bg.A
	}
	return t
}

// tickTop is where the ticker band starts: it is tickH above the bottom of
// the title-safe area, so its text stays inside it while the band colour
// bleeds to the screen's bottom edge, mirroring the header band.
func (r *Renderer) tickTop() int { return r.safe.Max.Y - r.tickH() }

func (r *Renderer) tickH() int { return r.tick.lineH + r.px(8) }

// SetTicker makes Frame draw t along the bottom of the page (nil removes it).
func (p *Page) SetTicker(t *Ticker) { p.ticker = t }

// offset is how far the crawl has moved at now, in whole pixels.
func (t *Ticker) offset(now time.Time) int {
	ms := now.Sub(tickerEpoch).Milliseconds()
	c := int64(t.strip.Rect.Dx())
	o := (ms * t.speed / 1000) % c
	if o < 0 {
		o += c
	}
	return int(o)
}

// draw paints the band and the crawl into dst with copy() only.
func (t *Ticker) draw(dst *image.RGBA, now time.Time) {
	b := dst.Rect
	w := min(b.Dx(), len(t.bgRow)/4)
	for y := t.top; y < b.Dy(); y++ {
		o := dst.PixOffset(b.Min.X, b.Min.Y+y)
		copy(dst.Pix[o:o+w*4], t.bgRow)
	}
	off := t.offset(now)
	t.mu.Lock()
	defer t.mu.Unlock()
	win, d := t.window(off, w)
	for r := 0; r < win.Rect.Dy() && t.textY+r < b.Dy(); r++ {
		do := dst.PixOffset(b.Min.X, b.Min.Y+t.textY+r)
		so := win.PixOffset(d, r)
		copy(dst.Pix[do:do+w*4], win.Pix[so:so+w*4])
	}
}

// tickerAhead is how far past the screen's width the crawl is expanded
// to RGBA at a time: at 1080p's ~180 px/s a refresh every ~11 s.
const tickerAhead = 2048

// window returns the RGBA window and the column in it where the crawl at
// offset off starts, w px of it being on screen; it expands the strip
// from off on again when the crawl has moved past the window. t.mu held.
func (t *Ticker) window(off, w int) (*image.RGBA, int) {
	cycle := t.strip.Rect.Dx()
	if t.win != nil {
		if d := (off - t.winX + cycle) % cycle; d+w <= t.win.Rect.Dx() {
			return t.win, d
		}
	}
	if t.win == nil || t.win.Rect.Dx() < w+tickerAhead {
		t.win = image.NewRGBA(image.Rect(0, 0, w+tickerAhead, t.strip.Rect.Dy()))
	}
	t.winX = off
	for r := range t.win.Rect.Dy() {
		src := t.strip.Pix[r*t.strip.Stride : r*t.strip.Stride+cycle]
		dst := t.win.Pix[r*t.win.Stride : r*t.win.Stride+t.win.Rect.Dx()*4]
		sx := off
		for i := 0; i < len(dst); i += 4 {
			binary.NativeEndian.PutUint32(dst[i:], t.lut[src[sx]])
			if sx++; sx == cycle {
				sx = 0
			}
		}
	}
	return t.win, 0
}

// paletteStrip draws a w×h strip on bg, tile by tile (draw paints the
// tile whose left edge is at x0 of the strip), into one byte a pixel:
// the strip's colours, at most 256, go in the returned lut (RGBA in
// memory order). Any colour beyond 256 takes the nearest one already there.
func paletteStrip(w, h int, bg color.RGBA, draw func(tile *image.RGBA, x0 int)) (*image.Paletted, *[256]uint32) {
	const tileW = 1024
	strip := &image.Paletted{Pix: make([]uint8, w*h), Stride: w, Rect: image.Rect(0, 0, w, h)}
	strip.Palette = color.Palette{bg} // index 0: most of the strip
	index := map[color.RGBA]uint8{bg: 0}
	tile := image.NewRGBA(image.Rect(0, 0, min(w, tileW), h))
	for x0 := 0; x0 < w; x0 += tileW {
		tw := min(tileW, w-x0)
		fillRect(tile, tile.Rect, bg)
		draw(tile, x0)
		for y := range h {
			for x := range tw {
				o := tile.PixOffset(x, y)
				c := color.RGBA{tile.Pix[o], tile.Pix[o+1], tile.Pix[o+2], tile.Pix[o+3]}
				if c == bg {
					strip.Pix[y*w+x0+x] = 0
					continue
				}
				ci, ok := index[c]
				if !ok {
					if len(strip.Palette) < 256 {
						ci = uint8(len(strip.Palette))
						strip.Palette = append(strip.Palette, c)
					} else {
						ci = uint8(strip.Palette.Index(c))
					}
					index[c] = ci
				}
				strip.Pix[y*w+x0+x] = ci
			}
		}
	}
	lut := new([256]uint32)
	for i, c := range strip.Palette {
		c := c.(color.RGBA)
		lut[i] = binary.NativeEndian.Uint32([]byte{c.R, c.G, c.B, c.A})
	}
	return strip, lut
}
