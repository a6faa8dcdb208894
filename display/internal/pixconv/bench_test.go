package pixconv

import (
	"math"
	"testing"
	"time"
)

// BenchmarkFrame1080p converts a 1920×1080 frame row by row in each
// layout, with the converter a display uses ("vector": assembly where this
// CPU has it) and with the Go loops alone ("go"). x-copy is the fastest
// frame over the fastest plain copy of the bytes written (the floor),
// timed in turn so both see the same machine load.
func BenchmarkFrame1080p(b *testing.B) {
	const w, h = 1920, 1080
	src := filled(w * h * 4)
	for _, l := range layouts {
		for _, v := range []struct {
			name string
			conv Row
		}{{"vector", l.conv}, {"go", l.scalar}} {
			b.Run(l.name+"/"+v.name, func(b *testing.B) {
				dst := filled(w * h * l.bpp)
				frame := func() {
					for y := range h {
						v.conv(dst[y*w*l.bpp:(y+1)*w*l.bpp], src[y*w*4:(y+1)*w*4])
					}
				}
				b.SetBytes(int64(len(dst)))
				b.ReportAllocs()
				for b.Loop() {
					frame()
				}
				b.ReportMetric(copyRatio(frame, len(dst)), "x-copy")
			})
		}
	}
}

func copyRatio(f func(), n int) float64 {
	src, dst := filled(n), filled(n)
	best := [2]time.Duration{math.MaxInt64, math.MaxInt64}
	for range 15 {
		for i, g := range []func(){f, func() { copy(dst, src) }} {
			t := time.Now()
			g()
			best[i] = min(best[i], time.Since(t))
		}
	}
	return float64(best[0]) / float64(best[1])
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
