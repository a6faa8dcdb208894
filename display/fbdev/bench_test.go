package fbdev

import (
	"fmt"
	"image"
	"math"
	"sync"
	"testing"
	"time"
)

// copyNs is the time of a plain copy of n bytes on this machine, the floor
// each conversion is measured against; measured once per size.
var copyNs = sync.OnceValue(func() func(n int) float64 {
	var mu sync.Mutex
	seen := map[int]float64{}
	return func(n int) float64 {
		mu.Lock()
		defer mu.Unlock()
		if ns, ok := seen[n]; ok {
			return ns
		}
		// testing.Benchmark cannot run inside a benchmark (it waits for
		// the lock the running one holds): time batches by hand and keep
		// the fastest, as the benchmark itself would settle on.
		src, dst := make([]byte, n), make([]byte, n)
		best := math.Inf(1)
		for range 5 {
			reps := 0
			start := time.Now()
			for time.Since(start) < 50*time.Millisecond {
				copy(dst, src)
				reps++
			}
			best = min(best, float64(time.Since(start).Nanoseconds())/float64(reps))
		}
		seen[n] = best
		return best
	}
})

// reportCopyRatios adds x-copy, the frame's time over a plain copy of the
// bytes written to the framebuffer (the honest floor), and x-copy-src, over
// a copy of the source RGBA bytes.
func reportCopyRatios(b *testing.B, dstBytes, srcBytes int) {
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(ns/copyNs()(dstBytes), "x-copy")
	b.ReportMetric(ns/copyNs()(srcBytes), "x-copy-src")
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
			reportCopyRatios(b, len(fb.mem), len(src.Pix))
		}
	}
}

// BenchmarkCopyFloor copies as many bytes as one 1080p frame in each format.
func BenchmarkCopyFloor(b *testing.B) {
	for _, bpp := range []int{2, 3, 4} {
		b.Run(fmt.Sprintf("%dBpp", bpp), func(b *testing.B) {
			n := 1920 * 1080 * bpp
			src, dst := make([]byte, n), make([]byte, n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				copy(dst, src)
			}
		})
	}
}
