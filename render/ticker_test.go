package render

import (
	"bytes"
	"image"
	"testing"
	"time"
)

func tickerPage(t testing.TB, size string, item int, text string) (*Page, *Ticker, *image.RGBA) {
	t.Helper()
	v := sampleVillage()
	r := mustRenderer(t, "tv", size)
	ps, err := r.Item(v, v.Items[item])
	if err != nil {
		t.Fatal(err)
	}
	tk := r.Ticker(text)
	if tk == nil {
		t.Fatalf("Ticker(%q) = nil on tv", text)
	}
	ps[0].SetTicker(tk)
	return ps[0], tk, image.NewRGBA(image.Rect(0, 0, r.p.Width, r.p.Height))
}

func TestTickerNil(t *testing.T) {
	if tk := mustRenderer(t, "led-rgb", "128x64").Ticker("紧急通知：寒潮"); tk != nil {
		t.Error("LED Ticker: want nil")
	}
	if tk := mustRenderer(t, "tv", "1280x720").Ticker("  \n "); tk != nil {
		t.Error("empty Ticker: want nil")
	}
}

func TestTickerFrame(t *testing.T) {
	at := time.Date(2026, 11, 22, 9, 41, 0, 0, time.UTC)
	now := at
	p, tk, dst := tickerPage(t, "1280x720", 1, "紧急通知：11月23日至25日寒潮大风，请加固大棚、谨防煤气中毒。")
	p.SetClock(func() time.Time { return now })
	p.Frame(dst, 5*time.Second)
	golden(t, "tv-frame-ticker", dst)
	r := mustRenderer(t, "tv", "1280x720")
	if !tk.urgent || dst.RGBAAt(0, dst.Rect.Dy()-1) != r.th.urgentTicker {
		t.Errorf("紧急 ticker: band %v, want red %v", dst.RGBAAt(0, dst.Rect.Dy()-1), r.th.urgentTicker)
	}
	if tk.top < r.safe.Min.Y || tk.textY < tk.top || tk.textY+tk.strip.Rect.Dy() > r.safe.Max.Y {
		t.Errorf("ticker text rows %d..%d outside title-safe %v", tk.textY, tk.textY+tk.strip.Rect.Dy(), r.safe)
	}
	// The page's own content ends above the band: nothing is covered.
	pimg := pageImage(p)
	for y := tk.top; y < pimg.Rect.Dy(); y++ {
		for x := 0; x < pimg.Rect.Dx(); x++ {
			if pimg.RGBAAt(x, y) != r.th.bg {
				t.Fatalf("page content at (%d,%d) under the ticker band (top %d)", x, y, tk.top)
			}
		}
	}

	// One second later the crawl has moved 120 px left, whatever t says.
	row := func(img *image.RGBA, y int) []byte {
		o := img.PixOffset(0, y)
		return append([]byte(nil), img.Pix[o:o+img.Rect.Dx()*4]...)
	}
	y := tk.textY + tk.strip.Rect.Dy()/2
	before := row(dst, y)
	now = at.Add(time.Second)
	p.Frame(dst, 0)
	after := row(dst, y)
	if !bytes.Equal(before[120*4:], after[:len(after)-120*4]) {
		t.Error("crawl did not move 120 px left in 1 s")
	}
	// Seamless across pages: another page at the same instant shows the
	// same crawl.
	q, _, dst2 := tickerPage(t, "1280x720", 0, "紧急通知：11月23日至25日寒潮大风，请加固大棚、谨防煤气中毒。")
	q.SetClock(func() time.Time { return now })
	q.Frame(dst2, 17*time.Second)
	if !bytes.Equal(row(dst2, y), after) {
		t.Error("crawl differs between pages at the same instant")
	}
	// Whole-pixel steps at 50 fps: 2 or 3 px a frame, never backwards.
	prev := tk.offset(now)
	for i := 1; i <= 100; i++ {
		o := tk.offset(now.Add(time.Duration(i) * 20 * time.Millisecond))
		d := (o - prev + tk.strip.Rect.Dx()) % tk.strip.Rect.Dx()
		if d < 2 || d > 3 {
			t.Fatalf("frame %d: crawl step %d px", i, d)
		}
		prev = o
	}
}

