//go:build !purego

#include "textflag.h"

// The AVX2 row loops behind convert_amd64.go. Each takes dst, src and n,
// a number of pixels that is a multiple of 16, and writes exactly n pixels:
// the Go side has checked both lengths and converts the rest.

// PACK565 turns the eight RGBA pixels of Y register in into eight 16-bit
// values in the low halves of out's dwords; the shifts move the top 5, 6
// and 5 bits of the first, second and third byte into place (rs is left
// or right as rop says, gs and bs right) and Y10-Y12 mask them.
#define PACK565(in, out, rop, rs, gs, bs) \
	rop $rs, in, out; \
	VPAND  Y10, out, out; \
	VPSRLD $gs, in, Y8; \
	VPAND  Y11, Y8, Y8; \
	VPOR   Y8, out, out; \
	VPSRLD $bs, in, Y8; \
	VPAND  Y12, Y8, Y8; \
	VPOR   Y8, out, out

// STEP565 converts 16 pixels: two PACK565, then VPACKUSDW (exact: every
// dword is below 0x10000) and VPERMQ to undo its per-lane interleave.
#define STEP565(rop, rs, gs, bs) \
	VMOVDQU (SI), Y0; \
	VMOVDQU 32(SI), Y1; \
	PACK565(Y0, Y2, rop, rs, gs, bs); \
	PACK565(Y1, Y3, rop, rs, gs, bs); \
	VPACKUSDW Y3, Y2, Y2; \
	VPERMQ $0xD8, Y2, Y2; \
	VMOVDQU Y2, (DI); \
	ADDQ $64, SI; \
	ADDQ $32, DI

#define SETUP565 \
	MOVQ dst+0(FP), DI; \
	MOVQ src+8(FP), SI; \
	MOVQ n+16(FP), CX; \
	SHRQ $4, CX; \
	VPBROADCASTD maskHi565<>(SB), Y10; \
	VPBROADCASTD maskMid565<>(SB), Y11; \
	VPBROADCASTD maskLo565<>(SB), Y12

DATA maskHi565<>+0(SB)/4, $0x0000F800
GLOBL maskHi565<>(SB), RODATA|NOPTR, $4
DATA maskMid565<>+0(SB)/4, $0x000007E0
GLOBL maskMid565<>(SB), RODATA|NOPTR, $4
DATA maskLo565<>+0(SB)/4, $0x0000001F
GLOBL maskLo565<>(SB), RODATA|NOPTR, $4

// func rgb565AVX2(dst, src *byte, n int)
// Red (byte 0) to the top five bits: (p<<8)&0xF800, (p>>5)&0x7E0, (p>>19)&0x1F.
TEXT ·rgb565AVX2(SB), NOSPLIT, $0-24
	SETUP565
	TESTQ CX, CX
	JZ    done
loop:
	STEP565(VPSLLD, 8, 5, 19)
	DECQ CX
	JNZ  loop
done:
	VZEROUPPER
	RET

// func bgr565AVX2(dst, src *byte, n int)
// Blue (byte 2) to the top: (p>>8)&0xF800, (p>>5)&0x7E0, (p>>3)&0x1F.
TEXT ·bgr565AVX2(SB), NOSPLIT, $0-24
	SETUP565
	TESTQ CX, CX
	JZ    done
loop:
	STEP565(VPSRLD, 8, 5, 3)
	DECQ CX
	JNZ  loop
done:
	VZEROUPPER
	RET

// func pack24AVX(dst, src *byte, n int, masks *[6][16]byte)
// 16 pixels (four 16-byte loads s0..s3) become 48 bytes (three stores):
// each load is shuffled to 12 bytes and those are spliced across the
// stores by six VPSHUFB with masks[k] (0x80 bytes clear):
//   out0 = s0 by m0 | s1 by m1
//   out1 = s1 by m2 | s2 by m3
//   out2 = s2 by m4 | s3 by m5
TEXT ·pack24AVX(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ masks+24(FP), AX
	SHRQ $4, CX
	JZ   done24
	VMOVDQU 0(AX), X10
	VMOVDQU 16(AX), X11
	VMOVDQU 32(AX), X12
	VMOVDQU 48(AX), X13
	VMOVDQU 64(AX), X14
	VMOVDQU 80(AX), X15

loop24:
	VMOVDQU (SI), X0
	VMOVDQU 16(SI), X1
	VMOVDQU 32(SI), X2
	VMOVDQU 48(SI), X3
	VPSHUFB X10, X0, X4
	VPSHUFB X11, X1, X5
	VPOR    X5, X4, X4
	VPSHUFB X12, X1, X5
	VPSHUFB X13, X2, X6
	VPOR    X6, X5, X5
	VPSHUFB X14, X2, X6
	VPSHUFB X15, X3, X7
	VPOR    X7, X6, X6
	VMOVDQU X4, (DI)
	VMOVDQU X5, 16(DI)
	VMOVDQU X6, 32(DI)
	ADDQ $64, SI
	ADDQ $48, DI
	DECQ CX
	JNZ  loop24

done24:
	VZEROUPPER
	RET

// func shuffle32AVX2(dst, src *byte, n int, mask *[32]byte, or uint32)
// Four bytes per pixel: each 32-byte block is reordered by VPSHUFB with
// mask and ORed with or (XRGB8888: B, G, R from R, G, B and X = 0xFF).
TEXT ·shuffle32AVX2(SB), NOSPLIT, $0-36
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ mask+24(FP), AX
	SHRQ $4, CX
	JZ   done32
	VMOVDQU (AX), Y10
	MOVL or+32(FP), BX
	VMOVD BX, X11
	VPBROADCASTD X11, Y11

loop32:
	VMOVDQU (SI), Y0
	VMOVDQU 32(SI), Y1
	VPSHUFB Y10, Y0, Y0
	VPSHUFB Y10, Y1, Y1
	VPOR    Y11, Y0, Y0
	VPOR    Y11, Y1, Y1
	VMOVDQU Y0, (DI)
	VMOVDQU Y1, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop32

done32:
	VZEROUPPER
	RET
