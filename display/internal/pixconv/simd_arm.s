//go:build !purego

#include "textflag.h"

// The NEON row loops behind simd_arm.go, for 32-bit ARM (a Pi 2, 3 or 4
// on a 32-bit OS). Go's arm assembler has no NEON instructions, so they
// are written as WORDs, each with the instruction it encodes (GNU as
// syntax; arm-linux-gnueabihf-as and objdump made them). Each function
// takes dst, src and n, a number of pixels that is a multiple of 16, and
// writes exactly n pixels. Only d0-d15 are used. Assembly functions are
// never preempted asynchronously, so the NEON registers cannot be lost to
// another goroutine mid-loop.

// LOAD16 splits 16 RGBA pixels into one register per channel:
// q0 = R, q1 = G, q2 = B, q3 = A.
#define LOAD16 \
	WORD $0xf421010d; /* vld4.8 {d0, d2, d4, d6}, [r1]! */ \
	WORD $0xf421110d  /* vld4.8 {d1, d3, d5, d7}, [r1]! */

// SWAPRB exchanges q0 and q2 (R and B).
#define SWAPRB WORD $0xf3b20044 /* vswp q0, q2 */

// PACK565 packs q0 (top 5 bits), q1 (middle 6) and q2 (low 5) into 16
// pixels of 16 bits and stores them: each channel widened and shifted
// left 8 (vshll), then vsri inserts the middle one shifted right 5 and
// the low one shifted right 11 under the top one's five bits.
#define PACK565 \
	WORD $0xf3b28300; /* vshll.u8 q4, d0, #8 */ \
	WORD $0xf3b2a302; /* vshll.u8 q5, d2, #8 */ \
	WORD $0xf3b2c304; /* vshll.u8 q6, d4, #8 */ \
	WORD $0xf39b845a; /* vsri.16 q4, q5, #5 */ \
	WORD $0xf395845c; /* vsri.16 q4, q6, #11 */ \
	WORD $0xf3b2a301; /* vshll.u8 q5, d1, #8 */ \
	WORD $0xf3b2c303; /* vshll.u8 q6, d3, #8 */ \
	WORD $0xf3b2e305; /* vshll.u8 q7, d5, #8 */ \
	WORD $0xf39ba45c; /* vsri.16 q5, q6, #5 */ \
	WORD $0xf395a45e; /* vsri.16 q5, q7, #11 */ \
	WORD $0xf400824d  /* vst1.16 {d8-d11}, [r0]! */

// STORE24 writes q0, q1, q2 as 3-byte pixels in that byte order.
#define STORE24 \
	WORD $0xf400050d; /* vst3.8 {d0, d2, d4}, [r0]! */ \
	WORD $0xf400150d  /* vst3.8 {d1, d3, d5}, [r0]! */

// STORE32 writes q0, q1, q2, q3 as 4-byte pixels in that byte order.
#define STORE32 \
	WORD $0xf400010d; /* vst4.8 {d0, d2, d4, d6}, [r0]! */ \
	WORD $0xf400110d  /* vst4.8 {d1, d3, d5, d7}, [r0]! */

#define ARGS \
	MOVW dst+0(FP), R0; \
	MOVW src+4(FP), R1; \
	MOVW n+8(FP), R2; \
	SRL  $4, R2

// func rgb565NEON(dst, src *byte, n int)
TEXT ·rgb565NEON(SB), NOSPLIT, $0-12
	ARGS
	CMP $0, R2
	BEQ done
loop:
	LOAD16
	PACK565
	SUB.S $1, R2
	BNE   loop
done:
	RET

// func bgr565NEON(dst, src *byte, n int)
TEXT ·bgr565NEON(SB), NOSPLIT, $0-12
	ARGS
	CMP $0, R2
	BEQ done
loop:
	LOAD16
	SWAPRB
	PACK565
	SUB.S $1, R2
	BNE   loop
done:
	RET

// func rgb888NEON(dst, src *byte, n int)
// Memory order B, G, R.
TEXT ·rgb888NEON(SB), NOSPLIT, $0-12
	ARGS
	CMP $0, R2
	BEQ done
loop:
	LOAD16
	SWAPRB
	STORE24
	SUB.S $1, R2
	BNE   loop
done:
	RET

// func bgr888NEON(dst, src *byte, n int)
// Memory order R, G, B.
TEXT ·bgr888NEON(SB), NOSPLIT, $0-12
	ARGS
	CMP $0, R2
	BEQ done
loop:
	LOAD16
	STORE24
	SUB.S $1, R2
	BNE   loop
done:
	RET

// func xrgb8888NEON(dst, src *byte, n int)
// Memory order B, G, R, X with X = 0xFF.
TEXT ·xrgb8888NEON(SB), NOSPLIT, $0-12
	ARGS
	CMP $0, R2
	BEQ done
loop:
	LOAD16
	SWAPRB
	WORD $0xf3876e5f /* vmov.i8 q3, #0xff */
	STORE32
	SUB.S $1, R2
	BNE   loop
done:
	RET
