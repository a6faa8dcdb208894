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
