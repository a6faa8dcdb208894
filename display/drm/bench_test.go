package drm

import (
	"image"
	"math"
	"testing"
	"time"

	"github.com/sunboard/sunboard/display/internal/frame"
)

// copyNs is the time of a plain copy of n bytes: batches timed by hand
// (testing.Benchmark cannot run inside a benchmark), the fastest kept.
func copyNs(n int) float64 {
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
	return best
}

// BenchmarkDraw1080p is the CPU side of a full-frame Draw into a 1920×1080
// dumb buffer (the page flip is the kernel's): XBGR8888 is Go's RGBA byte
// order, so the frame is one copy; XRGB8888 swaps R and B. x-copy is the
// time over a plain copy of the 8 MB written.
func BenchmarkDraw1080p(b *testing.B) {
	const w, h = 1920, 1080
	src := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range src.Pix {
		src.Pix[i] = byte(i * 7)
	}
	floor := copyNs(len(src.Pix))
	for _, tc := range []struct {
		name string
		conv func(dst *image.RGBA)
	}{
		{"XBGR8888", func(dst *image.RGBA) { frame.CopyRGBA(dst, dst.Rect, src, image.Point{}) }},
		{"XRGB8888", func(dst *image.RGBA) { swapRGBA(dst, dst.Rect, src, image.Point{}) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			// A dumb buffer's pitch is the row rounded up; 7680 already is.
			dst := &image.RGBA{Pix: make([]byte, w*h*4), Stride: w * 4, Rect: image.Rect(0, 0, w, h)}
			b.SetBytes(int64(len(dst.Pix)))
			b.ReportAllocs()
			for b.Loop() {
				tc.conv(dst)
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(ns/floor, "x-copy")
		})
	}
}
