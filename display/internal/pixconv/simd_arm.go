//go:build !purego

package pixconv

import "golang.org/x/sys/cpu"

// NEON where the CPU has it: every Pi from the Pi 2 on running a 32-bit
// OS. The Pi 1 and Zero (ARM1176) have none and run the Go loops.

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

var simd = func() loops {
	if !cpu.ARM.HasNEON {
		return loops{}
	}
	return loops{
		rgb565: rgb565NEON,
		bgr565: bgr565NEON,
		rgb888: rgb888NEON,
		bgr888: bgr888NEON,
		xrgb:   xrgb8888NEON,
	}
}()
