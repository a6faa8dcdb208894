package fbdev

import (
	"encoding/binary"
	"math/bits"
)

// The row converters turn one row of *image.RGBA pixels (R, G, B, A bytes)
// into one row of the framebuffer format; dst holds exactly as many pixels
// as src. Alpha is ignored: XRGB8888's X byte is written 0xFF, and
// XBGR8888, a plain copy, keeps it (pages are opaque, so both are 0xFF).
//
// A 1080p frame is two million pixels 25 times a second on a Pi, so the
// common layouts get loops that read four pixels as two little-endian
// uint64 and write them with one or two stores: the channels of both
// pixels in a uint64 are masked and shifted at once (no lane crosses into
// its neighbour). The loop conditions bound both indices against the
// slice lengths so the compiler drops the bounds checks on src (reslicing
// by blocks instead costs more than the checks it saves). The last pixels
// of an odd width go one at a time.
var converters = map[Format]func(dst, src []byte){
	RGB565:   rowRGB565,
	BGR565:   rowBGR565,
	RGB888:   rowRGB888,
	BGR888:   rowBGR888,
	XRGB8888: rowXRGB8888,
	XBGR8888: rowXBGR8888,
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

func rowRGB565(dst, src []byte) {
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

func rowBGR565(dst, src []byte) {
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

// rowRGB888 writes B, G, R: byte-reversing a pixel puts A, B, G, R in the
// value from the bottom, so dropping the bottom byte leaves B, G, R.
func rowRGB888(dst, src []byte) {
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

// rowBGR888 writes R, G, B: the RGBA bytes without A.
func rowBGR888(dst, src []byte) {
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

// rowXRGB8888 writes B, G, R, 0xFF. Byte-reversing two pixels gives A1,
// B1, G1, R1, A0, B0, G0, R0 from the bottom; turning that right by five
// bytes gives B0, G0, R0, A1, B1, G1, R1, A0: both pixels in place with
// their alpha swapped, which the X byte then overwrites. Two operations
// per pair instead of seven for masking R and B across.
func rowXRGB8888(dst, src []byte) {
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

// rowXBGR8888 is a plain copy: the memory order is Go's R, G, B, A, and the
// driver ignores the X byte.
func rowXBGR8888(dst, src []byte) { copy(dst, src) }

// generic converts to any other packed true-colour layout: each channel's
// 8 bits are looked up in a table that already holds them scaled and
// shifted into place, so a pixel is three loads and two ORs. Slower than the
// loops above, fine for the rare screens that need it (RGB555, 8 bpp
// RGB332, 30-bit colour).
type generic struct {
	bpp        int // bytes per pixel, 1..4
	r, g, b, a [256]uint32
}

func newGeneric(v *varScreenInfo) *generic {
	g := &generic{bpp: int(v.BitsPerPixel / 8)}
	fill := func(t *[256]uint32, bf fbBitfield) {
		if bf.Length == 0 {
			return
		}
		maxv := uint32(1)<<bf.Length - 1
		for c := range t {
			// Rounding down keeps 8-bit inputs exact when the field is
			// 8 bits and matches the shift the 565 loops do for 5 and 6.
			var x uint32
			if bf.Length <= 8 {
				x = uint32(c) >> (8 - bf.Length)
			} else {
				x = uint32(c) * maxv / 255
			}
			t[c] = x << bf.Offset
		}
	}
	fill(&g.r, v.Red)
	fill(&g.g, v.Green)
	fill(&g.b, v.Blue)
	fill(&g.a, v.Transp)
	return g
}

func (g *generic) row(dst, src []byte) {
	r, gr, b, a := &g.r, &g.g, &g.b, &g.a
	i, j := 0, 0
	switch g.bpp {
	case 1:
		for ; i <= len(src)-4 && j < len(dst); i, j = i+4, j+1 {
			s := src[i : i+4 : i+4]
			dst[j] = byte(r[s[0]] | gr[s[1]] | b[s[2]] | a[s[3]])
		}
	case 2:
		for ; i <= len(src)-4 && j <= len(dst)-2; i, j = i+4, j+2 {
			s := src[i : i+4 : i+4]
			binary.LittleEndian.PutUint16(dst[j:], uint16(r[s[0]]|gr[s[1]]|b[s[2]]|a[s[3]]))
		}
	case 3:
		for ; i <= len(src)-4 && j <= len(dst)-3; i, j = i+4, j+3 {
			s, d := src[i:i+4:i+4], dst[j:j+3:j+3]
			v := r[s[0]] | gr[s[1]] | b[s[2]] | a[s[3]]
			d[0], d[1], d[2] = byte(v), byte(v>>8), byte(v>>16)
		}
	case 4:
		for ; i <= len(src)-4 && j <= len(dst)-4; i, j = i+4, j+4 {
			s := src[i : i+4 : i+4]
			binary.LittleEndian.PutUint32(dst[j:], r[s[0]]|gr[s[1]]|b[s[2]]|a[s[3]])
		}
	}
}
