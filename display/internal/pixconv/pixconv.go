// Package pixconv converts rows of *image.RGBA pixels (R, G, B, A bytes) to
// the packed layouts framebuffers and DRM dumb buffers scan out. Layouts
// are named like the DRM fourcc codes: the channels of the little-endian
// pixel value from its top bits down, so XRGB8888 is B, G, R, X in memory
// and RGB888 is B, G, R.
//
// A 1080p frame is two million pixels 25 times a second on a Pi. Where the
// CPU has vector instructions (NEON on every Pi from the Pi 2 on, 64- or
// 32-bit OS; AVX2 on x86) the rows are converted 16 pixels at a time in
// assembly; the Go loops here do the rest of each row and every row
// elsewhere (the Pi 1 and Zero, older x86, a purego build). The Go loops read four pixels as
// two little-endian uint64 and write them with one or two stores: the
// channels of both pixels in a uint64 are masked and shifted at once (no
// lane crosses into its neighbour). Their loop conditions bound both
// indices against the slice lengths so the compiler drops the bounds
// checks on src (reslicing by blocks costs more than the checks it saves).
package pixconv

import (
	"encoding/binary"
	"math/bits"
)

// Row converts the pixels both slices hold in full: min(len(src)/4,
// len(dst)/bytes per pixel). Alpha is ignored: XRGB8888's X byte is
// written 0xFF, and XBGR8888, a plain copy, keeps it (pages are opaque,
// so both are 0xFF).
type Row func(dst, src []byte)

// The converters of each layout.
var (
	RGB565   = withSIMD(goRGB565, 2, simd.rgb565) // 16 bpp, red in bits 11-15
	BGR565   = withSIMD(goBGR565, 2, simd.bgr565) // 16 bpp, blue in bits 11-15
	RGB888   = withSIMD(goRGB888, 3, simd.rgb888) // 24 bpp, B, G, R in memory
	BGR888   = withSIMD(goBGR888, 3, simd.bgr888) // 24 bpp, R, G, B in memory
	XRGB8888 = withSIMD(goXRGB8888, 4, simd.xrgb) // 32 bpp, B, G, R, 0xFF in memory
	XBGR8888 = Row(goXBGR8888)                    // 32 bpp, R, G, B, A: a copy
)

// loops are the assembly row loops of this CPU, nil where there are none.
// Each converts n pixels, n a multiple of 16, and touches nothing past
// them.
type loops struct {
	rgb565, bgr565, rgb888, bgr888, xrgb func(dst, src *byte, n int)
}

// withSIMD puts an assembly loop in front of a Go one: the assembly takes
// the whole 16-pixel blocks both slices hold, the Go loop the rest, so a
// row of any width and any slice lengths stays in bounds.
func withSIMD(rest Row, bpp int, simd func(dst, src *byte, n int)) Row {
	if simd == nil {
		return rest
	}
	return func(dst, src []byte) {
		n := min(len(src)/4, len(dst)/bpp) &^ 15
		if n > 0 {
			simd(&dst[0], &src[0], n)
		}
		rest(dst[n*bpp:], src[n*4:])
	}
}

// to565 packs the two pixels of v (R, G, B, A each) into two 16-bit values,
// red in the top bits, at bits 0 and 16.
func to565(v uint64) uint32 {
	v = v&0x000000F8_000000F8<<8 | v>>5&0x000007E0_000007E0 | v>>19&0x0000001F_0000001F
	return uint32(v | v>>16)
}

// to565BGR is to565 with red and blue swapped.
func to565BGR(v uint64) uint32 {
	v = v>>3&0x0000001F_0000001F | v>>5&0x000007E0_000007E0 | v>>8&0x0000F800_0000F800
	return uint32(v | v>>16)
}

func goRGB565(dst, src []byte) {
	i, j := 0, 0
	for ; i <= len(src)-16 && j <= len(dst)-8; i, j = i+16, j+8 {
		lo := to565(binary.LittleEndian.Uint64(src[i:]))
		hi := to565(binary.LittleEndian.Uint64(src[i+8:]))
		binary.LittleEndian.PutUint64(dst[j:], uint64(lo)|uint64(hi)<<32)
	}
	for ; i <= len(src)-4 && j <= len(dst)-2; i, j = i+4, j+2 {
		binary.LittleEndian.PutUint16(dst[j:], uint16(to565(uint64(binary.LittleEndian.Uint32(src[i:])))))
	}
}

