package sim_test

import (
	"image"
	"image/color"
	"image/draw"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sunboard/sunboard/display/sim"
	"github.com/sunboard/sunboard/display/sim/simtest"
)

// animate draws a bar sliding across each device until stop is closed, as a
// scrolling notice would.
func animate(stop <-chan struct{}, fps int, devs ...*sim.Dev) {
	frames := make([]*image.RGBA, len(devs))
	for i, d := range devs {
		frames[i] = image.NewRGBA(d.Bounds())
	}
	tick := time.NewTicker(time.Second / time.Duration(fps))
	defer tick.Stop()
	for n := 0; ; n++ {
		for i, d := range devs {
			f, b := frames[i], d.Bounds()
			draw.Draw(f, b, &image.Uniform{color.RGBA{0x10, 0x18, 0x30, 0xff}}, image.Point{}, draw.Src)
			w := b.Dx() / 6
			x := n * max(1, b.Dx()/64) % (b.Dx() + w)
			bar := image.Rect(x-w, b.Dy()/4, x, b.Dy()*3/4)
			draw.Draw(f, bar, &image.Uniform{color.RGBA{0xff, 0xc0, 0x20, 0xff}}, image.Point{}, draw.Src)
			draw.Draw(f, image.Rect(0, 0, b.Dx(), b.Dy()/8), &image.Uniform{color.RGBA{0xd0, 0x20, 0x20, 0xff}}, image.Point{}, draw.Src)
			if err := d.Draw(b, f, image.Point{}); err != nil {
				panic(err)
			}
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

func startPreview(t *testing.T) (string, *sim.Dev, *sim.Dev) {
	t.Helper()
	led, err := sim.New("square", &sim.Opts{Width: 128, Height: 64, LED: true})
	if err != nil {
		t.Fatal(err)
	}
	tv, err := sim.New("tv", &sim.Opts{Width: 1280, Height: 720})
	if err != nil {
		t.Fatal(err)
	}
	p := sim.NewPreview(led, tv)
	p.SetStatus(func() any {
		return map[string]any{"同步状态": "已同步 2026-11-03 08:00", "正在播放": "村务公开 · 2026年10月财务收支", "下一项": "党务公开 · 支部会议"}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: p}
	go func() { _ = srv.Serve(ln) }()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { animate(stop, 30, led, tv); close(done) }()
	t.Cleanup(func() {
		close(stop)
		<-done
		_ = srv.Close()
	})
	return "http://" + ln.Addr().String() + "/", led, tv
}

func TestPreviewInChromium(t *testing.T) {
	simtest.Skip(t)
	url, _, _ := startPreview(t)
	// Under -race on a loaded 2-core CI machine a 720p JPEG takes a few
	// hundred ms to encode: give the browser time for several frames.
	simtest.Budget = 10 * time.Second
	stats := simtest.Check(t, url, "square", "tv")
	t.Logf("page reports %+v", stats)

	dir := t.TempDir()
	if d := os.Getenv("SIM_SCREENSHOT_DIR"); d != "" {
		dir = d
	}
	shot := filepath.Join(dir, "preview.png")
	simtest.Screenshot(t, url, shot)
	t.Logf("screenshot at %s", shot)
}

// TestPreviewPitchInChromium puts a P4 and a P10 board of the same pixel
// count side by side: the page must draw the P10 one 2.5 times as big and
// caption each with its size in metres.
func TestPreviewPitchInChromium(t *testing.T) {
	simtest.Skip(t)
	var devs []*sim.Dev
	for _, b := range []struct {
		name  string
		pitch float64
	}{{"p4", 4}, {"p10", 10}} {
		d, err := sim.New(b.name, &sim.Opts{Width: 64, Height: 32, LED: true, Pitch: b.pitch})
		if err != nil {
			t.Fatal(err)
		}
		devs = append(devs, d)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: sim.NewPreview(devs...)}
	go func() { _ = srv.Serve(ln) }()
	stop, done := make(chan struct{}), make(chan struct{})
	go func() { animate(stop, 30, devs...); close(done) }()
	t.Cleanup(func() { close(stop); <-done; _ = srv.Close() })
	url := "http://" + ln.Addr().String() + "/"

	stats := simtest.Check(t, url, "p4", "p10")
	p4, p10 := stats["p4"], stats["p10"]
	t.Logf("P4: %d px per LED, %q; P10: %d px, %q", p4.DotPx, p4.Caption, p10.DotPx, p10.Caption)
	// Whole pixels per dot: 4:10 within rounding.
	if p4.DotPx < 2 || p10.DotPx < 2*p4.DotPx || p10.DotPx > 3*p4.DotPx {
		t.Errorf("dots %d px (P4) and %d px (P10), want about 4:10", p4.DotPx, p10.DotPx)
	}
	for name, want := range map[string]string{"p4": "P4 · 0.26 m × 0.13 m", "p10": "P10 · 0.64 m × 0.32 m"} {
		if !strings.Contains(stats[name].Caption, want) {
			t.Errorf("%s caption %q, want it to contain %q", name, stats[name].Caption, want)
		}
	}
	if d := os.Getenv("SIM_SCREENSHOT_DIR"); d != "" {
		simtest.Screenshot(t, url, filepath.Join(d, "pitch.png"))
	}
}
