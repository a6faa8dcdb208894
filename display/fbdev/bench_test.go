package fbdev

import (
	"fmt"
	"image"
	"math"
	"testing"
	"time"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/content/sample"
	"github.com/sunboard/sunboard/render"
)

// copyRatios times draw against plain copies of dstBytes and of srcBytes,
// in turn so all three see the same machine load, and compares the
// fastest of each: x-copy over the bytes written to the framebuffer (the
// honest floor), x-copy-src over the source RGBA bytes.
func copyRatios(b *testing.B, draw func(), dstBytes, srcBytes int) {
	src, dst := filled(srcBytes), filled(srcBytes)
	best := [3]time.Duration{math.MaxInt64, math.MaxInt64, math.MaxInt64}
	for range 15 {
		for i, f := range []func(){draw, func() { copy(dst[:dstBytes], src[:dstBytes]) }, func() { copy(dst, src) }} {
			t := time.Now()
			f()
			best[i] = min(best[i], time.Since(t))
		}
	}
	b.ReportMetric(float64(best[0])/float64(best[1]), "x-copy")
	b.ReportMetric(float64(best[0])/float64(best[2]), "x-copy-src")
}

// filled is n bytes that are all really in memory: a fresh allocation
// that was never written is the kernel's shared zero page, and copying
// from it reads one 4 KiB page over and over, a floor no frame has.
func filled(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>12)
	}
	return b
}

// BenchmarkDraw1080p draws a full 1920×1080 *image.RGBA in each format; ns/op
// is ns per frame. "1core" converts on one goroutine, "par" splits the rows
// across GOMAXPROCS goroutines (Opts.Workers 0, the default).
func BenchmarkDraw1080p(b *testing.B) {
	const w, h = 1920, 1080
	src := testImage(w, h)
	for _, f := range []Format{RGB565, BGR565, RGB888, BGR888, XRGB8888, XBGR8888, Other} {
		for _, workers := range []int{1, 0} {
			name := f.String() + "/1core"
			if workers == 0 {
				name = f.String() + "/par"
			}
			b.Run(name, func(b *testing.B) {
				benchDraw(b, f, w, h, workers, src)
			})
		}
	}
}

func benchDraw(b *testing.B, f Format, w, h, workers int, src *image.RGBA) {
	{
		{
			var fb *fakeFB
			if f == Other {
				fb = fakeFor(layout{"RGB555", Other, otherLayouts["RGB555"]}, w, h, 0)
			} else {
				fb = newFake(f, w, h, 0)
			}
			d, err := newDev(fb, "fake", &Opts{NoVSync: true, Workers: workers})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(fb.mem)))
			b.ReportAllocs()
			for b.Loop() {
				if err := d.Draw(d.Bounds(), src, image.Point{}); err != nil {
					b.Fatal(err)
				}
			}
			copyRatios(b, func() { _ = d.Draw(d.Bounds(), src, image.Point{}) }, len(fb.mem), len(src.Pix))
		}
	}
}

// BenchmarkCopyFloor copies as many bytes as one 1080p frame in each format.
func BenchmarkCopyFloor(b *testing.B) {
	for _, bpp := range []int{2, 3, 4} {
		b.Run(fmt.Sprintf("%dBpp", bpp), func(b *testing.B) {
			n := 1920 * 1080 * bpp
			src, dst := filled(n), filled(n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				copy(dst, src)
			}
		})
	}
}

// BenchmarkPlayedFrame1080p is what a played TV page costs the framebuffer
// per frame: the player gives a display that DrawsPartial only what
// changed while a page stands (the clock and the crawl,
// render.Page.Changed), the whole screen at a page change or a scroll.
// ns/op is the page's Frame and the Draws of a standing page; x-copy
// compares the Draws alone with a copy of a whole frame's framebuffer
// bytes, like BenchmarkDraw1080p's.
func BenchmarkPlayedFrame1080p(b *testing.B) {
	v, err := content.Load(sample.Village())
	if err != nil {
		b.Fatal(err)
	}
	prof, _ := render.ParseProfile("tv", "1920x1080")
	r, err := render.New(prof)
	if err != nil {
		b.Fatal(err)
	}
	ps, err := r.Item(v, v.Items[0])
	if err != nil {
		b.Fatal(err)
	}
	p := ps[0]
	p.SetTicker(r.Ticker("紧急通知：寒潮大风天气请做好防范 · 2026年10月村集体收支明细 · 2026年第四季度低保金发放名单"))
	clock := time.Date(2026, 11, 22, 9, 0, 0, 0, content.ChinaTime)
	p.SetClock(func() time.Time { return clock })
	buf := image.NewRGBA(image.Rect(0, 0, 1920, 1080))
	for _, f := range []Format{RGB565, XRGB8888} {
		b.Run(f.String(), func(b *testing.B) {
			fb := newFake(f, 1920, 1080, 0)
			d, err := newDev(fb, "fake", &Opts{NoVSync: true, Workers: 1})
			if err != nil {
				b.Fatal(err)
			}
			t := time.Second
			p.Frame(buf, t)
			_ = d.Draw(d.Bounds(), buf, image.Point{})
			draws := func() {
				for _, rc := range p.Changed(buf.Bounds(), t-40*time.Millisecond, t) {
					if !rc.Empty() {
						_ = d.Draw(rc, buf, rc.Min)
					}
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				t += 40 * time.Millisecond
				clock = clock.Add(40 * time.Millisecond)
				p.Frame(buf, t)
				draws()
			}
			copyRatios(b, draws, len(fb.mem), len(buf.Pix))
		})
	}
}
