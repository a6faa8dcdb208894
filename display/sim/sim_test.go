package sim

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func noise(r image.Rectangle, seed uint64) *image.RGBA {
	img := image.NewRGBA(r)
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.UintN(256))
	}
	return img
}

// nrgba hides the *image.RGBA type so Draw takes the draw.Draw path.
type opaque struct{ image.Image }

func TestNewRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts *Opts
	}{
		{"x", nil},
		{"", &Opts{Width: 1, Height: 1}},
		{"x", &Opts{Width: 0, Height: 1}},
		{"x", &Opts{Width: 1, Height: -1}},
		{"x", &Opts{Width: 100000, Height: 1}},
		{"x", &Opts{Width: 1, Height: 1, Pitch: 4}}, // a TV has no pitch
		{"x", &Opts{Width: 1, Height: 1, LED: true, Pitch: 0.1}},
	} {
		if _, err := New(tc.name, tc.opts); err == nil {
			t.Errorf("New(%q, %+v) = nil error", tc.name, tc.opts)
		}
	}
}

// TestDrawMatchesDrawDraw checks the row-copy fast path against draw.Draw for
// full frames, partial updates, offsets and clipping on every side.
func TestDrawMatchesDrawDraw(t *testing.T) {
	full := image.Rect(0, 0, 16, 8)
	for _, tc := range []struct {
		name string
		dst  image.Rectangle
		src  image.Rectangle
		sp   image.Point
	}{
		{"full", full, full, image.Point{}},
		{"partial", image.Rect(3, 2, 9, 5), full, image.Point{}},
		{"src offset", image.Rect(0, 0, 8, 4), full, image.Pt(5, 3)},
		{"dst past edge", image.Rect(10, 5, 30, 30), full, image.Point{}},
		{"dst before origin", image.Rect(-4, -2, 6, 6), full, image.Point{}},
		{"small src", full, image.Rect(0, 0, 5, 3), image.Point{}},
		{"src not at origin", full, image.Rect(2, 2, 10, 10), image.Pt(2, 2)},
		{"src point outside", full, image.Rect(0, 0, 4, 4), image.Pt(10, 10)},
		{"sub-image", image.Rect(1, 1, 15, 7), image.Rect(0, 0, 40, 40), image.Pt(20, 20)},
		{"empty", image.Rect(3, 3, 3, 3), full, image.Point{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := noise(tc.src, 7)
			if tc.name == "sub-image" {
				src = src.SubImage(image.Rect(20, 20, 34, 26)).(*image.RGBA)
			}
			want := noise(full, 3)
			draw.Draw(want, tc.dst, src, tc.sp, draw.Src)
			for _, s := range []image.Image{src, opaque{src}} {
				d, err := New("t", &Opts{Width: 16, Height: 8})
				if err != nil {
					t.Fatal(err)
				}
				copy(d.img.Pix, noise(full, 3).Pix)
				if err := d.Draw(tc.dst, s, tc.sp); err != nil {
					t.Fatal(err)
				}
				if got := d.Snapshot(); !bytes.Equal(got.Pix, want.Pix) {
					t.Errorf("%T: Draw(%v, src %v, %v) differs from draw.Draw", s, tc.dst, src.Bounds(), tc.sp)
				}
			}
		})
	}
}

