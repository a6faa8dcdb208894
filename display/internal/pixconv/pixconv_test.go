package pixconv

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"testing"

	"golang.org/x/sys/cpu"
)

// layouts pairs each converter (assembly where this CPU has it) with its
// Go loop alone and the reference conversion of one pixel.
var layouts = []struct {
	name   string
	bpp    int
	conv   Row
	scalar Row
	ref    func(r, g, b, a byte) []byte
}{
	{"RGB565", 2, RGB565, goRGB565, func(r, g, b, a byte) []byte {
		return binary.LittleEndian.AppendUint16(nil, uint16(r>>3)<<11|uint16(g>>2)<<5|uint16(b>>3))
	}},
	{"BGR565", 2, BGR565, goBGR565, func(r, g, b, a byte) []byte {
		return binary.LittleEndian.AppendUint16(nil, uint16(b>>3)<<11|uint16(g>>2)<<5|uint16(r>>3))
	}},
	{"RGB888", 3, RGB888, goRGB888, func(r, g, b, a byte) []byte { return []byte{b, g, r} }},
	{"BGR888", 3, BGR888, goBGR888, func(r, g, b, a byte) []byte { return []byte{r, g, b} }},
	{"XRGB8888", 4, XRGB8888, goXRGB8888, func(r, g, b, a byte) []byte { return []byte{b, g, r, 0xFF} }},
	{"XBGR8888", 4, XBGR8888, goXBGR8888, func(r, g, b, a byte) []byte { return []byte{r, g, b, a} }},
}

const pad = 0xEE

// check converts src into a dst of dstPixels whole pixels plus a torn one
// with both the converter and the Go loop alone, and compares each with
// the reference: every pixel both hold converted, nothing past them
// written.
func check(t *testing.T, src []byte, dstPixels int) {
	t.Helper()
	n := min(len(src)/4, dstPixels)
	for _, l := range layouts {
		want := bytes.Repeat([]byte{pad}, dstPixels*l.bpp+l.bpp+5)
		for p := range n {
			s := src[4*p:]
			copy(want[p*l.bpp:], l.ref(s[0], s[1], s[2], s[3]))
		}
		for _, c := range []struct {
			what string
			conv Row
		}{{"converter", l.conv}, {"Go loop", l.scalar}} {
			got := bytes.Repeat([]byte{pad}, len(want))
			c.conv(got[:dstPixels*l.bpp+l.bpp-1], src)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s %s: %d source bytes into %d pixels: got\n% x\nwant\n% x", l.name, c.what, len(src), dstPixels, got, want)
			}
		}
	}
}

// TestRows covers every length up to five 16-pixel blocks, with a torn
// pixel at the end of src, dst as long as src, one pixel short and one
// block and one short, and sources at odd addresses.
func TestRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 81 {
		for _, short := range []int{0, 1, 17} {
			for _, off := range []int{0, 1, 3} {
				buf := make([]byte, off+4*n+3)
				for i := range buf {
					buf[i] = byte(rng.Uint32())
				}
				check(t, buf[off:], max(n-short, 0))
			}
		}
	}
}

// TestExtremes puts black, white and every single-bit channel value
// through each layout, where a shift or mask off by one shows.
func TestExtremes(t *testing.T) {
	var src []byte
	for bit := range 8 {
		v := byte(1) << bit
		src = append(src, v, 0, 0, 0, 0, v, 0, 0, 0, 0, v, 0, 0, 0, 0, v)
	}
	src = append(src, bytes.Repeat([]byte{0xFF}, 64)...)
	src = append(src, make([]byte, 64)...)
	check(t, src, len(src)/4)
}

// FuzzRows compares every layout with the reference on arbitrary bytes
// and destination lengths.
func FuzzRows(f *testing.F) {
	f.Add(bytes.Repeat([]byte{0x12, 0x34, 0x56, 0x78, 0x9A}, 30), uint8(20))
	f.Add([]byte{0xFF, 0, 0x80, 1}, uint8(0))
	f.Fuzz(func(t *testing.T, src []byte, dst uint8) {
		check(t, src, int(dst))
	})
}

// TestVectorLoops fails when a CPU that has the vector instructions runs
// the Go loops, so a broken dispatch cannot hide behind passing results.
func TestVectorLoops(t *testing.T) {
	var want bool
	switch runtime.GOARCH {
	case "arm64":
		want = true
	case "arm":
		want = cpu.ARM.HasNEON
	case "amd64":
		want = cpu.X86.HasAVX2
	}
	if purego {
		want = false
	}
	have := simd.rgb565 != nil && simd.bgr565 != nil && simd.rgb888 != nil && simd.bgr888 != nil && simd.xrgb != nil
	if have != want {
		t.Errorf("%s: vector loops in use %v, want %v", runtime.GOARCH, have, want)
	}
	t.Logf("%s: vector loops %v", runtime.GOARCH, have)
}
