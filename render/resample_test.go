package render

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/disintegration/imaging"
	"github.com/sunboard/sunboard/content"
)

func TestShrink(t *testing.T) {
	flat := image.NewUniform(color.RGBA{0x30, 0x80, 0xc0, 0xff})
	noise := image.NewRGBA(image.Rect(0, 0, 301, 517))
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range noise.Rect.Dy() {
		for x := range noise.Rect.Dx() {
			// A smooth picture with some grain, like a photographed receipt.
			v := uint8(x*255/300) ^ uint8(rng.IntN(16))
			noise.SetRGBA(x, y, color.RGBA{v, uint8(y * 255 / 516), 0x80, 0xff})
		}
	}
	stripes := image.NewRGBA(image.Rect(0, 0, 200, 100))
	for y := range 100 {
		for x := range 200 {
			if x%2 == 0 {
				stripes.SetRGBA(x, y, color.RGBA{0xff, 0xff, 0xff, 0xff})
			} else {
				stripes.SetRGBA(x, y, color.RGBA{0, 0, 0, 0xff})
			}
		}
	}
	for _, tc := range []struct {
		name      string
		src       image.Image
		w, h      int
		check     func(t *testing.T, got *image.RGBA)
		maxVsPeer int // largest channel difference from imaging's Catmull-Rom allowed
	}{
		{"flat stays flat", &image.Uniform{}, 0, 0, nil, 0},
		{"photo 301x517 to 97x166", noise, 97, 166, nil, 12},
		{"photo to 1 pixel", noise, 1, 1, nil, 10},
		{"stripes average to grey", stripes, 50, 25, func(t *testing.T, got *image.RGBA) {
			for i := 0; i < len(got.Pix); i += 4 {
				if v := got.Pix[i]; v < 0x60 || v > 0xa0 {
					t.Fatalf("pixel %d = %#x, want mid grey: stripes must be averaged, not aliased", i/4, v)
				}
			}
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.w == 0 {
				src := image.NewRGBA(image.Rect(0, 0, 640, 480))
				for i := 0; i < len(src.Pix); i += 4 {
					copy(src.Pix[i:], []byte{0x30, 0x80, 0xc0, 0xff})
				}
				got := shrink(src, 123, 77)
				for i := 0; i < len(got.Pix); i += 4 {
					if c := flat.C.(color.RGBA); got.Pix[i] != c.R || got.Pix[i+1] != c.G || got.Pix[i+2] != c.B || got.Pix[i+3] != c.A {
						t.Fatalf("pixel %d = %v, want %v", i/4, got.Pix[i:i+4], c)
					}
				}
				return
			}
			got := shrink(tc.src, tc.w, tc.h)
			if got.Rect != image.Rect(0, 0, tc.w, tc.h) {
				t.Fatalf("size %v, want %dx%d", got.Rect, tc.w, tc.h)
			}
			if tc.check != nil {
				tc.check(t, got)
			}
			if tc.maxVsPeer > 0 {
				peer := imaging.Resize(tc.src, tc.w, tc.h, imaging.CatmullRom)
				worst := 0
				for i := range got.Pix {
					d := int(got.Pix[i]) - int(peer.Pix[i])
					worst = max(worst, d, -d)
				}
				if worst > tc.maxVsPeer {
					t.Errorf("differs from imaging's Catmull-Rom by up to %d per channel, allowed %d", worst, tc.maxVsPeer)
				}
			}
		})
	}
}

func BenchmarkShrinkReceipt(b *testing.B) {
	src := image.NewRGBA(image.Rect(0, 0, 1440, 1920))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	b.Run("ours", func(b *testing.B) {
		for b.Loop() {
			shrink(src, 300, 400)
		}
	})
	b.Run("imaging-CatmullRom", func(b *testing.B) {
		for b.Loop() {
			imaging.Resize(src, 300, 400, imaging.CatmullRom)
		}
	})
}

// TestSourceSize: a TV layout's size-only answer is the photo's upright
// size, and a broken photo's error names the file each village calls it,
// though its bytes were decoded once.
func TestSourceSize(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 300, 400)), nil); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	broken := good[:len(good)/2]
	v := &content.Village{ID: "v", FS: fstest.MapFS{"a.jpg": {Data: good}, "bad.jpg": {Data: broken}, "also-bad.jpg": {Data: broken}}}
	r := mustRenderer(t, "tv", "1280x720")
	if w, h, err := r.sourceSize(v, "a.jpg"); err != nil || w != 300 || h != 400 {
		t.Errorf("sourceSize(a.jpg) = %dx%d, %v; want 300x400", w, h, err)
	}
	for _, name := range []string{"bad.jpg", "also-bad.jpg"} {
		if _, _, err := r.sourceSize(v, name); err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "已损坏") {
			t.Errorf("sourceSize(%s): err = %v, want the broken-photo error naming it", name, err)
		}
	}
}

// TestSharePhotos: with sharing on, a second Renderer (another village
// showing the same photo) gets the first one's fitted image; off, each
// decodes its own.
func TestSharePhotos(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 640, 480)), nil); err != nil {
		t.Fatal(err)
	}
	fit := func() (*image.RGBA, *image.RGBA) {
		a := &content.Village{ID: "a", FS: fstest.MapFS{"p.jpg": {Data: buf.Bytes()}}}
		b := &content.Village{ID: "b", FS: fstest.MapFS{"q.jpg": {Data: buf.Bytes()}}}
		i1, err1 := mustRenderer(t, "led-rgb", "128x64").loadPhoto(a, "p.jpg", 128, 0)
		i2, err2 := mustRenderer(t, "led-rgb", "128x64").loadPhoto(b, "q.jpg", 128, 0)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		return i1, i2
	}
	if i1, i2 := fit(); i1 == i2 {
		t.Error("sharing off: two renderers share one fitted photo")
	}
	SharePhotos(8 << 20)
	defer SharePhotos(0)
	if i1, i2 := fit(); i1 != i2 {
		t.Error("sharing on: the second renderer fitted the photo again")
	}
}