func TestTickerNormalBand(t *testing.T) {
	r := mustRenderer(t, "tv", "720x576")
	tk := r.Ticker("本村11月财务公开已更新，欢迎村民监督。")
	if tk == nil || tk.urgent {
		t.Fatalf("ordinary ticker: %+v", tk)
	}
	if got := tk.speed; got != int64(r.px(tickerSpeed)) {
		t.Errorf("576-line speed %d px/s, want %d (scaled)", got, r.px(tickerSpeed))
	}
}

func TestTickerFrameAllocs(t *testing.T) {
	p, _, dst := tickerPage(t, "1280x720", 1, "紧急通知：寒潮大风")
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	p.SetClock(func() time.Time { return now })
	tt := time.Duration(0)
	// The first Frame draws the page and starts drawing the next one in the
	// background; that page-change work is not per-frame cost.
	p.Frame(dst, tt)
	settle(p)
	n := steadyAllocs(200, func() {
		p.Frame(dst, tt)
		tt += 20 * time.Millisecond
		now = now.Add(20 * time.Millisecond)
	})
	if n != 0 {
		t.Errorf("Frame with ticker: %v allocs/frame, want 0", n)
	}
}

func BenchmarkFrameTVTicker(b *testing.B) {
	p, _, dst := tickerPage(b, "1280x720", 1, "紧急通知：11月23日至25日寒潮大风，请加固大棚、谨防煤气中毒。")
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	p.SetClock(func() time.Time { return now })
	tt := time.Duration(0)
	b.ReportAllocs()
	for b.Loop() {
		p.Frame(dst, tt)
		tt += 20 * time.Millisecond
		now = now.Add(20 * time.Millisecond)
	}
}

// settle waits until no screen of p's renderer is still being drawn.
func settle(p *Page) {
	c := &p.r.screens
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		busy := false
		for i := range c.slots {
			if c.slots[i].p != nil && !c.slots[i].ready {
				busy = true
			}
		}
		if !busy {
			return
		}
		c.cond.Wait()
	}
}

// steadyAllocs is testing.AllocsPerRun for a Frame loop. AllocsPerRun counts
// every goroutine's mallocs, and an earlier test's page may still be drawing
// its next page in the background; a real per-frame allocation shows up in
// every attempt, a neighbour's in one.
func steadyAllocs(runs int, f func()) float64 {
	n := 0.0
	for range 3 {
		if n = testing.AllocsPerRun(runs, f); n == 0 {
			return 0
		}
		time.Sleep(200 * time.Millisecond)
	}
	return n
}

// TestChanged: outside Changed(prev, t), the frames at prev and t of one
// page are identical, even with the clock turning a minute between them;
// a standing TV page changes only in its clock and crawl.
func TestChanged(t *testing.T) {
	v := sampleVillage()
	for _, size := range []string{"1280x720", "720x576"} {
		r := mustRenderer(t, "tv", size)
		tk := r.Ticker("紧急通知：11月23日至25日寒潮大风，请加固大棚、谨防煤气中毒。")
		bounds := image.Rect(0, 0, r.p.Width, r.p.Height)
		small := 0
		for _, it := range v.Items {
			ps, err := r.Item(v, it)
			if err != nil {
				t.Fatal(err)
			}
			for n, p := range ps {
				p.SetTicker(tk)
				d := p.Duration()
				for _, pair := range [][2]time.Duration{{0, 40 * time.Millisecond}, {time.Second, 3 * time.Second}, {d / 2, d/2 + 40*time.Millisecond}, {0, d - time.Millisecond}} {
					now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
					p.SetClock(func() time.Time { return now })
					a := image.NewRGBA(bounds)
					p.Frame(a, pair[0])
					now = now.Add(time.Minute + 700*time.Millisecond)
					b := image.NewRGBA(bounds)
					p.Frame(b, pair[1])
					ch := p.Changed(bounds, pair[0], pair[1])
					if ch[0] != bounds {
						small++
					}
					for y := 0; y < bounds.Dy(); y++ {
						for x := 0; x < bounds.Dx(); x++ {
							if image.Pt(x, y).In(ch[0]) || image.Pt(x, y).In(ch[1]) {
								continue
							}
							if a.RGBAAt(x, y) != b.RGBAAt(x, y) {
								t.Fatalf("%s %s page %d frames %v→%v: pixel (%d,%d) changed outside %v", size, it.ID, n+1, pair[0], pair[1], x, y, ch)
							}
						}
					}
				}
			}
		}
		if small == 0 {
			t.Errorf("%s: no frame pair of a standing page had less than the whole screen to redraw", size)
		}
	}
}
