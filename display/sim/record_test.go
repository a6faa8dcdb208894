package sim

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock() *fakeClock               { return &fakeClock{t: time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC)} }
func dot(w, h, x int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 0xFF
	}
	img.SetRGBA(x, h/2, c)
	return img
}

// TestRecordGIFAndPNGs moves a dot across an LED board at 100 ms a step and
// checks what a GIF decoder and the PNG files say: frame count, size,
// delays from the real frame times, repeats merged, frames differing.
func TestRecordGIFAndPNGs(t *testing.T) {
	defer func(q int) { recordQueue = q }(recordQueue)
	recordQueue = 100
	dir := t.TempDir()
	clk := newClock()
	d, err := New("square", &Opts{Width: 16, Height: 8, LED: true})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := d.Record(RecordOpts{GIF: filepath.Join(dir, "square.gif"), Dir: filepath.Join(dir, "png"), Scale: 3, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Record(RecordOpts{GIF: filepath.Join(dir, "again.gif")}); err == nil {
		t.Error("a second recording of the same display: no error")
	}
	red := color.RGBA{255, 0, 0, 255}
	for x := range 5 {
		clk.add(100 * time.Millisecond)
		_ = d.Draw(d.Bounds(), dot(16, 8, x, red), image.Point{})
	}
	clk.add(150 * time.Millisecond)
	_ = d.Draw(d.Bounds(), dot(16, 8, 4, red), image.Point{}) // unchanged: lengthens frame 5
	clk.add(50 * time.Millisecond)
	_ = d.Draw(d.Bounds(), dot(16, 8, 5, red), image.Point{})
	clk.add(5 * time.Millisecond)
	_ = d.Draw(d.Bounds(), dot(16, 8, 6, red), image.Point{}) // 5 ms later: replaces it
	clk.add(300 * time.Millisecond)
	if err := rec.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rec.Done():
	default:
		t.Error("Done not closed after Stop")
	}
	clk.add(time.Second)
	_ = d.Draw(d.Bounds(), dot(16, 8, 9, red), image.Point{}) // after Stop: not recorded
	if n, dropped := rec.Frames(); n != 9 || dropped != 0 {
		t.Errorf("%d frames taken, %d dropped; want 9 (the first and 8 draws)", n, dropped)
	}

	f, err := os.Open(filepath.Join(dir, "square.gif"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	// Black at 0, dots at 100..500 ms, dot 6 at 700 (replacing dot 5 at
	// 700), stopped at 1005 ms: 100.5 cs rounds to 101.
	wantDelays := []int{10, 10, 10, 10, 10, 20, 31}
	if len(g.Image) != len(wantDelays) || !slices.Equal(g.Delay, wantDelays) {
		t.Errorf("%d GIF frames, delays %v; want %v", len(g.Image), g.Delay, wantDelays)
	}
	if g.Config.Width != 48 || g.Config.Height != 24 || g.LoopCount != 0 {
		t.Errorf("GIF %dx%d loop %d, want 48x24 looping", g.Config.Width, g.Config.Height, g.LoopCount)
	}
	if g.Image[0].Bounds() != image.Rect(0, 0, 48, 24) {
		t.Errorf("first frame bounds %v, want the whole picture", g.Image[0].Bounds())
	}
	// Later frames are the rectangle that changed: the old dot and the new.
	if b := g.Image[2].Bounds(); b != image.Rect(0, 12, 6, 15) {
		t.Errorf("frame 2 bounds %v, want the two dots' 3×3 blocks", b)
	}
	// What a viewer shows: each frame drawn over the last. Dot x is lit in
	// frame x+1 (frame 0 is black) and dot 6 in the last frame.
	canvas := image.NewRGBA(image.Rect(0, 0, 48, 24))
	var prev []byte
	for i, p := range g.Image {
		draw.Draw(canvas, p.Bounds(), p, p.Bounds().Min, draw.Src)
		if bytes.Equal(canvas.Pix, prev) {
			t.Errorf("frame %d shows the same picture as frame %d", i, i-1)
		}
		prev = bytes.Clone(canvas.Pix)
		lit := -1
		for x := range 16 {
			if c := canvas.RGBAAt(3*x+1, 13); c == red {
				if lit >= 0 {
					t.Errorf("frame %d: dots at %d and %d", i, lit, x)
				}
				lit = x
			}
		}
		want := i - 1
		if i == len(g.Image)-1 {
			want = 6
		}
		if lit != want {
			t.Errorf("frame %d: dot at %d, want %d", i, lit, want)
		}
	}

	csv, err := os.ReadFile(filepath.Join(dir, "png", "frames.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if len(lines) != 10 || lines[1] != "000001.png,0" || lines[9] != "000009.png,705" {
		t.Errorf("frames.csv:\n%s", csv)
	}
	pf, err := os.Open(filepath.Join(dir, "png", "000003.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	img, err := png.Decode(pf)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, 48, 24) {
		t.Errorf("PNG bounds %v", img.Bounds())
	}
	if r, _, _, _ := img.At(4, 13).RGBA(); r != 0xFFFF {
		t.Error("PNG 3 lacks the dot at x=1")
	}
}

func TestRecordLimits(t *testing.T) {
	defer func(q int) { recordQueue = q }(recordQueue)
	recordQueue = 100
	dir := t.TempDir()
	clk := newClock()
	d, _ := New("tv", &Opts{Width: 32, Height: 18})
	rec, err := d.Record(RecordOpts{GIF: filepath.Join(dir, "tv.gif"), MaxFrames: 3, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	for x := range 6 {
		clk.add(40 * time.Millisecond)
		_ = d.Draw(d.Bounds(), dot(32, 18, x, color.RGBA{0x12, 0x34, 0x56, 255}), image.Point{})
	}
	<-rec.Done() // the fourth frame found the limit
	if err := rec.Stop(); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "tv.gif"))
	g, err := gif.DecodeAll(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 3 || !slices.Equal(g.Delay, []int{4, 4, 4}) {
		t.Errorf("%d frames, delays %v; want 3 of 4 cs", len(g.Image), g.Delay)
	}

	d2, _ := New("square", &Opts{Width: 8, Height: 8, LED: true})
	rec2, _ := d2.Record(RecordOpts{Dir: filepath.Join(dir, "d"), MaxDuration: time.Second, Now: clk.now})
	clk.add(2 * time.Second)
	_ = d2.Draw(d2.Bounds(), dot(8, 8, 1, color.RGBA{0, 255, 0, 255}), image.Point{})
	<-rec2.Done()
	if n, _ := rec2.Frames(); n != 1 {
		t.Errorf("%d frames after the time limit, want only the first", n)
	}

	if _, err := d2.Record(RecordOpts{}); err == nil {
		t.Error("Record without GIF or Dir: no error")
	}
	if _, err := d2.Record(RecordOpts{GIF: filepath.Join(dir, "missing", "x.gif")}); err == nil {
		t.Error("Record into a missing directory: no error")
	}
}
