package player

import (
	"context"
	"image"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"periph.io/x/conn/v3/display"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/render"
)

// Content is one verified version of the village's content.
type Content struct {
	Village *content.Village
	Version int64
	// Hashes maps item id to the SHA-256 of its file, for proof records.
	Hashes map[string]string
}

// Shown is one uninterrupted run of an item on a display: what the
// proof-of-display log records.
type Shown struct {
	Display    string
	Item       string // "" for the idle page
	SHA256     string
	Version    int64
	Start, End time.Time
}

// Source returns the content to show now; ok is false before the first
// verified sync.
type Source func() (c Content, ok bool)

// Output is one display with the renderer for its profile.
type Output struct {
	Name     string
	Dev      display.Drawer
	Renderer *render.Renderer
	FPS      int // frames per second; 0 → 30
}

// PartialDrawer is a display that keeps what it was last given and is
// better off converting only what changed (an RGB565 framebuffer: every
// pixel it is given costs a conversion). While a page stands still, the
// player gives it only the clock and the crawl.
type PartialDrawer interface {
	display.Drawer
	DrawsPartial() bool
}

// Showing is what one display shows right now, for the status page.
type Showing struct {
	Display string    `json:"display"`
	Item    string    `json:"item"`
	Page    int       `json:"page"`  // 1-based within the playlist
	Pages   int       `json:"pages"` // playlist length
	Next    string    `json:"next"`
	Since   time.Time `json:"since"`
	Version int64     `json:"version"`
	Errors  int       `json:"errors"` // draw errors since start
}

// Player drives every output from one content source.
type Player struct {
	src  Source
	now  func() time.Time
	outs []Output

	mu      sync.Mutex
	showing map[string]Showing
	frames  map[string]*frame

	// OnShown, if set before Run, is called from each display's loop when
	// an item leaves the screen. It must not block for long.
	OnShown func(Shown)
	// Schedule, if set before Run, orders the loop and paces it.
	Schedule Schedule

	lastFrame atomic.Int64 // unix nanoseconds of the newest frame of any display
}

// LastFrame is when any display last got a frame: the watchdog restarts an
// agent whose frame loops have all stopped.
func (p *Player) LastFrame() time.Time {
	n := p.lastFrame.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// New returns a player; now nil means time.Now.
func New(src Source, now func() time.Time, outs ...Output) *Player {
	if now == nil {
		now = time.Now
	}
	p := &Player{src: src, now: now, outs: outs, showing: map[string]Showing{}, frames: map[string]*frame{}}
	for _, o := range outs {
		p.frames[o.Name] = &frame{img: image.NewRGBA(o.Dev.Bounds())}
	}
	return p
}

// Showing reports what each display shows, in output order.
func (p *Player) Showing() []Showing {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Showing, 0, len(p.outs))
	for _, o := range p.outs {
		out = append(out, p.showing[o.Name])
	}
	return out
}

// Run plays until ctx ends, then halts every display (LEDs dark).
func (p *Player) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, o := range p.outs {
		wg.Add(1)
		go func(o Output) {
			defer wg.Done()
			p.play(ctx, o)
			if err := o.Dev.Halt(); err != nil {
				log.Printf("display %s: halt: %v", o.Name, err)
			}
		}(o)
	}
	wg.Wait()
	return ctx.Err()
}

// placeholder is shown before the first verified sync: the idle page of a
// village with no name yet.
var placeholder = &content.Village{Name: "阳光村务"}

