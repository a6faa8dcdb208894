package ws281x

import (
	"fmt"
	"image"
	"math"
	"testing"
	"time"
)

// benchClock lets every frame onto the wire: each Now is a period later.
type benchClock struct{ t time.Time }

func (c *benchClock) Now() time.Time { c.t = c.t.Add(time.Second); return c.t }
func (c *benchClock) AfterFunc(time.Duration, func()) func() bool {
	panic("benchClock: a frame was deferred")
}

var benchSizes = []struct{ w, h int }{{32, 32}, {64, 64}, {128, 64}}

// BenchmarkConvert is one full frame through Draw: pixel mapping over 2×2
// chained serpentine panels, CIE gamma with brightness, a power limit that
// dims every frame, and packing into libws2811's words. %wire is the CPU
// time as a share of the frame's time on the wire (target ≤ 5 %); x-copy is
// ns/op over a plain copy of the RGBA frame's bytes.
func BenchmarkConvert(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(b *testing.B) {
			n := sz.w * sz.h
			s := &nopStrip{leds: make([]uint32, n)}
			d, err := New(s, &Opts{Width: sz.w, Height: sz.h, Map: "chain:2x2;serpentine", Brightness: 200,
				SupplyAmps: float64(n) * 0.002, Clock: &benchClock{}})
			if err != nil {
				b.Fatal(err)
			}
			src := image.NewRGBA(d.Bounds())
			for i := range src.Pix {
				src.Pix[i] = byte(i * 7)
			}
			b.SetBytes(int64(len(src.Pix)))
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				if err := d.Draw(d.Bounds(), src, image.Point{}); err != nil {
					b.Fatal(err)
				}
			}
			per := float64(time.Since(start).Nanoseconds()) / float64(b.N)
			b.ReportMetric(100*per/float64(FrameTime(n).Nanoseconds()), "%wire")
			copyRatio(b, func() { _ = d.Draw(d.Bounds(), src, image.Point{}) }, len(src.Pix))
			if st := d.PowerStats(); st.Limited != st.Frames {
				b.Fatalf("power limit dimmed %d of %d frames, want all", st.Limited, st.Frames)
			}
		})
	}
}

// copyRatio times conv against a plain copy of n bytes, in turn so both
// see the same machine load, and reports the fastest of each as x-copy.
func copyRatio(b *testing.B, conv func(), n int) {
	// src is written so it is really in memory: a never-written
	// allocation reads the kernel's one shared zero page.
	src, dst := make([]byte, n), make([]byte, n)
	for i := range src {
		src[i] = byte(i*7 + i>>12)
	}
	best := [2]time.Duration{math.MaxInt64, math.MaxInt64}
	for range 50 {
		for i, f := range []func(){conv, func() { copy(dst, src) }} {
			t := time.Now()
			f()
			best[i] = min(best[i], time.Since(t))
		}
	}
	b.ReportMetric(float64(best[0])/float64(max(best[1], 1)), "x-copy")
}

// BenchmarkCopyFloor copies as many bytes as BenchmarkConvert's RGBA frame:
// the physical floor for touching every pixel once.
func BenchmarkCopyFloor(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(b *testing.B) {
			src := make([]byte, 4*sz.w*sz.h)
			dst := make([]byte, len(src))
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				copy(dst, src)
			}
		})
	}
}
