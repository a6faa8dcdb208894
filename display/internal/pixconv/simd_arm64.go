//go:build !purego

package pixconv

// Every arm64 CPU has NEON (a Pi 3, 4, 5 or Zero 2 running a 64-bit OS):
// every layout but XBGR8888 (a copy) has a loop here.

//go:noescape
func rgb565NEON(dst, src *byte, n int)

//go:noescape
func bgr565NEON(dst, src *byte, n int)

//go:noescape
func rgb888NEON(dst, src *byte, n int)

//go:noescape
func bgr888NEON(dst, src *byte, n int)

//go:noescape
func xrgb8888NEON(dst, src *byte, n int)

var simd = loops{
	rgb565: rgb565NEON,
	bgr565: bgr565NEON,
	rgb888: rgb888NEON,
	bgr888: bgr888NEON,
	xrgb:   xrgb8888NEON,
}