func (p *Player) play(ctx context.Context, o Output) {
	fps := o.FPS
	if fps <= 0 {
		fps = 30
	}
	tick := time.NewTicker(time.Second / time.Duration(fps))
	defer tick.Stop()
	fr := p.frames[o.Name]
	var (
		pages    []*render.Page
		idx      int
		version  int64 = -1
		day      string
		drawErrs int
		run      Shown // the item on screen since run.Start
		hashes   map[string]string
		// Urgent notices come back every Schedule.UrgentEvery: replay
		// holds their pages while they interrupt the loop.
		urgentAt  time.Time
		replay    []*render.Page
		wasUrgent bool // the page just shown was an urgent one
		village   *content.Village
	)
	endRun := func(at time.Time) {
		if run.Start.IsZero() || p.OnShown == nil {
			return
		}
		run.End = at
		p.OnShown(run)
		run = Shown{}
	}
	defer func() { endRun(p.now()) }()
	for ctx.Err() == nil {
		c, ok := p.src()
		if !ok {
			c = Content{Village: placeholder, Version: 0}
		}
		today := p.now().In(content.ChinaTime).Format("2006-01-02")
		if c.Version != version || today != day || idx >= len(pages) {
			np, err := p.Schedule.Playlist(o.Renderer, c.Village, p.now())
			if err != nil && (c.Version != version || today != day) {
				log.Printf("display %s: version %d: %v", o.Name, c.Version, err)
			}
			if len(np) == 0 {
				if pages == nil {
					np = []*render.Page{o.Renderer.Idle(c.Village, p.now())}
				} else {
					np = pages // keep what it shows rather than go dark
				}
			}
			if c.Version != version || today != day {
				idx = 0
			}
			idx %= len(np)
			pages = np
			version, day, hashes, village = c.Version, today, c.Hashes, c.Village
		}
		page := pages[idx]
		replaying := false
		if len(replay) > 0 {
			page, replay, replaying = replay[0], replay[1:], true
		} else if urgent := urgentPages(pages, village); len(urgent) > 0 {
			switch {
			case isUrgent(page, village):
				urgentAt = p.now()
			case !wasUrgent && p.now().Sub(urgentAt) >= p.Schedule.urgentEvery():
				page, replay, replaying = urgent[0], urgent[1:], true
				urgentAt = p.now()
			}
		}
		page.SetClock(p.now)
		start := p.now()
		if run.Start.IsZero() || run.Item != page.Item || run.Version != version {
			endRun(start)
			run = Shown{Display: o.Name, Item: page.Item, SHA256: hashes[page.Item], Version: version, Start: start}
		}
		next := pages[(idx+1)%len(pages)].Item
		if replaying {
			next = pages[idx].Item
		}
		p.setShowing(Showing{Display: o.Name, Item: page.Item, Page: idx + 1, Pages: len(pages),
			Next: next, Since: start, Version: version, Errors: drawErrs})
		if !p.show(ctx, o, tick, fr, page, start, version, &drawErrs) {
			// New content with an urgent item: start the playlist over.
			pages, replay = nil, nil
			continue
		}
		wasUrgent = isUrgent(page, village)
		if !replaying {
			idx++
		}
	}
}

// show plays one page to its end. It returns false when new content
// arrived that must pre-empt the loop (an urgent notice).
func (p *Player) show(ctx context.Context, o Output, tick *time.Ticker, fr *frame, page *render.Page, start time.Time, version int64, drawErrs *int) bool {
	buf := fr.img
	dwell := p.Schedule.dwell()
	hold := time.Duration(float64(page.Duration()) * dwell)
	pd, partial := o.Dev.(PartialDrawer)
	partial = partial && pd.DrawsPartial()
	prev := time.Duration(-1) // no frame of this page on the display yet
	for {
		t := p.now().Sub(start)
		if t >= hold {
			return true
		}
		pt := time.Duration(float64(t) / dwell)
		fr.mu.Lock()
		page.Frame(buf, pt)
		fr.mu.Unlock()
		p.lastFrame.Store(time.Now().UnixNano())
		damage := [2]image.Rectangle{buf.Bounds()}
		if partial && prev >= 0 {
			damage = page.Changed(buf.Bounds(), prev, pt)
		}
		prev = pt
		for _, r := range damage {
			if r.Empty() {
				continue
			}
			if err := o.Dev.Draw(r, buf, r.Min); err != nil {
				prev = -1 // the display may hold anything now: all of the next frame
				*drawErrs++
				if *drawErrs%100 == 1 {
					log.Printf("display %s: draw: %v", o.Name, err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return true
		case <-tick.C:
		}
		if c, ok := p.src(); ok && c.Version != version && hasUrgent(c.Village, p.now()) {
			return false
		}
	}
}

func isUrgent(pg *render.Page, v *content.Village) bool {
	if v == nil || pg.Item == "" {
		return false
	}
	for _, it := range v.Items {
		if it.ID == pg.Item {
			return it.Priority == content.Urgent
		}
	}
	return false
}

// urgentPages are the playlist's leading urgent pages (Order puts them
// first).
func urgentPages(pages []*render.Page, v *content.Village) []*render.Page {
	n := 0
	for n < len(pages) && isUrgent(pages[n], v) {
		n++
	}
	return pages[:n]
}

func hasUrgent(v *content.Village, t time.Time) bool {
	due := Due(v, t)
	return len(due) > 0 && due[0].Priority == content.Urgent
}

func (p *Player) setShowing(s Showing) {
	p.mu.Lock()
	p.showing[s.Display] = s
	p.mu.Unlock()
}

// frame is a display's frame buffer; the lock lets Snapshot read it
// between frames.
type frame struct {
	mu  sync.Mutex
	img *image.RGBA
}

// Snapshot returns a copy of the frame the display shows now, for the
// county's fleet view; nil for an unknown display.
func (p *Player) Snapshot(display string) *image.RGBA {
	fr := p.frames[display]
	if fr == nil {
		return nil
	}
	fr.mu.Lock()
	defer fr.mu.Unlock()
	c := image.NewRGBA(fr.img.Rect)
	copy(c.Pix, fr.img.Pix)
	return c
}
