package fbdev

import (
	"bytes"
	"fmt"
	"image"
	"math/rand/v2"
	"testing"
)

// otherLayouts are screens only the generic converter handles.
var otherLayouts = map[string]varScreenInfo{
	"RGB555":      {BitsPerPixel: 16, Red: fbBitfield{Offset: 10, Length: 5}, Green: fbBitfield{Offset: 5, Length: 5}, Blue: fbBitfield{Offset: 0, Length: 5}},
	"ARGB1555":    {BitsPerPixel: 16, Red: fbBitfield{Offset: 10, Length: 5}, Green: fbBitfield{Offset: 5, Length: 5}, Blue: fbBitfield{Offset: 0, Length: 5}, Transp: fbBitfield{Offset: 15, Length: 1}},
	"RGB332":      {BitsPerPixel: 8, Red: fbBitfield{Offset: 5, Length: 3}, Green: fbBitfield{Offset: 2, Length: 3}, Blue: fbBitfield{Offset: 0, Length: 2}},
	"XRGB2101010": {BitsPerPixel: 32, Red: fbBitfield{Offset: 20, Length: 10}, Green: fbBitfield{Offset: 10, Length: 10}, Blue: fbBitfield{Offset: 0, Length: 10}},
	"RGBX8888":    {BitsPerPixel: 32, Red: fbBitfield{Offset: 24, Length: 8}, Green: fbBitfield{Offset: 16, Length: 8}, Blue: fbBitfield{Offset: 8, Length: 8}},
}

// refPixel is the reference conversion of one pixel: each field as the
// kernel documents it, stored little-endian. XRGB8888's X byte is 0xFF,
// XBGR8888 (a copy) keeps the source alpha there; other layouts put alpha
// in the transp field.
func refPixel(f Format, vi *varScreenInfo, r, g, b, a byte) []byte {
	field := func(c byte, bf fbBitfield) uint32 {
		if bf.Length == 0 {
			return 0
		}
		if bf.Length <= 8 {
			return uint32(c) >> (8 - bf.Length) << bf.Offset
		}
		return uint32(c) * (1<<bf.Length - 1) / 255 << bf.Offset
	}
	v := field(r, vi.Red) | field(g, vi.Green) | field(b, vi.Blue) | field(a, vi.Transp)
	switch f {
	case XRGB8888:
		v |= 0xFF << 24
	case XBGR8888:
		v |= uint32(a) << 24
	}
	out := []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}
	return out[:vi.BitsPerPixel/8]
}

type layout struct {
	name string
	f    Format
	vi   varScreenInfo
}

func allLayouts() []layout {
	var ls []layout
	for _, f := range []Format{RGB565, BGR565, RGB888, BGR888, XRGB8888, XBGR8888} {
		l := layouts[f]
		ls = append(ls, layout{f.String(), f, varScreenInfo{BitsPerPixel: l.bpp, Red: l.r, Green: l.g, Blue: l.b}})
	}
	for name, vi := range otherLayouts {
		ls = append(ls, layout{name, Other, vi})
	}
	return ls
}

// fakeFor is a w×h screen in layout l with extra padding bytes per line.
func fakeFor(l layout, w, h, extra int) *fakeFB {
	bpp := int(l.vi.BitsPerPixel / 8)
	fb := newFake(RGB565, w, h, w*bpp+extra)
	fb.vi.BitsPerPixel = l.vi.BitsPerPixel
	fb.vi.Red, fb.vi.Green, fb.vi.Blue, fb.vi.Transp = l.vi.Red, l.vi.Green, l.vi.Blue, l.vi.Transp
	return fb
}

func randomImage(rng *rand.Rand, w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.Uint32())
	}
	return img
}

