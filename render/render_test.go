package render

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden PNGs in testdata/")

func mustRenderer(t testing.TB, profile, size string) *Renderer {
	t.Helper()
	p, err := ParseProfile(profile, size)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParseProfile(t *testing.T) {
	tests := []struct {
		profile, size string
		want          Profile
		ok            bool
	}{
		{"led-rgb", "128x64", Profile{"led-rgb-128x64", LEDRGB, 128, 64}, true},
		{"led-mono", "64x32", Profile{"led-mono-64x32", LEDMono, 64, 32}, true},
		{"TV", "1280X720", Profile{"tv-1280x720", TV, 1280, 720}, true},
		{"tv", "720x576", Profile{"tv-720x576", TV, 720, 576}, true},
		{"tv", "64x32", Profile{}, false},
		{"oled", "128x64", Profile{}, false},
		{"led-rgb", "128*64", Profile{}, false},
		{"led-rgb", "0x64", Profile{}, false},
		{"led-rgb", "ax64", Profile{}, false},
	}
	for _, tc := range tests {
		got, err := ParseProfile(tc.profile, tc.size)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseProfile(%q, %q) = %+v, %v; want %+v, ok=%v", tc.profile, tc.size, got, err, tc.want, tc.ok)
		}
	}
}

// golden compares img with testdata/name.png, or rewrites it with -update.
func golden(t *testing.T, name string, img *image.RGBA) {
	t.Helper()
	path := filepath.Join("testdata", name+".png")
	if *update {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("golden %s (run go test -update): %v", path, err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode golden %s: %v", path, err)
	}
	if !want.Bounds().Eq(img.Rect) {
		t.Fatalf("%s: size %v, golden %v", name, img.Rect, want.Bounds())
	}
	diff := 0
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			r1, g1, b1, _ := img.At(x, y).RGBA()
			r2, g2, b2, _ := want.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				diff++
			}
		}
	}
	if diff > 0 {
		t.Errorf("%s: %d pixels differ from %s (run go test -update and look at it)", name, diff, path)
	}
}

type pageCase struct {
	profile, size string
}

var goldenProfiles = []pageCase{{"led-rgb", "128x64"}, {"led-mono", "128x64"}, {"tv", "1280x720"}, {"tv", "720x576"}}

func TestGolden(t *testing.T) {
	v := sampleVillage()
	for _, pc := range goldenProfiles {
		r := mustRenderer(t, pc.profile, pc.size)
		for _, it := range v.Items {
			if pc.size == "720x576" && it.Table != nil {
				continue // SD tables: covered by the safe-area and thin-line tests; keeps testdata small
			}
			pages, err := r.Item(v, it)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range pages {
				golden(t, fmt.Sprintf("%s-%s-%s-%d", pc.profile, pc.size, it.ID, i+1), pageImage(p))
			}
		}
		golden(t, fmt.Sprintf("%s-%s-idle", pc.profile, pc.size), pageImage(r.Idle(v, day(2026, 11, 22).Add(9*time.Hour))))
	}
}

// allPages lays out every sample item (and idle) for a profile.
func allPages(t testing.TB, profile, size string) []*Page {
	v := sampleVillage()
	r := mustRenderer(t, profile, size)
	var out []*Page
	for _, it := range v.Items {
		ps, err := r.Item(v, it)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ps...)
	}
	return append(out, r.Idle(v, day(2026, 11, 22)))
}

func inPhoto(p *Page, x, y int) bool {
	for _, r := range p.photos {
		if image.Pt(x, y).In(r) {
			return true
		}
	}
	return false
}

// LED pages must contain only their palette: no anti-aliased grey from
// fonts or shapes. Photos are the one exception (on mono not even they).
func TestLEDPalette(t *testing.T) {
	for _, kind := range []string{"led-rgb", "led-mono"} {
		th := ledRGBTheme
		if kind == "led-mono" {
			th = ledMonoTheme
		}
		pal := map[color.RGBA]bool{}
		for _, c := range []color.RGBA{th.bg, th.text, th.title, th.heading, th.dim, th.totalFG, th.totalBG,
			th.zebra, th.headRow, th.rule, th.bandText, th.party, th.village, th.finance, th.other, th.urgent, th.urgentText} {
			pal[c] = true
		}
		for _, p := range allPages(t, kind, "128x64") {
			if len(p.photos) == 0 && p.Item == "2026-10-receipt" {
				t.Errorf("%s %s: photo not placed", kind, p.Item)
			}
			bad := 0
			img := p.Strip()
			for y := 0; y < img.Rect.Dy(); y++ {
				for x := 0; x < img.Rect.Dx(); x++ {
					if kind == "led-rgb" && inPhoto(p, x, y) {
						continue
					}
					if !pal[img.RGBAAt(x, y)] {
						bad++
					}
				}
			}
			if bad > 0 {
				t.Errorf("%s %q: %d pixels outside the palette", kind, p.Item, bad)
			}
		}
	}
}

