package drm

import (
	"image"
	"math"
	"testing"
	"time"

	"github.com/sunboard/sunboard/display/internal/frame"
)

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
	for range 15 {
		for i, f := range []func(){conv, func() { copy(dst, src) }} {
			t := time.Now()
			f()
			best[i] = min(best[i], time.Since(t))
		}
	}
	b.ReportMetric(float64(best[0])/float64(best[1]), "x-copy")
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
			copyRatio(b, func() { tc.conv(dst) }, len(dst.Pix))
		})
	}
}
