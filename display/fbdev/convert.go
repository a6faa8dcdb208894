package fbdev

import (
	"encoding/binary"

	"github.com/sunboard/sunboard/display/internal/pixconv"
)

// converters turn one row of *image.RGBA pixels into one row of the
// framebuffer's layout (vector loops where the CPU has them, see pixconv).
var converters = map[Format]func(dst, src []byte){
	RGB565:   pixconv.RGB565,
	BGR565:   pixconv.BGR565,
	RGB888:   pixconv.RGB888,
	BGR888:   pixconv.BGR888,
	XRGB8888: pixconv.XRGB8888,
	XBGR8888: pixconv.XBGR8888,
}

// generic converts to any other packed true-colour layout: each channel's
// 8 bits are looked up in a table that already holds them scaled and
// shifted into place, so a pixel is three loads and two ORs. Slower than
// pixconv's loops, fine for the rare screens that need it (RGB555, 8 bpp
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
