package player

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/render"
)

func day(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", s, content.ChinaTime)
	if err != nil {
		panic(err)
	}
	return t
}

func item(id, cat, from, until string, p content.Priority) *content.Item {
	return &content.Item{ID: id, Title: id, Category: cat, Publish: day(from), Until: day(until), Priority: p,
		Body: []content.Block{{Kind: content.Paragraph, Text: "本村公开内容。"}}}
}

func ids(items []*content.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func TestDue(t *testing.T) {
	v := &content.Village{ID: "370783-101-001", Name: "东升村", Items: []*content.Item{
		item("fin", "财务公开/收支情况", "2026-11-05", "2026-12-04", content.Normal),
		item("old", "村务公开/通告栏", "2026-10-01", "2026-10-31", content.Normal),
		item("party", "党务公开/组织建设", "2026-11-15", "2026-12-15", content.Normal),
		item("party2", "党务公开/组织建设", "2026-11-20", "2026-12-15", content.Normal),
		item("urgent", "村务公开/通告栏", "2026-11-20", "2026-11-30", content.Urgent),
		item("village", "村务公开/村民会议及实施", "2026-11-10", "2026-12-10", content.Normal),
		item("other", "其他", "2026-11-01", "2026-12-10", content.Normal),
	}}
	tests := []struct {
		at   time.Time
		want []string
	}{
		{day("2026-11-22").Add(9 * time.Hour), []string{"urgent", "party2", "party", "village", "fin", "other"}},
		// Until is inclusive: the whole last day, China time.
		{day("2026-10-31").Add(23*time.Hour + 59*time.Minute), []string{"old"}},
		{day("2026-11-01"), []string{"other"}},
		{day("2026-12-16"), nil},
		// 2026-11-04 23:30 UTC is already 11-05 in China.
		{time.Date(2026, 11, 4, 23, 30, 0, 0, time.UTC), []string{"fin", "other"}},
	}
	for _, tt := range tests {
		got := ids(Due(v, tt.at))
		if len(got) != len(tt.want) {
			t.Errorf("Due(%v) = %v, want %v", tt.at, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("Due(%v) = %v, want %v", tt.at, got, tt.want)
				break
			}
		}
	}
}

// fakeDrawer records frames like a display would.
type fakeDrawer struct {
	mu     sync.Mutex
	img    *image.RGBA
	frames atomic.Int64
	halted atomic.Bool
}

func (f *fakeDrawer) String() string          { return "fake" }
func (f *fakeDrawer) ColorModel() color.Model { return color.RGBAModel }
func (f *fakeDrawer) Bounds() image.Rectangle { return f.img.Rect }
func (f *fakeDrawer) Halt() error             { f.halted.Store(true); return nil }
func (f *fakeDrawer) Draw(r image.Rectangle, src image.Image, sp image.Point) error {
	f.mu.Lock()
	draw.Draw(f.img, r, src, sp, draw.Src)
	f.mu.Unlock()
	f.frames.Add(1)
	return nil
}

func TestUrgentPreemptsWithinASecond(t *testing.T) {
	prof, _ := render.ParseProfile("led-rgb", "64x32")
	r, err := render.New(prof)
	if err != nil {
		t.Fatal(err)
	}
	offset := time.Until(day("2026-11-22").Add(10 * time.Hour))
	now := func() time.Time { return time.Now().Add(offset) }
	normal := &content.Village{ID: "370783-101-001", Name: "东升村", Items: []*content.Item{
		item("fin", "财务公开/收支情况", "2026-11-05", "2026-12-04", content.Normal)}}
	withUrgent := &content.Village{ID: normal.ID, Name: normal.Name, Items: append([]*content.Item{
		item("flood", "村务公开/通告栏", "2026-11-20", "2026-11-30", content.Urgent)}, normal.Items...)}
	var cur atomic.Pointer[Content]
	cur.Store(&Content{Village: normal, Version: 1})
	src := func() (Content, bool) { return *cur.Load(), true }
	dev := &fakeDrawer{img: image.NewRGBA(image.Rect(0, 0, 64, 32))}
	p := New(src, now, Output{Name: "square", Dev: dev, Renderer: r, FPS: 50})
	var shownMu sync.Mutex
	var shown []Shown
	p.OnShown = func(s Shown) { shownMu.Lock(); shown = append(shown, s); shownMu.Unlock() }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()

	waitFor(t, "first item", func() bool { return p.Showing()[0].Item == "fin" })
	cur.Store(&Content{Village: withUrgent, Version: 2})
	start := time.Now()
	waitFor(t, "urgent notice", func() bool { return p.Showing()[0].Item == "flood" })
	if d := time.Since(start); d > time.Second {
		t.Errorf("urgent notice took %v to pre-empt, want < 1s", d)
	}
	waitFor(t, "frames of the urgent notice", func() bool { return dev.frames.Load() >= 10 })
	cancel()
	<-done
	if !dev.halted.Load() {
		t.Error("display not halted when the player stopped")
	}
	// The proof log sees the finance run, cut short by the flood notice,
	// then the flood notice until the player stopped: back to back.
	shownMu.Lock()
	defer shownMu.Unlock()
	if len(shown) < 2 || shown[0].Item != "fin" || shown[1].Item != "flood" || shown[1].Version != 2 {
		t.Fatalf("shown = %+v", shown)
	}
	if !shown[0].End.Equal(shown[1].Start) || !shown[1].End.After(shown[1].Start) {
		t.Errorf("runs not contiguous: %+v", shown)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestUrgentRepeats: an urgent notice comes back between other items every
// Schedule.UrgentEvery; Dwell shortens every page (here to keep the test
// short; counties use it the other way, for slower readers).
func TestUrgentRepeats(t *testing.T) {
	prof, _ := render.ParseProfile("led-rgb", "64x32")
	r, err := render.New(prof)
	if err != nil {
		t.Fatal(err)
	}
	offset := time.Until(day("2026-11-22").Add(10 * time.Hour))
	now := func() time.Time { return time.Now().Add(offset) }
	v := &content.Village{ID: "370783-101-001", Name: "东升村", Items: []*content.Item{
		item("flood", "村务公开/通告栏", "2026-11-20", "2026-11-30", content.Urgent),
		item("fin", "财务公开/收支情况", "2026-11-05", "2026-12-04", content.Normal),
		item("party", "党务公开/组织建设", "2026-11-05", "2026-12-04", content.Normal),
	}}
	src := func() (Content, bool) { return Content{Village: v, Version: 1}, true }
	dev := &fakeDrawer{img: image.NewRGBA(image.Rect(0, 0, 64, 32))}
	p := New(src, now, Output{Name: "square", Dev: dev, Renderer: r, FPS: 50})
	p.Schedule = Schedule{UrgentEvery: time.Millisecond, Dwell: 0.02}
	var mu sync.Mutex
	var seq []string
	p.OnShown = func(s Shown) { mu.Lock(); seq = append(seq, s.Item); mu.Unlock() }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	waitFor(t, "five runs", func() bool { mu.Lock(); defer mu.Unlock(); return len(seq) >= 5 })
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	// Every other run is the urgent notice: flood, party, flood, fin, flood…
	for i, it := range seq[:5] {
		if (i%2 == 0) != (it == "flood") {
			t.Fatalf("runs = %v, want the urgent notice between every other item", seq)
		}
	}
}

// partialDrawer is a fakeDrawer that takes partial draws, counting pixels.
type partialDrawer struct {
	fakeDrawer
	pixels, full atomic.Int64
}

func (f *partialDrawer) DrawsPartial() bool { return true }
func (f *partialDrawer) Draw(r image.Rectangle, src image.Image, sp image.Point) error {
	f.pixels.Add(int64(r.Dx() * r.Dy()))
	if r == f.img.Rect {
		f.full.Add(1)
	}
	return f.fakeDrawer.Draw(r, src, sp)
}

// TestPartialDraws: a display that takes partial draws is given the whole
// first frame of a page, then only what changes (the clock, the crawl),
// and still ends up showing exactly the player's last frame.
func TestPartialDraws(t *testing.T) {
	prof, _ := render.ParseProfile("tv", "1280x720")
	r, err := render.New(prof)
	if err != nil {
		t.Fatal(err)
	}
	offset := time.Until(day("2026-11-22").Add(10 * time.Hour))
	now := func() time.Time { return time.Now().Add(offset) }
	v := &content.Village{ID: "370783-101-001", Name: "东升村", Items: []*content.Item{
		item("flood", "村务公开/通告栏", "2026-11-20", "2026-11-30", content.Urgent),
		item("fin", "财务公开/收支情况", "2026-11-05", "2026-12-04", content.Normal)}}
	src := func() (Content, bool) { return Content{Village: v, Version: 1}, true }
	dev := &partialDrawer{fakeDrawer: fakeDrawer{img: image.NewRGBA(image.Rect(0, 0, 1280, 720))}}
	p := New(src, now, Output{Name: "tv", Dev: dev, Renderer: r, FPS: 50})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	waitFor(t, "frames", func() bool { return dev.frames.Load() >= 40 })
	cancel()
	<-done
	full := int64(1280 * 720)
	if dev.full.Load() < 1 || dev.pixels.Load() >= full*dev.full.Load()+full*(dev.frames.Load()-dev.full.Load())/4 {
		t.Errorf("%d draws, %d of them full, %d px in all: standing frames were not drawn in part", dev.frames.Load(), dev.full.Load(), dev.pixels.Load())
	}
	last := p.Snapshot("tv")
	dev.mu.Lock()
	defer dev.mu.Unlock()
	if !bytes.Equal(last.Pix, dev.img.Pix) {
		t.Error("the display built from partial draws differs from the player's last frame")
	}
}