// checkDraw draws src's sp onward into r and compares the whole memory
// with the reference conversion, pad bytes included.
func checkDraw(t *testing.T, l layout, w, h, extra int, src *image.RGBA, r image.Rectangle, sp image.Point, workers int) {
	t.Helper()
	fb := fakeFor(l, w, h, extra)
	d, err := newDev(fb, "fake", &Opts{NoVSync: true, Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	if d.Format() != l.f {
		t.Fatalf("format %s, want %s", d.Format(), l.f)
	}
	if err := d.Draw(r, src, sp); err != nil {
		t.Fatal(err)
	}
	stride, bpp := int(fb.fix.LineLength), int(l.vi.BitsPerPixel/8)
	want := bytes.Repeat([]byte{pad}, len(fb.mem))
	cr := r.Intersect(d.Bounds())
	for y := cr.Min.Y; y < cr.Max.Y; y++ {
		for x := cr.Min.X; x < cr.Max.X; x++ {
			p := image.Pt(x, y).Sub(r.Min).Add(sp)
			if !p.In(src.Bounds()) {
				continue
			}
			c := src.RGBAAt(p.X, p.Y)
			copy(want[y*stride+x*bpp:], refPixel(l.f, &l.vi, c.R, c.G, c.B, c.A))
		}
	}
	if !bytes.Equal(fb.mem, want) {
		for i := range want {
			if fb.mem[i] != want[i] {
				t.Fatalf("%s %dx%d+%d r=%v sp=%v: first difference at byte %d (row %d): got % x, want % x",
					l.name, w, h, extra, r, sp, i, i/stride, fb.mem[i:min(i+8, len(want))], want[i:min(i+8, len(want))])
			}
		}
	}
}

// TestConvertMatchesReference runs every fast loop and the generic one on
// random pixels at widths around the 4- and 16-pixel blocks (Go loops and
// assembly), with line padding,
// clipped rectangles, and rows split across workers.
func TestConvertMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, l := range allLayouts() {
		t.Run(l.name, func(t *testing.T) {
			for w := 1; w <= 70; w++ {
				src := randomImage(rng, w, 3)
				checkDraw(t, l, w, 3, w%5, src, image.Rect(0, 0, w, 3), image.Point{}, 1)
			}
			// Clipped: a source window drawn partly off screen, odd offsets.
			src := randomImage(rng, 40, 20)
			for _, tc := range []struct {
				r  image.Rectangle
				sp image.Point
			}{
				{image.Rect(3, 1, 30, 9), image.Pt(5, 2)},
				{image.Rect(-4, -2, 11, 5), image.Pt(1, 1)},
				{image.Rect(20, 10, 60, 40), image.Pt(33, 15)},
				{image.Rect(1, 0, 2, 12), image.Pt(0, 0)},
			} {
				checkDraw(t, l, 25, 12, 6, src, tc.r, tc.sp, 1)
			}
			// Big enough to be split into bands.
			big := randomImage(rng, 517, 263)
			checkDraw(t, l, 517, 263, 2, big, image.Rect(0, 0, 517, 263), image.Point{}, 3)
		})
	}
}

// FuzzConvert compares each layout's loop with the reference on arbitrary
// bytes, widths and offsets.
func FuzzConvert(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, uint8(5), uint8(0), uint8(1))
	f.Add(bytes.Repeat([]byte{0xFF, 0x00, 0x80}, 40), uint8(7), uint8(3), uint8(2))
	ls := allLayouts()
	f.Fuzz(func(t *testing.T, pix []byte, w, x0, li uint8) {
		width := int(w%70) + 1
		h := len(pix) / (4 * width)
		if h == 0 {
			return
		}
		h = min(h, 8)
		src := image.NewRGBA(image.Rect(0, 0, width, h))
		copy(src.Pix, pix)
		l := ls[int(li)%len(ls)]
		x := int(x0) % (width + 2)
		t.Run(fmt.Sprint(l.name), func(t *testing.T) {
			checkDraw(t, l, width+1, h, int(x0)%3, src, image.Rect(x, 0, x+width, h), image.Point{}, 1)
		})
	})
}
