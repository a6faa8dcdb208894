package fbdev

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"periph.io/x/conn/v3/display"
)

// fakeFB is a framebuffer in a byte slice.
type fakeFB struct {
	fix      fixScreenInfo
	vi       varScreenInfo
	mem      []byte
	vsyncErr error
	vsyncs   int
	closed   bool
}

func (f *fakeFB) info() (fixScreenInfo, varScreenInfo, error) { return f.fix, f.vi, nil }
func (f *fakeFB) mmap(n int) ([]byte, error) {
	if n > len(f.mem) {
		return nil, fmt.Errorf("mmap %d of %d", n, len(f.mem))
	}
	return f.mem[:n], nil
}
func (f *fakeFB) waitVSync() error { f.vsyncs++; return f.vsyncErr }
func (f *fakeFB) close() error     { f.closed = true; return nil }

const pad = 0xEE // fills memory the driver must not touch

// layouts are the bit-fields each format is recognised from.
var layouts = map[Format]struct {
	bpp     uint32
	r, g, b fbBitfield
}{
	RGB565:   {16, fbBitfield{Offset: 11, Length: 5}, fbBitfield{Offset: 5, Length: 6}, fbBitfield{Offset: 0, Length: 5}},
	BGR565:   {16, fbBitfield{Offset: 0, Length: 5}, fbBitfield{Offset: 5, Length: 6}, fbBitfield{Offset: 11, Length: 5}},
	RGB888:   {24, fbBitfield{Offset: 16, Length: 8}, fbBitfield{Offset: 8, Length: 8}, fbBitfield{Offset: 0, Length: 8}},
	BGR888:   {24, fbBitfield{Offset: 0, Length: 8}, fbBitfield{Offset: 8, Length: 8}, fbBitfield{Offset: 16, Length: 8}},
	XRGB8888: {32, fbBitfield{Offset: 16, Length: 8}, fbBitfield{Offset: 8, Length: 8}, fbBitfield{Offset: 0, Length: 8}},
	XBGR8888: {32, fbBitfield{Offset: 0, Length: 8}, fbBitfield{Offset: 8, Length: 8}, fbBitfield{Offset: 16, Length: 8}},
}

// newFake makes a w×h framebuffer in format f with stride bytes per line
// (0: tight) and memory filled with pad.
func newFake(f Format, w, h, stride int) *fakeFB {
	l := layouts[f]
	if stride == 0 {
		stride = w * int(l.bpp) / 8
	}
	fb := &fakeFB{mem: bytes.Repeat([]byte{pad}, stride*h)}
	copy(fb.fix.ID[:], "fake")
	fb.fix.Visual = fbVisualTrueColor
	fb.fix.LineLength = uint32(stride)
	fb.fix.SmemLen = uint32(len(fb.mem))
	fb.vi.Xres, fb.vi.Yres = uint32(w), uint32(h)
	fb.vi.XresVirtual, fb.vi.YresVirtual = uint32(w), uint32(h)
	fb.vi.BitsPerPixel = l.bpp
	fb.vi.Red, fb.vi.Green, fb.vi.Blue = l.r, l.g, l.b
	return fb
}

// pack is the reference: the pixel value built from the bit-fields, as the
// kernel documents them, stored little-endian.
func pack(vi varScreenInfo, c color.RGBA) []byte {
	field := func(v uint8, bf fbBitfield) uint32 { return uint32(v) >> (8 - bf.Length) << bf.Offset }
	v := field(c.R, vi.Red) | field(c.G, vi.Green) | field(c.B, vi.Blue)
	var b [4]byte
	if vi.BitsPerPixel == 32 {
		// The X byte: XBGR8888 is a plain copy and keeps the alpha,
		// XRGB8888 writes 0xFF; the test images are opaque, so both agree.
		v |= uint32(c.A) << 24
	}
	binary.LittleEndian.PutUint32(b[:], v)
	return b[:vi.BitsPerPixel/8]
}

func testImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	colors := []color.RGBA{
		{0xFF, 0x00, 0x00, 0xFF}, {0x00, 0xFF, 0x00, 0xFF}, {0x00, 0x00, 0xFF, 0xFF},
		{0x12, 0x34, 0x56, 0xFF}, {0xFF, 0xFF, 0xFF, 0xFF}, {0x87, 0x65, 0x43, 0xFF},
	}
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, colors[(y*w+x)%len(colors)])
		}
	}
	return img
}

// want is the framebuffer memory after drawing img at the origin.
func want(fb *fakeFB, img *image.RGBA) []byte {
	out := bytes.Repeat([]byte{pad}, len(fb.mem))
	bpp := int(fb.vi.BitsPerPixel / 8)
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			copy(out[y*int(fb.fix.LineLength)+x*bpp:], pack(fb.vi, img.RGBAAt(x, y)))
		}
	}
	return out
}

