package fbdev

import (
	"fmt"
	"image"
	"testing"
)

// Run with -benchmem; compare each format's MB/s with BenchmarkCopyFloor of
// the same byte count (the memory-bandwidth floor) for the ratio.
func BenchmarkDraw1080p(b *testing.B) {
	src := testImage(1920, 1080)
	for _, f := range []Format{RGB565, RGB888, XRGB8888, XBGR8888} {
		b.Run(f.String(), func(b *testing.B) {
			fb := newFake(f, 1920, 1080, 0)
			d, err := newDev(fb, "fake", &Opts{NoVSync: true})
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
		})
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
