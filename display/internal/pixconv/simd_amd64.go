//go:build !purego

package pixconv

import "golang.org/x/sys/cpu"

// AVX2 where the CPU has it (x86 mini PCs driving a TV); older x86 CPUs
// run the Go loops.

//go:noescape
func rgb565AVX2(dst, src *byte, n int)

//go:noescape
func bgr565AVX2(dst, src *byte, n int)

//go:noescape
func pack24AVX(dst, src *byte, n int, masks *[6][16]byte)

//go:noescape
func shuffle32AVX2(dst, src *byte, n int, mask *[32]byte, or uint32)

var simd = func() loops {
	if !cpu.X86.HasAVX2 {
		return loops{}
	}
	rgb888, bgr888 := pack24Masks([3]int{2, 1, 0}), pack24Masks([3]int{0, 1, 2})
	var xrgb [32]byte
	for i := range xrgb {
		// B, G, R from R, G, B; the X byte is ORed in.
		xrgb[i] = byte(i&^3 + [4]int{2, 1, 0, 3}[i&3])
	}
	return loops{
		rgb565: rgb565AVX2,
		bgr565: bgr565AVX2,
		rgb888: func(d, s *byte, n int) { pack24AVX(d, s, n, &rgb888) },
		bgr888: func(d, s *byte, n int) { pack24AVX(d, s, n, &bgr888) },
		xrgb:   func(d, s *byte, n int) { shuffle32AVX2(d, s, n, &xrgb, 0xFF000000) },
	}
}()

// pack24Masks builds pack24AVX's six VPSHUFB masks for a 3-byte layout
// whose bytes are the source bytes order[0..2] of each pixel: four pixels
// of a 16-byte load make 12 output bytes, and the four loads of a block
// are spliced across three 16-byte stores (see convert_amd64.s).
func pack24Masks(order [3]int) [6][16]byte {
	var m [6][16]byte
	for k := range m {
		for i := range m[k] {
			m[k][i] = 0x80
		}
	}
	// Output byte o of the 48 comes from load o/12, pixel o%12/3,
	// channel order[o%3]; store o/16 takes it at o%16 with the mask
	// for that (store, load) pair.
	for o := range 48 {
		load, store := o/12, o/16
		k := store + load
		m[k][o%16] = byte(o%12/3*4 + order[o%3])
	}
	return m
}