func goBGR565(dst, src []byte) {
	i, j := 0, 0
	for ; i <= len(src)-16 && j <= len(dst)-8; i, j = i+16, j+8 {
		lo := to565BGR(binary.LittleEndian.Uint64(src[i:]))
		hi := to565BGR(binary.LittleEndian.Uint64(src[i+8:]))
		binary.LittleEndian.PutUint64(dst[j:], uint64(lo)|uint64(hi)<<32)
	}
	for ; i <= len(src)-4 && j <= len(dst)-2; i, j = i+4, j+2 {
		binary.LittleEndian.PutUint16(dst[j:], uint16(to565BGR(uint64(binary.LittleEndian.Uint32(src[i:])))))
	}
}

// goRGB888 writes B, G, R: byte-reversing a pixel puts A, B, G, R in the
// value from the bottom, so dropping the bottom byte leaves B, G, R.
func goRGB888(dst, src []byte) {
	i, j := 0, 0
	for ; i <= len(src)-16 && j <= len(dst)-12; i, j = i+16, j+12 {
		a := bits.ReverseBytes64(binary.LittleEndian.Uint64(src[i:]))
		b := bits.ReverseBytes64(binary.LittleEndian.Uint64(src[i+8:]))
		// a holds pixel 1 in its low half and pixel 0 in its high half.
		p0, p1 := a>>40, a>>8&0xFFFFFF
		p2, p3 := b>>40, b>>8&0xFFFFFF
		d := dst[j : j+12 : j+12]
		binary.LittleEndian.PutUint64(d, p0|p1<<24|p2<<48)
		binary.LittleEndian.PutUint32(d[8:], uint32(p2>>16|p3<<8))
	}
	for ; i <= len(src)-4 && j <= len(dst)-3; i, j = i+4, j+3 {
		s, d := src[i:i+3:i+3], dst[j:j+3:j+3]
		d[0], d[1], d[2] = s[2], s[1], s[0]
	}
}

// goBGR888 writes R, G, B: the RGBA bytes without A.
func goBGR888(dst, src []byte) {
	i, j := 0, 0
	for ; i <= len(src)-16 && j <= len(dst)-12; i, j = i+16, j+12 {
		a := binary.LittleEndian.Uint64(src[i:])
		b := binary.LittleEndian.Uint64(src[i+8:])
		d := dst[j : j+12 : j+12]
		binary.LittleEndian.PutUint64(d, a&0xFFFFFF|a>>8&0xFFFFFF000000|b<<48)
		binary.LittleEndian.PutUint32(d[8:], uint32(b>>16&0xFF|b>>24&0xFFFFFF00))
	}
	for ; i <= len(src)-4 && j <= len(dst)-3; i, j = i+4, j+3 {
		s, d := src[i:i+3:i+3], dst[j:j+3:j+3]
		d[0], d[1], d[2] = s[0], s[1], s[2]
	}
}

// opaque is the X bytes of two XRGB8888 pixels. It is a variable so the
// compiler cannot see the constant 0xFF bytes: with a constant it splits
// the 8-byte store into four narrow ones, which doubles the loop's time.
var opaque uint64 = 0xFF000000_FF000000

// goXRGB8888 writes B, G, R, 0xFF. Byte-reversing two pixels gives A1,
// B1, G1, R1, A0, B0, G0, R0 from the bottom; turning that right by five
// bytes gives B0, G0, R0, A1, B1, G1, R1, A0: both pixels in place with
// their alpha swapped, which the X byte then overwrites. Two operations
// per pair instead of seven for masking R and B across.
func goXRGB8888(dst, src []byte) {
	n := min(len(src), len(dst)) &^ 3
	src, dst = src[:n], dst[:n]
	x := opaque
	i := 0
	for ; i <= len(src)-16; i += 16 {
		s, d := src[i:i+16:i+16], dst[i:i+16:i+16]
		binary.LittleEndian.PutUint64(d, bits.RotateLeft64(bits.ReverseBytes64(binary.LittleEndian.Uint64(s)), -40)|x)
		binary.LittleEndian.PutUint64(d[8:], bits.RotateLeft64(bits.ReverseBytes64(binary.LittleEndian.Uint64(s[8:])), -40)|x)
	}
	for ; i <= len(src)-4; i += 4 {
		binary.LittleEndian.PutUint32(dst[i:], bits.ReverseBytes32(binary.LittleEndian.Uint32(src[i:]))>>8|0xFF000000)
	}
}

// goXBGR8888 is a plain copy: the memory order is Go's R, G, B, A, and the
// driver ignores the X byte. Whole pixels only, like the other loops.
func goXBGR8888(dst, src []byte) {
	n := min(len(dst), len(src)) &^ 3
	copy(dst[:n], src[:n])
}