// TV text stays inside the 90% title-safe area: outside it only the page
// background and the band colours may appear.
func TestTVTitleSafe(t *testing.T) {
	th := tvTheme
	ok := map[color.RGBA]bool{th.bg: true, th.party: true, th.village: true, th.finance: true, th.other: true,
		th.urgent: true, th.badge: true}
	for _, size := range []string{"1280x720", "720x576", "1920x1080"} {
		r := mustRenderer(t, "tv", size)
		for _, p := range allPages(t, "tv", size) {
			img := pageImage(p)
			if !img.Rect.Eq(image.Rect(0, 0, r.p.Width, r.p.Height)) {
				t.Errorf("%s %q: page %v, want one screen", size, p.Item, img.Rect)
			}
			bad := 0
			for y := 0; y < img.Rect.Dy(); y++ {
				for x := 0; x < img.Rect.Dx(); x++ {
					if image.Pt(x, y).In(r.safe) {
						continue
					}
					if !ok[img.RGBAAt(x, y)] {
						bad++
					}
				}
			}
			if bad > 0 {
				t.Errorf("%s %q: %d non-background pixels outside title-safe %v", size, p.Item, bad, r.safe)
			}
		}
	}
}

// No 1-px horizontal lines on TV: a run of ≥ 40 px of one colour whose
// rows above and below are both different flickers on interlaced 576i.
func TestTVNoThinLines(t *testing.T) {
	for _, size := range []string{"1280x720", "720x576"} {
		for _, p := range allPages(t, "tv", size) {
			img := pageImage(p)
			for y := 1; y < img.Rect.Dy()-1; y++ {
				run := 0
				for x := 0; x < img.Rect.Dx(); x++ {
					c := img.RGBAAt(x, y)
					if inPhoto(p, x, y) || c == img.RGBAAt(x, y-1) || c == img.RGBAAt(x, y+1) ||
						(x > 0 && run > 0 && c != img.RGBAAt(x-1, y)) {
						run = 0
						if inPhoto(p, x, y) || c == img.RGBAAt(x, y-1) || c == img.RGBAAt(x, y+1) {
							continue
						}
					}
					run++
					if run >= 40 {
						t.Errorf("%s %q: 1-px horizontal line at y=%d ending x=%d", size, p.Item, y, x)
						break
					}
				}
			}
		}
	}
}

func TestLayoutFacts(t *testing.T) {
	v := sampleVillage()
	tv := mustRenderer(t, "tv", "1280x720")
	fin := v.Items[1]
	pages, err := tv.Item(v, fin)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) < 2 {
		t.Errorf("25-row table on TV: %d pages, want it split with the header repeated", len(pages))
	}
	if h := tv.cell.f.Metrics().Ascent.Ceil() + tv.cell.f.Metrics().Descent.Ceil(); h < 28 {
		t.Errorf("TV table text %d px, want >= 28", h)
	}
	// The EXIF tag says rotate 90°: the stored 200x120 landscape must show
	// as a portrait receipt.
	ph, err := tv.Item(v, v.Items[2])
	if err != nil {
		t.Fatal(err)
	}
	if len(ph[0].photos) != 1 || ph[0].photos[0].Dx() >= ph[0].photos[0].Dy() {
		t.Errorf("receipt photo rects %v: want one portrait photo (EXIF orientation applied)", ph[0].photos)
	}
	led := mustRenderer(t, "led-rgb", "128x64")
	lp, err := led.Item(v, v.Items[3])
	if err != nil {
		t.Fatal(err)
	}
	if lp[0].stickyH == 0 {
		t.Error("LED subsidy table: no pinned header row")
	}
	for _, p := range allPages(t, "led-rgb", "128x64") {
		if p.Image != nil {
			t.Errorf("LED page %q holds an Image: scrolled LED pages are drawn lazily", p.Item)
		}
		if r := p.Strip().Rect; r.Dx() != 128 || r.Dy() < 64 {
			t.Errorf("LED page %q: %v, want 128 wide and at least 64 tall", p.Item, r)
		}
		if p.Duration() < 8*time.Second {
			t.Errorf("LED page %q: %v on screen, too short to read", p.Item, p.Duration())
		}
	}
}