func TestDrawFormats(t *testing.T) {
	for _, f := range []Format{RGB565, BGR565, RGB888, BGR888, XRGB8888, XBGR8888} {
		for _, tc := range []struct{ w, h, extra int }{{2, 2, 0}, {3, 2, 0}, {2, 2, 3}, {3, 2, 5}} {
			t.Run(fmt.Sprintf("%s/%dx%d+%d", f, tc.w, tc.h, tc.extra), func(t *testing.T) {
				fb := newFake(f, tc.w, tc.h, tc.w*f.BytesPerPixel()+tc.extra)
				d, err := newDev(fb, "fake", nil)
				if err != nil {
					t.Fatal(err)
				}
				if d.Format() != f {
					t.Fatalf("format %s, want %s", d.Format(), f)
				}
				img := testImage(tc.w, tc.h)
				if err := d.Draw(d.Bounds(), img, image.Point{}); err != nil {
					t.Fatal(err)
				}
				w := want(fb, img)
				if !bytes.Equal(fb.mem, w) {
					t.Errorf("memory\n got % x\nwant % x", fb.mem, w)
				}
			})
		}
	}
}

// TestPixelBytes pins one pixel, 0x123456, per format by hand.
func TestPixelBytes(t *testing.T) {
	for f, b := range map[Format][]byte{
		RGB565:   {0xAA, 0x11}, // 00010 001101 01010 = 0x11AA
		BGR565:   {0xA2, 0x51}, // 01010 001101 00010 = 0x51A2
		RGB888:   {0x56, 0x34, 0x12},
		BGR888:   {0x12, 0x34, 0x56},
		XRGB8888: {0x56, 0x34, 0x12, 0xFF},
		XBGR8888: {0x12, 0x34, 0x56, 0xFF},
	} {
		fb := newFake(f, 1, 1, 0)
		d, err := newDev(fb, "fake", nil)
		if err != nil {
			t.Fatal(err)
		}
		img := image.NewRGBA(image.Rect(0, 0, 1, 1))
		img.SetRGBA(0, 0, color.RGBA{0x12, 0x34, 0x56, 0xFF})
		if err := d.Draw(d.Bounds(), img, image.Point{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fb.mem, b) {
			t.Errorf("%s: % x, want % x", f, fb.mem, b)
		}
	}
}

func TestDrawPartialAndFallback(t *testing.T) {
	fb := newFake(RGB888, 4, 3, 16)
	d, err := newDev(fb, "fake", nil)
	if err != nil {
		t.Fatal(err)
	}
	src := testImage(4, 3)
	// Draw the source's (1,1)-(3,3) at screen (2,0): clipped to 2×2.
	if err := d.Draw(image.Rect(2, 0, 9, 9), src, image.Pt(1, 1)); err != nil {
		t.Fatal(err)
	}
	ref := image.NewRGBA(image.Rect(0, 0, 4, 3))
	for y := range 2 {
		for x := range 2 {
			ref.SetRGBA(2+x, y, src.RGBAAt(1+x, 1+y))
		}
	}
	w := want(fb, ref)
	// Pixels never drawn keep the pad (want wrote black there).
	for y := range 3 {
		for x := range 4 {
			if x < 2 || y == 2 {
				copy(w[y*16+x*3:], []byte{pad, pad, pad})
			}
		}
	}
	if !bytes.Equal(fb.mem, w) {
		t.Errorf("partial draw\n got % x\nwant % x", fb.mem, w)
	}

	// A non-RGBA source goes through draw.Draw.
	u := image.NewUniform(color.NRGBA{0x12, 0x34, 0x56, 0xFF})
	if err := d.Draw(d.Bounds(), u, image.Point{}); err != nil {
		t.Fatal(err)
	}
	for y := range 3 {
		row := fb.mem[y*16 : y*16+16]
		if !bytes.Equal(row[:12], bytes.Repeat([]byte{0x56, 0x34, 0x12}, 4)) || !bytes.Equal(row[12:], []byte{pad, pad, pad, pad}) {
			t.Errorf("uniform row %d: % x", y, row)
		}
	}

	// Outside the screen: nothing drawn, no error.
	before := bytes.Clone(fb.mem)
	if err := d.Draw(image.Rect(10, 10, 20, 20), src, image.Point{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, fb.mem) {
		t.Error("draw outside the screen changed memory")
	}
	if err := d.Draw(d.Bounds(), nil, image.Point{}); err == nil {
		t.Error("nil source: no error")
	}
}

func TestOffsetsHaltClose(t *testing.T) {
	// 2×2 visible at (1,1) of a 4×4 virtual screen.
	fb := newFake(XRGB8888, 4, 4, 0)
	fb.vi.Xres, fb.vi.Yres, fb.vi.Xoffset, fb.vi.Yoffset = 2, 2, 1, 1
	d, err := newDev(fb, "fake", &Opts{})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Bounds(); got != image.Rect(0, 0, 2, 2) {
		t.Fatalf("bounds %v", got)
	}
	if err := d.Draw(d.Bounds(), testImage(2, 2), image.Point{}); err != nil {
		t.Fatal(err)
	}
	for y := range 4 {
		for x := range 4 {
			px := fb.mem[y*16+x*4 : y*16+x*4+4]
			inside := x >= 1 && x < 3 && y >= 1 && y < 3
			if untouched := bytes.Equal(px, []byte{pad, pad, pad, pad}); untouched == inside {
				t.Errorf("(%d,%d) inside=%v: % x", x, y, inside, px)
			}
		}
	}
	if err := d.Halt(); err != nil {
		t.Fatal(err)
	}
	for y := 1; y < 3; y++ {
		if got := fb.mem[y*16+4 : y*16+12]; !bytes.Equal(got, make([]byte, 8)) {
			t.Errorf("after Halt row %d: % x", y, got)
		}
	}
	if err := d.Close(); err != nil || !fb.closed {
		t.Fatalf("Close: %v, closed %v", err, fb.closed)
	}
	if err := d.Draw(d.Bounds(), testImage(2, 2), image.Point{}); err == nil {
		t.Error("Draw after Close: no error")
	}
	if !strings.Contains(d.String(), `"fake" 2x2 XRGB8888`) {
		t.Errorf("String() = %s", d)
	}
}

func TestVSync(t *testing.T) {
	fb := newFake(RGB565, 2, 2, 0)
	fb.vsyncErr = syscall.ENOTTY
	d, err := newDev(fb, "fake", nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := d.Draw(d.Bounds(), testImage(2, 2), image.Point{}); err != nil {
			t.Fatal(err)
		}
	}
	if fb.vsyncs != 1 {
		t.Errorf("ENOTTY: asked for vsync %d times, want 1", fb.vsyncs)
	}

	fb = newFake(RGB565, 2, 2, 0)
	d, _ = newDev(fb, "fake", nil)
	_ = d.Draw(d.Bounds(), testImage(2, 2), image.Point{})
	_ = d.Draw(d.Bounds(), testImage(2, 2), image.Point{})
	if fb.vsyncs != 2 {
		t.Errorf("vsync supported: %d waits, want 2", fb.vsyncs)
	}

	fb = newFake(RGB565, 2, 2, 0)
	d, _ = newDev(fb, "fake", &Opts{NoVSync: true})
	_ = d.Draw(d.Bounds(), testImage(2, 2), image.Point{})
	if fb.vsyncs != 0 {
		t.Errorf("NoVSync: %d waits", fb.vsyncs)
	}
}

func TestOpenErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*fakeFB)
		want string
	}{
		{"gray", func(f *fakeFB) { f.vi.Grayscale = 1 }, "grayscale"},
		{"bpp8", func(f *fakeFB) { f.vi.BitsPerPixel = 8 }, "8 bpp"},
		{"overlap", func(f *fakeFB) { f.vi.Green = fbBitfield{Offset: 10, Length: 6} }, "green 10/6"},
		{"bpp12", func(f *fakeFB) { f.vi.BitsPerPixel = 12 }, "12 bpp"},
		{"planes", func(f *fakeFB) { f.fix.Type = 1 }, "type 1"},
		{"pseudocolor", func(f *fakeFB) { f.fix.Visual = 3 }, "visual 3"},
		{"small", func(f *fakeFB) { f.fix.SmemLen = 10 }, "smaller"},
		{"stride", func(f *fakeFB) { f.fix.LineLength = 2 }, "line_length 2"},
	} {
		fb := newFake(RGB565, 4, 4, 0)
		tc.edit(fb)
		_, err := newDev(fb, "fake", nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
	if _, err := Open("/nonexistent/fb9", nil); err == nil || !strings.Contains(err.Error(), `"/nonexistent/fb9"`) {
		t.Errorf("Open missing device: %v", err)
	}
	var pe interface{ Unwrap() error }
	_, err := Open("/nonexistent/fb9", nil)
	if !errors.As(err, &pe) {
		t.Errorf("Open error does not wrap: %v", err)
	}
}

// TestABI checks the struct sizes against <linux/fb.h>.
func TestABI(t *testing.T) {
	if n := unsafe.Sizeof(varScreenInfo{}); n != 160 {
		t.Errorf("fb_var_screeninfo: %d bytes, want 160", n)
	}
	want := uintptr(80)
	if unsafe.Sizeof(uintptr(0)) == 4 {
		want = 68
	}
	if n := unsafe.Sizeof(fixScreenInfo{}); n != want {
		t.Errorf("fb_fix_screeninfo: %d bytes, want %d", n, want)
	}
	// line_length is at 48 on 64-bit, 44 on 32-bit.
	if off := unsafe.Offsetof(fixScreenInfo{}.LineLength); off != map[uintptr]uintptr{80: 48, 68: 44}[want] {
		t.Errorf("line_length at offset %d", off)
	}
}

func TestDrawer(t *testing.T) {
	var _ display.Drawer = (*Dev)(nil)
	fb := newFake(XBGR8888, 2, 2, 0)
	d, err := newDev(fb, "fake", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.ColorModel() != color.RGBAModel {
		t.Error("color model")
	}
}
