package fbdev

import "encoding/binary"

// converters turn one row of *image.RGBA pixels (R, G, B, A bytes) into one
// row of the framebuffer format; dst holds exactly as many pixels as src.
// Alpha is ignored: pages are opaque.
var converters = map[Format]func(dst, src []byte){
	RGB565:   rowRGB565,
	BGR565:   rowBGR565,
	RGB888:   rowRGB888,
	BGR888:   rowBGR888,
	XRGB8888: rowXRGB8888,
	XBGR8888: rowXBGR8888,
}

func rowRGB565(dst, src []byte) {
	dst = dst[:len(src)/2]
	for i, j := 0, 0; i+3 < len(src); i, j = i+4, j+2 {
		v := uint16(src[i]>>3)<<11 | uint16(src[i+1]>>2)<<5 | uint16(src[i+2]>>3)
		binary.LittleEndian.PutUint16(dst[j:j+2], v)
	}
}

func rowBGR565(dst, src []byte) {
	dst = dst[:len(src)/2]
	for i, j := 0, 0; i+3 < len(src); i, j = i+4, j+2 {
		v := uint16(src[i+2]>>3)<<11 | uint16(src[i+1]>>2)<<5 | uint16(src[i]>>3)
		binary.LittleEndian.PutUint16(dst[j:j+2], v)
	}
}

func rowRGB888(dst, src []byte) {
	dst = dst[:len(src)/4*3]
	for i, j := 0, 0; i+3 < len(src); i, j = i+4, j+3 {
		s, d := src[i:i+3:i+3], dst[j:j+3:j+3]
		d[0], d[1], d[2] = s[2], s[1], s[0]
	}
}

func rowBGR888(dst, src []byte) {
	dst = dst[:len(src)/4*3]
	for i, j := 0, 0; i+3 < len(src); i, j = i+4, j+3 {
		s, d := src[i:i+3:i+3], dst[j:j+3:j+3]
		d[0], d[1], d[2] = s[0], s[1], s[2]
	}
}

func rowXRGB8888(dst, src []byte) {
	// Two pixels at a time: R,G,B,A -> B,G,R,X swaps bytes 0 and 2 of each.
	for len(src) >= 8 && len(dst) >= 8 {
		v := binary.LittleEndian.Uint64(src)
		v = v&0xff00ff00ff00ff00 | v>>16&0x000000ff000000ff | v&0x000000ff000000ff<<16
		binary.LittleEndian.PutUint64(dst, v)
		src, dst = src[8:], dst[8:]
	}
	if len(src) >= 4 && len(dst) >= 4 {
		v := binary.LittleEndian.Uint32(src)
		binary.LittleEndian.PutUint32(dst, v&0xff00ff00|v>>16&0xff|v&0xff<<16)
	}
}

// rowXBGR8888 is a plain copy: the memory order is Go's R, G, B, A, and the
// driver ignores the X byte.
func rowXBGR8888(dst, src []byte) { copy(dst, src) }
