package agent_test

import (
	"image"
	"testing"
	"time"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/content/sample"
	"github.com/sunboard/sunboard/player"
	"github.com/sunboard/sunboard/render"
)

// BenchmarkRenderSample lays out the whole sample village, every page of
// every due item, per display profile: the work a board does after a sync.
func BenchmarkRenderSample(b *testing.B) {
	v, err := content.Load(sample.Village())
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range []struct{ profile, size string }{
		{"led-mono", "128x64"}, {"led-rgb", "128x64"}, {"tv", "720x576"}, {"tv", "1280x720"}, {"tv", "1920x1080"},
	} {
		prof, err := render.ParseProfile(p.profile, p.size)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(p.profile+"-"+p.size, func(b *testing.B) {
			b.ReportAllocs()
			pages := 0
			for b.Loop() {
				// A fresh renderer each time: a new version means new layout.
				r, err := render.New(prof)
				if err != nil {
					b.Fatal(err)
				}
				ps, err := player.Playlist(r, v, renderAt)
				if err != nil {
					b.Fatal(err)
				}
				pages = len(ps)
			}
			b.ReportMetric(float64(pages), "pages")
		})
	}
}

// BenchmarkScrollFrameTV is the per-frame cost of playing the sample on a
// 1280×720 TV as the player does: every page stays 250 frames (10 s at
// 25 fps), so the cost includes drawing each page once on arrival,
// amortised, plus the crawl and clock of every frame. One op is one frame.
func BenchmarkScrollFrameTV(b *testing.B) {
	pages, dst := tvPages(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := pages[(i/250)%len(pages)]
		p.Frame(dst, time.Duration(i%250)*40*time.Millisecond)
		i++
	}
}

// BenchmarkPageChangeTV is the first frame of a page not drawn before:
// the one frame where a TV page is laid into pixels.
func BenchmarkPageChangeTV(b *testing.B) {
	pages, dst := tvPages(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		pages[i%len(pages)].Frame(dst, 0)
		i++
	}
}

func tvPages(b *testing.B) ([]*render.Page, *image.RGBA) {
	v, err := content.Load(sample.Village())
	if err != nil {
		b.Fatal(err)
	}
	prof, _ := render.ParseProfile("tv", "1280x720")
	r, err := render.New(prof)
	if err != nil {
		b.Fatal(err)
	}
	pages, err := player.Playlist(r, v, renderAt)
	if err != nil {
		b.Fatal(err)
	}
	clock := func() time.Time { return renderAt }
	for _, p := range pages {
		p.SetClock(clock)
	}
	return pages, image.NewRGBA(image.Rect(0, 0, prof.Width, prof.Height))
}
