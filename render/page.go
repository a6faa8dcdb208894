package render

import (
	"image"
	"image/draw"
	"time"

	"github.com/sunboard/sunboard/content"
)

// Page is one laid-out page and how it moves on screen.
type Page struct {
	Item string // content item ID ("" for idle)
	// Image is nil: every page is lazy. TV pages, the scrolled LED pages
	// (board width x content height, scrolled up) and the marquees of
	// single-line LED boards (one cycle x board height, scrolled left)
	// keep only their layout and are drawn on demand into their Renderer's
	// small cache of screens and strips (see Frame and Prepare), so a
	// village of hundreds of pages does not hold hundreds of full screens
	// or tall strips. Use Frame to get a page's pixels on screen, Strip
	// for the whole of an LED page (all it scrolls through).
	Image *image.RGBA

	// Lazy pages (TV, LED, marquee): paint draws the whole screen or strip
	// (without clock and crawl) into dst; r owns the cache; next is the
	// item's following page, after the page Frame last showed after this
	// one (the playlist's order, learnt while playing), both prepared
	// ahead.
	paint func(dst *image.RGBA)
	// paintAt, on TV pages that pan (photo pages), draws one screen as
	// Frame shows it at scroll offset off (without clock and crawl)
	// straight into dst, so that stills need neither the strip nor a slot
	// of the cache.
	paintAt func(dst *image.RGBA, off int)
	// stripH is a lazy LED page's strip height (content height, at least
	// the board's), or a TV photo page's when the photo is taller than its
	// window (photo_page.go); 0 on other TV pages, where paint draws one
	// screen.
	stripH int
	// stripW is a marquee's strip width (one cycle: text and gap); 0
	// otherwise, where paint draws the board's width.
	stripW int
	r      *Renderer
	next   *Page
	after  *Page

	view             int // viewport height: the board's height
	pauseTop, scroll time.Duration
	pauseBottom      time.Duration
	// stickyY/stickyH: rows of the strip (a table header) that stay pinned at the
	// top once scrolled past, like CSS position: sticky.
	stickyY, stickyH int
	// footH: the strip's last rows stay pinned at the bottom of the screen
	// (a TV photo page's foot, under the crawl, so that the photo never
	// pans outside the title-safe area).
	footH int

	// photos are the rectangles of the strip holding photos: the only pixels of
	// an LED page allowed outside its palette.
	photos []image.Rectangle

	clockAt image.Point // top-left of HH:MM; clock == nil when no clock
	clock   *clockFont
	now     func() time.Time
	ticker  *Ticker
	// speed is a marquee's px/s (single-line LED boards): the strip (one
	// cycle, stripW wide) is moved right to left. 0 otherwise.
	speed int64
}

// Duration is how long the page stays on screen: reading time from the
// amount of text (a 70-year-old reads ~150 hanzi/min at a distance), for LED
// including the scroll (pause at top, ~1 line per 1.5 s, pause at bottom).
// A TV photo page's follows from its pan alone (photo_page.go): pause at
// the top, 3 s a window height, pause at the bottom.
func (p *Page) Duration() time.Duration { return p.pauseTop + p.scroll + p.pauseBottom }

// SetClock sets where the TV clock reads the time; the default is time.Now.
// The clock shows China time whatever the board's TZ.
func (p *Page) SetClock(now func() time.Time) { p.now = now }

// scrollPx is how far the page scrolls.
func (p *Page) scrollPx() int {
	h := p.stripH
	if p.Image != nil {
		h = p.Image.Rect.Dy()
	}
	if d := h - p.view; h > 0 && d > 0 {
		return d
	}
	return 0 // TV: one screen (a photo page that fits)
}

// size is the size of what paint draws: the strip on LED, one cycle of a
// marquee, a screen on TV.
func (p *Page) size() image.Rectangle {
	w, h := p.r.p.Width, p.r.p.Height
	if p.stripH > 0 {
		h = p.stripH
	}
	if p.stripW > 0 {
		w = p.stripW
	}
	return image.Rect(0, 0, w, h)
}

// Strip returns the page's whole content without clock or crawl: an LED
// page's strip (board width x content height, all it scrolls through), a
// marquee's one cycle, a TV page's screen (a photo page's first: its
// pan is Frame's). For operators' stills (PNGs) and tests, not for
// playing: the page is drawn into a new image on each call, which the
// caller owns.
func (p *Page) Strip() *image.RGBA {
	if p.Image != nil || p.paint == nil {
		return p.Image
	}
	if p.paintAt != nil {
		img := image.NewRGBA(image.Rect(0, 0, p.r.p.Width, p.r.p.Height))
		p.r.mu.Lock()
		p.paintAt(img, 0)
		p.r.mu.Unlock()
		return img
	}
	img := image.NewRGBA(p.size())
	p.r.mu.Lock() // faces are not safe for concurrent use
	p.paint(img)
	p.r.mu.Unlock()
	return img
}

