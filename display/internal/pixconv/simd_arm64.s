//go:build !purego

#include "textflag.h"

// The NEON row loops behind convert_arm64.go. Each takes dst, src and n, a
// number of pixels that is a multiple of 16, and writes exactly n pixels:
// the Go side has checked both lengths and converts the rest. VLD4 splits
// 16 RGBA pixels into one register per channel, so every layout is a
// matter of how the channel registers are put back together.

// PACK565 makes eight 16-bit pixels in one register (outB and outH name
// it as bytes and as halfwords) from the channel halves that zip picks
// (VZIP1 the first eight pixels, VZIP2 the last): zipping a channel with
// the zero register V31 gives it shifted left by 8, and VSRI inserts the
// middle channel shifted right 5 and the low one shifted right 11 under
// the top one's five bits.
#define PACK565(zip, hi, mid, lo, outB, outH) \
	zip hi, V31.B16, outB; \
	zip mid, V31.B16, V5.B16; \
	zip lo, V31.B16, V6.B16; \
	VSRI $5, V5.H8, outH; \
	VSRI $11, V6.H8, outH

// func rgb565NEON(dst, src *byte, n int)
TEXT ·rgb565NEON(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R2
	LSR  $4, R2
	CBZ  R2, done
	VEOR V31.B16, V31.B16, V31.B16

loop:
	VLD4.P 64(R1), [V0.B16, V1.B16, V2.B16, V3.B16]
	PACK565(VZIP1, V0.B16, V1.B16, V2.B16, V16.B16, V16.H8)
	PACK565(VZIP2, V0.B16, V1.B16, V2.B16, V17.B16, V17.H8)
	VST1.P [V16.H8, V17.H8], 32(R0)
	SUBS $1, R2
	BNE  loop

done:
	RET

// func bgr565NEON(dst, src *byte, n int)
TEXT ·bgr565NEON(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R2
	LSR  $4, R2
	CBZ  R2, done
	VEOR V31.B16, V31.B16, V31.B16

loop:
	VLD4.P 64(R1), [V0.B16, V1.B16, V2.B16, V3.B16]
	PACK565(VZIP1, V2.B16, V1.B16, V0.B16, V16.B16, V16.H8)
	PACK565(VZIP2, V2.B16, V1.B16, V0.B16, V17.B16, V17.H8)
	VST1.P [V16.H8, V17.H8], 32(R0)
	SUBS $1, R2
	BNE  loop

done:
	RET

// func rgb888NEON(dst, src *byte, n int)
// Memory order B, G, R: VST3 needs the three in consecutive registers.
TEXT ·rgb888NEON(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R2
	LSR  $4, R2
	CBZ  R2, done

loop:
	VLD4.P 64(R1), [V0.B16, V1.B16, V2.B16, V3.B16]
	VMOV   V1.B16, V3.B16
	VMOV   V0.B16, V4.B16
	VST3.P [V2.B16, V3.B16, V4.B16], 48(R0)
	SUBS   $1, R2
	BNE    loop

done:
	RET

// func bgr888NEON(dst, src *byte, n int)
// Memory order R, G, B: the pixels without alpha.
TEXT ·bgr888NEON(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R2
	LSR  $4, R2
	CBZ  R2, done

loop:
	VLD4.P 64(R1), [V0.B16, V1.B16, V2.B16, V3.B16]
	VST3.P [V0.B16, V1.B16, V2.B16], 48(R0)
	SUBS   $1, R2
	BNE    loop

done:
	RET

// func xrgb8888NEON(dst, src *byte, n int)
// Memory order B, G, R, X with X = 0xFF.
TEXT ·xrgb8888NEON(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R2
	LSR  $4, R2
	CBZ  R2, done
	VEOR  V31.B16, V31.B16, V31.B16
	VCMEQ V31.B16, V31.B16, V5.B16

loop:
	VLD4.P 64(R1), [V0.B16, V1.B16, V2.B16, V3.B16]
	VMOV   V1.B16, V3.B16
	VMOV   V0.B16, V4.B16
	VST4.P [V2.B16, V3.B16, V4.B16, V5.B16], 64(R0)
	SUBS   $1, R2
	BNE    loop

done:
	RET
