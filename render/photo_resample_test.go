package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math/rand/v2"
	"testing"

	"github.com/disintegration/imaging"
)

// shrinkTwoPass is shrink as it was before it streamed: the whole
// horizontal pass into a w×sh image, then the vertical pass. The streaming
// resampler must give exactly its pixels (boards and previews that
// resampled before the change must not differ from those after).
func shrinkTwoPass(src image.Image, w, h int) *image.RGBA {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	line := image.NewRGBA(image.Rect(0, 0, sw, 1))
	xw := resampleWeights(sw, w)
	yw := resampleWeights(sh, h)
	mid := image.NewRGBA(image.Rect(0, 0, w, sh))
	for y := range sh {
		draw.Draw(line, line.Rect, src, image.Pt(b.Min.X, b.Min.Y+y), draw.Src)
		row := line.Pix
		out := mid.Pix[y*mid.Stride : y*mid.Stride+4*w]
		for x, taps := range xw {
			var r, g, bl, a int32
			for _, t := range taps.w {
				p := row[4*int(t.at):]
				r += int32(p[0]) * t.v
				g += int32(p[1]) * t.v
				bl += int32(p[2]) * t.v
				a += int32(p[3]) * t.v
			}
			storePremul(out[4*x:], r, g, bl, a)
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y, taps := range yw {
		out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x := range w {
			var r, g, bl, a int32
			for _, t := range taps.w {
				p := mid.Pix[int(t.at)*mid.Stride+4*x:]
				r += int32(p[0]) * t.v
				g += int32(p[1]) * t.v
				bl += int32(p[2]) * t.v
				a += int32(p[3]) * t.v
			}
			storePremul(out[4*x:], r, g, bl, a)
		}
	}
	return dst
}

// grainy is a smooth picture with grain, like a photographed receipt; with
// alpha, a PNG with a transparent margin.
func grainy(w, h int, alpha bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(3, 4))
	for y := range h {
		for x := range w {
			a := uint8(255)
			if alpha && (x < w/8 || y < h/8) {
				a = uint8(rng.IntN(256))
			}
			img.SetNRGBA(x, y, color.NRGBA{uint8(x*255/w) ^ uint8(rng.IntN(16)), uint8(y * 255 / h), 0x80, a})
		}
	}
	return img
}

func jpegOf(t testing.TB, img image.Image) image.Image {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	im, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return im // *image.YCbCr, as phones' photos decode
}

func TestStreamingResample(t *testing.T) {
	phone := jpegOf(t, grainy(1440, 1920, false))
	for _, tc := range []struct {
		name string
		src  image.Image
		w, h int
	}{
		{"shrink 301x517 to 97x166", grainy(301, 517, false), 97, 166},
		{"shrink to 1 pixel", grainy(301, 517, false), 1, 1},
		{"alpha", grainy(200, 300, true), 61, 90},
		{"YCbCr 1440x1920 to 720p width", phone, 1152, 1536},
		{"enlarge 1440x1920 to 1080p width", phone, 1728, 2304},
		{"enlarge by less than 2", grainy(120, 90, false), 233, 174},
		{"one row", grainy(500, 1, false), 123, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := shrinkTwoPass(tc.src, tc.w, tc.h)
			if got := shrink(tc.src, tc.w, tc.h); !bytes.Equal(got.Pix, want.Pix) {
				t.Fatal("streaming shrink differs from the two-pass resample")
			}
			// scaleInto onto transparent black is the same premultiplied
			// pixels; clipped to a window at any offset, the same rows.
			full := image.NewRGBA(image.Rect(0, 0, tc.w, tc.h))
			scaleInto(full, image.Point{}, tc.src, tc.w, tc.h)
			if !bytes.Equal(full.Pix, want.Pix) {
				t.Fatal("scaleInto differs from the two-pass resample")
			}
			for _, off := range []int{0, tc.h / 3, tc.h - 1} {
				win := image.NewRGBA(image.Rect(0, 0, tc.w+20, min(40, tc.h)))
				sub := win.SubImage(image.Rect(10, 5, tc.w+10, win.Rect.Dy())).(*image.RGBA)
				scaleInto(sub, image.Pt(10, 5-off), tc.src, tc.w, tc.h)
				for y := 0; y < win.Rect.Dy(); y++ {
					row := win.Pix[y*win.Stride : (y+1)*win.Stride]
					py := y - 5 + off
					if y < 5 || py >= tc.h {
						if bytes.Count(row, []byte{0}) != len(row) {
							t.Fatalf("offset %d: row %d drawn outside the window", off, y)
						}
						continue
					}
					if !bytes.Equal(row[40:40+4*tc.w], want.Pix[py*want.Stride:(py+1)*want.Stride]) {
						t.Fatalf("offset %d: row %d is not photo row %d", off, y, py)
					}
				}
			}
		})
	}
}

// TestScaleIntoNearest: a whole enlargement of 2 or more repeats pixels,
// as imaging's NearestNeighbor (LED's enlargement) does: small scans stay
// sharp.
func TestScaleIntoNearest(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 37, 23))
	copy(src.Pix, grainy(37, 23, false).Pix)
	for _, k := range []int{2, 3, 7} {
		want := imaging.Resize(src, 37*k, 23*k, imaging.NearestNeighbor)
		got := image.NewRGBA(image.Rect(0, 0, 37*k, 23*k))
		scaleInto(got, image.Point{}, src, 37*k, 23*k)
		if !bytes.Equal(got.Pix, want.Pix) {
			t.Errorf("×%d: differs from nearest-neighbour", k)
		}
	}
}

// TestScaleIntoOver: a photo with transparency is drawn over the page
// (its background shows through), an opaque one replaces it.
func TestScaleIntoOver(t *testing.T) {
	bg := color.RGBA{250, 247, 240, 255}
	src := image.NewNRGBA(image.Rect(0, 0, 4, 1))
	src.SetNRGBA(0, 0, color.NRGBA{0, 0, 0, 0})
	src.SetNRGBA(1, 0, color.NRGBA{10, 20, 30, 255})
	src.SetNRGBA(2, 0, color.NRGBA{0, 0, 0, 128})
	src.SetNRGBA(3, 0, color.NRGBA{200, 100, 0, 255})
	dst := image.NewRGBA(image.Rect(0, 0, 4, 1))
	fillRect(dst, dst.Rect, bg)
	scaleInto(dst, image.Point{}, src, 4, 1)
	for x, want := range []color.RGBA{bg, {10, 20, 30, 255}, {125, 123, 120, 255}, {200, 100, 0, 255}} {
		if got := dst.RGBAAt(x, 0); got != want {
			t.Errorf("pixel %d = %v, want %v", x, got, want)
		}
	}
}

// TestResampleDeterminism pins the bytes of two resamples: they must be
// the same on every architecture (the integer weights of resample.go;
// an FMA-fused float expression would move them on arm64). Run under
// qemu-aarch64 as well as natively.
func TestResampleDeterminism(t *testing.T) {
	src := grainy(413, 587, true)
	for _, tc := range []struct {
		w, h int
		want string
	}{
		{131, 186, "4aad45cbea983629"},
		{700, 995, "56c8f52cbb410e03"},
	} {
		img := image.NewRGBA(image.Rect(0, 0, tc.w, tc.h))
		scaleInto(img, image.Point{}, src, tc.w, tc.h)
		sum := sha256.Sum256(img.Pix)
		if got := hex.EncodeToString(sum[:8]); got != tc.want {
			t.Errorf("%dx%d: sha256 %s, want %s", tc.w, tc.h, got, tc.want)
		}
	}
}
