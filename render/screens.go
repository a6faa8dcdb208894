package render

import (
	"image"
	"sync"
)

// TV pages are drawn lazily. Item lays a page out (lines broken, rows
// measured, pages cut) and keeps that layout, not pixels: a full screen is
// 3.7 MB at 720p and 8.3 MB at 1080p, and a 100-item village has ~300
// pages. Frame draws a page into one of a few screen buffers owned by the
// Renderer (the page on screen, the one prepared to follow it, the one
// before) and then only copies rows from it, as before.
//
// Scrolled LED pages are drawn the same way: each is one strip, the
// board's width by its content's height (a 25-row table with its receipts
// is ~0.5 MB at 128x64 and ~4 MB at 384x192, 100 of them did not fit the
// 64 MB a board has to spare). A slot's buffer is reused for any strip
// that fits in it and grows to the tallest strip it has held (bounded by
// maxStripPixels). Marquees (single-line boards) too: one cycle of the
// strip, its width by the board's height (a 25-row table read out is
// ~0.5 MB at 192x16, 100 items held 55 MB).
//
// A TV photo page whose photo is taller than its window pans like an LED
// page: its strip (screen width by header, photo and foot) goes through the
// same slots, with a rule of its own to bound memory (see fill).
//
// Page changes cost no frame: when Frame first shows a page it starts
// drawing, in the background, the page expected next: the item's next
// page, or else the page that followed this one the last time round the
// playlist (learnt by Frame, so the player need not say). A player that
// knows better may call Prepare itself.

// screenSlots is how many screens a Renderer keeps: current, next and
// previous (a page change back, or two displays sharing a Renderer, still
// hit).
const screenSlots = 3

type screen struct {
	p     *Page
	img   *image.RGBA
	ready bool   // drawn; false while being drawn
	pins  int    // Frames copying from img right now
	used  uint64 // LRU clock
}

type screenCache struct {
	mu    sync.Mutex
	cond  sync.Cond
	slots [screenSlots]screen
	clock uint64
	last  *Page // the page Frame showed last
}

// lookup finds p's slot; -1 if none. c.mu held.
func (c *screenCache) lookup(p *Page) int {
	for i := range c.slots {
		if c.slots[i].p == p {
			return i
		}
	}
	return -1
}

// victim picks a slot to draw into: empty first, else the least recently
// used one that is neither being drawn nor read. -1 if none. c.mu held.
func (c *screenCache) victim() int {
	best := -1
	for i := range c.slots {
		s := &c.slots[i]
		if s.p == nil {
			return i
		}
		if !s.ready || s.pins > 0 {
			continue
		}
		if best < 0 || s.used < c.slots[best].used {
			best = i
		}
	}
	return best
}

// fill draws p into slot i, claimed by the caller (c.mu held on entry and
// exit, released while drawing). On LED the slot's buffer is resliced for
// each strip and reallocated only when a strip does not fit (or fits in a
// quarter of it: one very tall strip does not keep its buffer for ever).
// On TV a slot holds a screen, allocated once, or a photo page's strip
// (about 2.6 screens: 9.6 MB at 720p, 21 MB at 1080p). A strip's buffer
// is not kept for the screens after it, and filling a strip first frees
// every other slot but the page on screen: at most two strips (the one
// shown, the one prepared next: an item's vouchers follow each other) and
// never three, which at 1080p would be 64 MB.
func (c *screenCache) fill(i int, p *Page) {
	s := &c.slots[i]
	s.p, s.ready, s.pins = p, false, 0
	c.clock++
	s.used = c.clock
	r := p.r
	rect := p.size()
	n := 4 * rect.Dx() * rect.Dy()
	tv := r.p.Kind == TV
	if tv && p.stripH > 0 {
		c.freeFor(i)
	}
	switch {
	case s.img == nil || cap(s.img.Pix) < n || cap(s.img.Pix) > 4*n && cap(s.img.Pix) > 4<<20 ||
		tv && cap(s.img.Pix) > n+n/4:
		s.img = image.NewRGBA(rect)
	case s.img.Rect != rect:
		s.img = &image.RGBA{Pix: s.img.Pix[:n], Stride: 4 * rect.Dx(), Rect: rect}
	}
	img := s.img
	c.mu.Unlock()
	r.mu.Lock() // faces are not safe for concurrent use
	p.paint(img)
	r.mu.Unlock()
	c.mu.Lock()
	s.ready = true
	c.cond.Broadcast()
}

// freeFor empties every slot but i and the page Frame shows, except
// those being drawn or read, and lets their buffers go. c.mu held.
func (c *screenCache) freeFor(i int) {
	for j := range c.slots {
		s := &c.slots[j]
		if j == i || s.p == nil || s.p == c.last || !s.ready || s.pins > 0 {
			continue
		}
		*s = screen{}
	}
}

// acquire returns p's drawn screen, drawing it first on a miss, pinned so
// that it is not redrawn while Frame copies from it. On a hit it takes one
// mutex and allocates nothing. On a page change it starts preparing the
// page expected next.
func (c *screenCache) acquire(p *Page) (int, *image.RGBA) {
	c.mu.Lock()
	changed := c.last != p
	if changed {
		if c.last != nil && c.last.r == p.r && c.last.next != p {
			c.last.after = p
		}
		c.last = p
	}
	for {
		i := c.lookup(p)
		if i < 0 {
			if i = c.victim(); i < 0 {
				c.cond.Wait()
				continue
			}
			c.fill(i, p)
		}
		s := &c.slots[i]
		if !s.ready {
			c.cond.Wait()
			continue
		}
		s.pins++
		c.clock++
		s.used = c.clock
		next := p.next
		if next == nil {
			next = p.after
		}
		if changed && next != nil && next != p && c.lookup(next) < 0 {
			go next.Prepare()
		}
		c.mu.Unlock()
		return i, s.img
	}
}

func (c *screenCache) release(i int) {
	c.mu.Lock()
	c.slots[i].pins--
	c.cond.Broadcast()
	c.mu.Unlock()
}

// Prepare draws a TV page or an LED page's strip into its Renderer's
// cache now, so that the first Frame of it copies rows only. Frame
// already prepares the page it expects next; a player may also call
// go next.Prepare() when it starts a page. It does nothing when every
// slot is in use.
func (p *Page) Prepare() {
	if p.paint == nil {
		return
	}
	c := &p.r.screens
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lookup(p) >= 0 {
		return
	}
	if i := c.victim(); i >= 0 {
		c.fill(i, p)
	}
}
