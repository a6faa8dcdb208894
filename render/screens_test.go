package render

import (
	"bytes"
	"image"
	"testing"
	"time"
)

// TV pages hold no pixels; Frame draws them through a cache of a few
// screens and must show exactly what the page is, in any order, with more
// pages than screens, and prepare the next page ahead.
func TestTVScreenCache(t *testing.T) {
	v := sampleVillage()
	r := mustRenderer(t, "tv", "1280x720")
	var pages []*Page
	for _, it := range v.Items {
		ps, err := r.Item(v, it)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, ps...)
	}
	if len(pages) <= screenSlots {
		t.Fatalf("%d pages: want more than %d screens", len(pages), screenSlots)
	}
	want := make([]*image.RGBA, len(pages))
	for i, p := range pages {
		if p.Image != nil {
			t.Fatalf("TV page %d holds an Image", i)
		}
		want[i] = pageImage(p)
	}
	dst := image.NewRGBA(image.Rect(0, 0, 1280, 720))
	clk := image.Rect(0, 0, 5*r.clock.cw, r.clock.ch)
	check := func(i int) {
		t.Helper()
		p := pages[i]
		p.Frame(dst, time.Second)
		c := clk.Add(p.clockAt)
		for y := 0; y < 720; y++ {
			row := dst.Pix[y*dst.Stride : (y+1)*dst.Stride]
			w := want[i].Pix[y*dst.Stride : (y+1)*dst.Stride]
			if y >= c.Min.Y && y < c.Max.Y {
				// The clock is stamped over the band: compare around it.
				if !bytes.Equal(row[:c.Min.X*4], w[:c.Min.X*4]) || !bytes.Equal(row[c.Max.X*4:], w[c.Max.X*4:]) {
					t.Fatalf("page %d (%s): row %d differs from its layout", i, p.Item, y)
				}
				continue
			}
			if !bytes.Equal(row, w) {
				t.Fatalf("page %d (%s): row %d differs from its layout", i, p.Item, y)
			}
		}
	}
	// Twice round the playlist, then backwards.
	for range 2 {
		for i := range pages {
			check(i)
		}
	}
	for i := len(pages) - 1; i >= 0; i-- {
		check(i)
	}
	for i := range pages {
		check(i)
	}
	// After a round forwards, the page after the one on screen is prepared ahead
	// (the item's next page, or the playlist's, learnt while playing).
	for i := range pages {
		check(i)
		next := pages[(i+1)%len(pages)]
		deadline := time.Now().Add(10 * time.Second)
		for {
			c := &r.screens
			c.mu.Lock()
			j := c.lookup(next)
			ok := j >= 0 && c.slots[j].ready
			c.mu.Unlock()
			if ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("page %d: page %d not prepared ahead", i, (i+1)%len(pages))
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// LED pages hold no strip either: Frame draws them through the same cache,
// the pan and the pinned header as from the whole strip, and a Frame of the
// page on screen allocates nothing.
func TestLEDStripCache(t *testing.T) {
	for _, size := range []string{"128x64", "384x192"} {
		pages := allPages(t, "led-rgb", size)
		if len(pages) <= screenSlots {
			t.Fatalf("%d pages: want more than %d strips", len(pages), screenSlots)
		}
		want := make([]*image.RGBA, len(pages))
		for i, p := range pages {
			if p.Image != nil || p.paint == nil {
				t.Fatalf("%s page %d (%s): not lazy", size, i, p.Item)
			}
			want[i] = p.Strip()
		}
		w, h := pages[0].r.p.Width, pages[0].r.p.Height
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		check := func(i int, tt time.Duration) {
			t.Helper()
			p, s := pages[i], want[i]
			p.Frame(dst, tt)
			off := p.offset(tt)
			for y := range h {
				sy := off + y
				if p.stickyH > 0 && off > p.stickyY && y < p.stickyH {
					sy = p.stickyY + y
				}
				if !bytes.Equal(dst.Pix[y*dst.Stride:(y+1)*dst.Stride], s.Pix[sy*s.Stride:(sy+1)*s.Stride]) {
					t.Fatalf("%s page %d (%s) at %v: row %d differs from its strip", size, i, p.Item, tt, y)
				}
			}
		}
		for range 2 {
			for i, p := range pages {
				check(i, 0)
				check(i, p.pauseTop+p.scroll/2)
				check(i, p.Duration())
			}
		}
		for i := len(pages) - 1; i >= 0; i-- {
			check(i, pages[i].Duration())
		}
		p := pages[len(pages)-1]
		p.Frame(dst, 0)
		settle(p)
		tt := time.Duration(0)
		if n := steadyAllocs(100, func() { p.Frame(dst, tt); tt += 40 * time.Millisecond }); n != 0 {
			t.Errorf("%s: LED Frame allocates %v times in steady state", size, n)
		}
	}
}

// Marquees hold no strip either: Frame draws one cycle through the same
// cache, wraps round it as before, and allocates nothing once drawn.
func TestMarqueeStripCache(t *testing.T) {
	pages := allPages(t, "led-rgb", "192x16")
	if len(pages) <= screenSlots {
		t.Fatalf("%d pages: want more than %d strips", len(pages), screenSlots)
	}
	want := make([]*image.RGBA, len(pages))
	for i, p := range pages {
		if p.Image != nil || p.paint == nil || p.speed == 0 {
			t.Fatalf("page %d (%s): not a lazy marquee", i, p.Item)
		}
		want[i] = p.Strip()
	}
	w, h := 192, 16
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	check := func(i int, tt time.Duration) {
		t.Helper()
		p, s := pages[i], want[i]
		p.Frame(dst, tt)
		off, cycle := p.marqueeOffset(tt), s.Rect.Dx()
		for y := range h {
			for x := range w {
				if dst.RGBAAt(x, y) != s.RGBAAt((off+x)%cycle, y) {
					t.Fatalf("page %d (%s) at %v: pixel (%d,%d) differs from its strip", i, p.Item, tt, x, y)
				}
			}
		}
	}
	for range 2 {
		for i, p := range pages {
			check(i, 0)
			check(i, p.Duration()/2)
			check(i, p.Duration())
			// The strip's end and start on screen at once.
			check(i, p.pauseTop+time.Duration(p.stripW-w/2)*time.Second/time.Duration(p.speed))
		}
	}
	for i := len(pages) - 1; i >= 0; i-- {
		check(i, pages[i].Duration())
	}
	p := pages[len(pages)-1]
	p.Frame(dst, 0)
	settle(p)
	tt := time.Duration(0)
	if n := steadyAllocs(100, func() { p.Frame(dst, tt); tt += 40 * time.Millisecond }); n != 0 {
		t.Errorf("marquee Frame allocates %v times in steady state", n)
	}
}