// offset is the scroll position t after the page started, in whole pixels
// so LED text moves in 1-px steps.
func (p *Page) offset(t time.Duration) int {
	n := p.scrollPx()
	if n == 0 || t <= p.pauseTop {
		return 0
	}
	t -= p.pauseTop
	if t >= p.scroll {
		return n
	}
	return int(int64(n) * int64(t) / int64(p.scroll))
}

// Frame draws into dst (the display's size, at dst.Bounds().Min) the frame
// shown t after the page started. It does not allocate: rows are copied
// with copy() and the clock is stamped from a pre-rendered atlas.
func (p *Page) Frame(dst *image.RGBA, t time.Duration) {
	if p.speed > 0 {
		p.frameMarquee(dst, t)
		return
	}
	b := dst.Rect
	src := p.Image
	slot := -1
	if p.paint != nil {
		slot, src = p.r.screens.acquire(p)
		defer p.r.screens.release(slot)
	}
	w := min(b.Dx(), src.Rect.Dx())
	off := p.offset(t)
	foot := b.Dy() - p.footH
	for r := 0; r < b.Dy(); r++ {
		sy := off + r
		switch {
		case p.stickyH > 0 && off > p.stickyY && r < p.stickyH:
			sy = p.stickyY + r
		case p.footH > 0 && r >= foot:
			sy = src.Rect.Dy() - b.Dy() + r
		}
		do := dst.PixOffset(b.Min.X, b.Min.Y+r)
		drow := dst.Pix[do : do+b.Dx()*4]
		if sy >= src.Rect.Dy() {
			clear(drow)
			continue
		}
		so := src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y+sy)
		copy(drow, src.Pix[so:so+w*4])
		clear(drow[w*4:])
	}
	p.overlay(dst)
}

// Changed is the part of a display at bounds in which Frame at t can
// differ from Frame at prev of this page into the same image: the clock
// and the crawl while the page itself stands still, all of it when it has
// scrolled (or is a marquee). A display that must convert every pixel it
// is given (an RGB565 framebuffer) converts only that. Two rectangles,
// not their union: the clock is in the top band, the crawl at the bottom.
func (p *Page) Changed(bounds image.Rectangle, prev, t time.Duration) [2]image.Rectangle {
	if p.speed > 0 || p.offset(prev) != p.offset(t) {
		return [2]image.Rectangle{bounds}
	}
	var d [2]image.Rectangle
	if p.clock != nil {
		d[0] = image.Rectangle{Min: p.clockAt, Max: p.clockAt.Add(image.Pt(5*p.clock.cw, p.clock.ch))}.Add(bounds.Min).Intersect(bounds)
	}
	if p.ticker != nil {
		d[1] = image.Rect(bounds.Min.X, bounds.Min.Y+p.ticker.top, bounds.Max.X, bounds.Max.Y).Intersect(bounds)
	}
	return d
}

// Still draws into dst (the display's size, at dst.Bounds().Min) the
// page's first frame, as Frame(dst, 0), for operators' stills: a TV page
// is painted straight into dst rather than through the Renderer's cache
// of screens, which for pages drawn once each would only hold (and
// prepare in the background) screens nobody shows again: 3 × 8 MB at
// 1080p. A photo page paints its first screen likewise, not its strip
// (21 MB at 1080p), and resamples only the photo rows that screen shows.
func (p *Page) Still(dst *image.RGBA) {
	screen := p.paint != nil && p.speed == 0 && dst.Rect.Min == (image.Point{}) &&
		dst.Rect.Size() == image.Pt(p.r.p.Width, p.r.p.Height)
	switch {
	case screen && p.paintAt != nil:
		p.r.mu.Lock()
		p.paintAt(dst, 0)
		p.r.mu.Unlock()
	case screen && p.stripH == 0:
		p.r.mu.Lock() // faces are not safe for concurrent use
		p.paint(dst)
		p.r.mu.Unlock()
	default:
		p.Frame(dst, 0)
		return
	}
	p.overlay(dst)
}

// overlay stamps the clock and draws the crawl, at the page's clock.
func (p *Page) overlay(dst *image.RGBA) {
	if p.clock == nil && p.ticker == nil {
		return
	}
	b := dst.Rect
	now := time.Now
	if p.now != nil {
		now = p.now
	}
	t0 := now()
	if p.clock != nil {
		p.clock.stamp(dst, b.Min.Add(p.clockAt), t0.In(content.ChinaTime))
	}
	if p.ticker != nil {
		p.ticker.draw(dst, t0)
	}
}

// clockFont is HH:MM glyphs pre-rendered on a transparent background, all
// in cells of one width so the clock never jitters.
type clockFont struct {
	cells  *image.RGBA // 11 cells: 0-9 and ':'
	cw, ch int
}

func (c *clockFont) stamp(dst *image.RGBA, at image.Point, now time.Time) {
	h, m := now.Hour(), now.Minute()
	idx := [5]int{h / 10, h % 10, 10, m / 10, m % 10}
	for i, g := range idx {
		r := image.Rect(0, 0, c.cw, c.ch).Add(at).Add(image.Pt(i*c.cw, 0))
		draw.Draw(dst, r, c.cells, image.Pt(g*c.cw, 0), draw.Over)
	}
}