func TestFrame(t *testing.T) {
	v := sampleVillage()
	led := mustRenderer(t, "led-rgb", "128x64")
	ps, err := led.Item(v, v.Items[3])
	if err != nil {
		t.Fatal(err)
	}
	p := ps[0]
	strip := p.Strip()
	dst := image.NewRGBA(image.Rect(0, 0, 128, 64))
	p.Frame(dst, 0)
	if !bytes.Equal(dst.Pix, strip.Pix[:len(dst.Pix)]) {
		t.Error("LED frame at t=0 is not the top of the page")
	}
	p.Frame(dst, p.Duration())
	// At the end the header row is pinned at the top and the bottom of the
	// page fills the rest.
	hdr := strip.SubImage(image.Rect(0, p.stickyY, 128, p.stickyY+p.stickyH)).(*image.RGBA)
	for y := 0; y < p.stickyH; y++ {
		if !bytes.Equal(dst.Pix[y*dst.Stride:y*dst.Stride+128*4], hdr.Pix[y*hdr.Stride:y*hdr.Stride+128*4]) {
			t.Fatalf("LED frame at end: row %d is not the pinned header", y)
		}
	}
	last := strip.Rect.Dy() - 1
	if !bytes.Equal(dst.Pix[63*dst.Stride:64*dst.Stride], strip.Pix[last*strip.Stride:(last+1)*strip.Stride]) {
		t.Error("LED frame at end does not show the page bottom")
	}
	// Offsets move monotonically in whole pixels.
	prev := -1
	for tt := time.Duration(0); tt <= p.Duration(); tt += 40 * time.Millisecond {
		o := p.offset(tt)
		if o < prev || o-prev > 2 && prev >= 0 {
			t.Fatalf("offset jumps %d -> %d at %v", prev, o, tt)
		}
		prev = o
	}

	tv := mustRenderer(t, "tv", "1280x720")
	tps, err := tv.Item(v, v.Items[0])
	if err != nil {
		t.Fatal(err)
	}
	tp := tps[0]
	clock := func() time.Time { return time.Date(2026, 11, 22, 9, 41, 0, 0, time.UTC) } // 17:41 China
	tp.SetClock(clock)
	big := image.NewRGBA(image.Rect(0, 0, 1280, 720))
	tp.Frame(big, 5*time.Second)
	golden(t, "tv-frame-clock", big)
}

func TestFrameAllocs(t *testing.T) {
	for _, pc := range []pageCase{{"led-rgb", "128x64"}, {"tv", "1280x720"}} {
		ps := allPages(t, pc.profile, pc.size)
		p := ps[1]
		r := mustRenderer(t, pc.profile, pc.size)
		dst := image.NewRGBA(image.Rect(0, 0, r.p.Width, r.p.Height))
		tt := time.Duration(0)
		p.Frame(dst, tt)
		settle(p)
		n := steadyAllocs(200, func() {
			p.Frame(dst, tt)
			tt += 20 * time.Millisecond
		})
		if n != 0 {
			t.Errorf("%s Frame: %v allocs/frame, want 0", pc.profile, n)
		}
	}
}

func BenchmarkItem(b *testing.B) {
	v := sampleVillage()
	for _, pc := range []pageCase{{"led-rgb", "128x64"}, {"led-mono", "128x64"}, {"tv", "1280x720"}, {"tv", "1920x1080"}} {
		r := mustRenderer(b, pc.profile, pc.size)
		for _, it := range v.Items {
			b.Run(pc.profile+"-"+pc.size+"/"+it.ID, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := r.Item(v, it); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func benchFrame(b *testing.B, profile, size string, item int) {
	v := sampleVillage()
	r := mustRenderer(b, profile, size)
	ps, err := r.Item(v, v.Items[item])
	if err != nil {
		b.Fatal(err)
	}
	dst := image.NewRGBA(image.Rect(0, 0, r.p.Width, r.p.Height))
	tt := time.Duration(0)
	b.ReportAllocs()
	for b.Loop() {
		ps[0].Frame(dst, tt)
		tt += 20 * time.Millisecond
	}
}

func BenchmarkFrameLED(b *testing.B)    { benchFrame(b, "led-rgb", "128x64", 1) }
func BenchmarkFrameTV(b *testing.B)     { benchFrame(b, "tv", "1280x720", 1) }
func BenchmarkFrameTV1080(b *testing.B) { benchFrame(b, "tv", "1920x1080", 1) }
