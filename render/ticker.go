package render

import (
	"image"
	"strings"
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
	strip  *image.RGBA // one cycle: the text, then a gap, on the band colour
	bgRow  []byte      // one screen row of band colour
	top    int         // band top on screen; the band runs to the bottom edge
	textY  int         // strip top on screen
	speed  int64       // px per second
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
	strip := image.NewRGBA(image.Rect(0, 0, cycle, f.lineH))
	fillRect(strip, strip.Rect, bg)
	f.draw(strip, 0, 0, text, th.tickerText)
	t := &Ticker{strip: strip, top: r.tickTop(), urgent: urgent,
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
	off, cycle := t.offset(now), t.strip.Rect.Dx()
	for r := 0; r < t.strip.Rect.Dy() && t.textY+r < b.Dy(); r++ {
		do := dst.PixOffset(b.Min.X, b.Min.Y+t.textY+r)
		so := t.strip.PixOffset(0, r)
		src := t.strip.Pix[so : so+cycle*4]
		for x, sx := 0, off; x < w; sx = 0 {
			n := min(w-x, cycle-sx)
			copy(dst.Pix[do+x*4:do+(x+n)*4], src[sx*4:(sx+n)*4])
			x += n
		}
	}
}