func TestHaltSnapshotFrames(t *testing.T) {
	d, err := New("square", &Opts{Width: 4, Height: 2, LED: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Draw(d.Bounds(), &image.Uniform{color.RGBA{9, 8, 7, 255}}, image.Point{}); err != nil {
		t.Fatal(err)
	}
	snap := d.Snapshot()
	if got := snap.RGBAAt(3, 1); got != (color.RGBA{9, 8, 7, 255}) {
		t.Fatalf("after Draw pixel = %v", got)
	}
	if err := d.Halt(); err != nil {
		t.Fatal(err)
	}
	if got := d.Snapshot().RGBAAt(3, 1); got != (color.RGBA{0, 0, 0, 255}) {
		t.Errorf("after Halt pixel = %v, want black", got)
	}
	if got := snap.RGBAAt(3, 1); got != (color.RGBA{9, 8, 7, 255}) {
		t.Errorf("Snapshot shares memory with the device: %v", got)
	}
	if n := d.Frames(); n != 2 {
		t.Errorf("Frames = %d, want 2", n)
	}
	if d.String() != "square" || !d.LED() {
		t.Errorf("String/LED = %q/%v", d.String(), d.LED())
	}
	if err := d.Draw(d.Bounds(), nil, image.Point{}); err == nil {
		t.Error("Draw(nil) = nil error")
	}
}

func get(t *testing.T, h http.Handler, url string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", url, nil))
	return w
}

func TestPreviewHTTP(t *testing.T) {
	led, _ := New("square", &Opts{Width: 8, Height: 4, LED: true, Pitch: 10})
	tv, _ := New("tv", &Opts{Width: 32, Height: 18})
	p := NewPreview(led, tv, led)
	p.SetStatus(func() any { return map[string]string{"同步": "正常"} })
	_ = led.Draw(led.Bounds(), &image.Uniform{color.RGBA{255, 0, 0, 255}}, image.Point{})

	if w := get(t, p, "/"); w.Code != 200 || !strings.Contains(w.Body.String(), "阳光村务 显示预览") {
		t.Errorf("GET / = %d, title missing", w.Code)
	}
	var ds []displayInfo
	if err := json.Unmarshal(get(t, p, "/displays.json").Body.Bytes(), &ds); err != nil {
		t.Fatal(err)
	}
	want := []displayInfo{{"square", 8, 4, true, 1, 10}, {"tv", 32, 18, false, 0, 0}}
	if len(ds) != 2 || ds[0] != want[0] || ds[1] != want[1] {
		t.Errorf("displays.json = %+v, want %+v", ds, want)
	}
	if b := get(t, p, "/status.json").Body.String(); b != `[{"同步":"正常"}]` {
		t.Errorf("status.json = %s", b)
	}

	w := get(t, p, "/snapshot/square.png")
	img, err := png.Decode(w.Body)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	if r, g, _, _ := img.At(7, 3).RGBA(); r>>8 != 255 || g != 0 {
		t.Errorf("snapshot pixel = %v", img.At(7, 3))
	}
	for _, u := range []string{"/snapshot/nope.png", "/snapshot/square.jpg", "/frame/nope"} {
		if w := get(t, p, u); w.Code != 404 {
			t.Errorf("GET %s = %d, want 404", u, w.Code)
		}
	}
	if w := get(t, p, "/frame/tv?after=x"); w.Code != 400 {
		t.Errorf("bad after = %d, want 400", w.Code)
	}

	// LED frames come as PNG, TV frames as JPEG.
	w = get(t, p, "/frame/square")
	if w.Header().Get("Content-Type") != "image/png" || w.Header().Get("X-Frame") != "1" {
		t.Errorf("frame/square: %v", w.Header())
	}
	w = get(t, p, "/frame/tv")
	if _, err := jpeg.Decode(w.Body); err != nil || w.Header().Get("X-Frame") != "0" {
		t.Errorf("frame/tv: %v %v", w.Header(), err)
	}

	// A long poll for a frame newer than the current one answers when it is drawn.
	got := make(chan *httptest.ResponseRecorder)
	go func() { got <- get(t, p, "/frame/square?after=1") }()
	select {
	case w := <-got:
		t.Fatalf("long poll answered before a new frame: %d %v", w.Code, w.Header())
	case <-time.After(50 * time.Millisecond):
	}
	_ = led.Draw(led.Bounds(), &image.Uniform{color.RGBA{0, 255, 0, 255}}, image.Point{})
	w = <-got
	if w.Header().Get("X-Frame") != "2" {
		t.Errorf("long poll X-Frame = %q, want 2", w.Header().Get("X-Frame"))
	}
	img, err = png.Decode(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	if _, g, _, _ := img.At(0, 0).RGBA(); g>>8 != 255 {
		t.Errorf("long-polled frame pixel = %v, want green", img.At(0, 0))
	}
}

// TestEncodeOnce checks that watchers of an unchanged frame share one encoding.
func TestEncodeOnce(t *testing.T) {
	tv, _ := New("tv", &Opts{Width: 64, Height: 36})
	p := NewPreview(tv)
	e := p.enc["tv"]
	a, _, _, _ := e.encode()
	b, _, _, _ := e.encode()
	if &a[0] != &b[0] {
		t.Error("unchanged frame encoded twice")
	}
	_ = tv.Halt()
	c, _, n, _ := e.encode()
	if &a[0] == &c[0] || n != 1 {
		t.Errorf("changed frame not re-encoded (frame %d)", n)
	}
}

func BenchmarkSimDraw(b *testing.B) {
	d, _ := New("tv", &Opts{Width: 1280, Height: 720})
	src := noise(d.Bounds(), 1)
	b.SetBytes(int64(len(src.Pix)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Draw(d.Bounds(), src, image.Point{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, o := range []Opts{{Width: 128, Height: 64, LED: true}, {Width: 1280, Height: 720}} {
		d, _ := New("d", &o)
		e := NewPreview(d).enc["d"]
		src := noise(d.Bounds(), 1)
		// Smooth content, closer to rendered text than noise.
		draw.Draw(src, image.Rect(0, 0, o.Width/2, o.Height), &image.Uniform{color.RGBA{20, 30, 60, 255}}, image.Point{}, draw.Src)
		name := "tv-jpeg"
		if o.LED {
			name = "led-png"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = d.Draw(d.Bounds(), src, image.Point{})
				data, _, _, err := e.encode()
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(len(data)), "bytes/frame")
			}
		})
	}
}
