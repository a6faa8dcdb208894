package render

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sunboard/sunboard/content"
)

// Marker colours of markedPhoto: far from the TV theme's colours and kept
// well enough by JPEG and resampling to be told apart.
var (
	photoTop    = color.RGBA{230, 20, 20, 255}   // its top tenth
	photoBottom = color.RGBA{20, 20, 230, 255}   // its bottom tenth
	photoMiddle = color.RGBA{128, 128, 128, 255} // the rest
)

// markedPhoto is a w×h JPEG (PNG when small: exact colours) whose top
// tenth is red and bottom tenth blue, so a frame shows which end of the
// photo it holds.
func markedPhoto(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		c := photoMiddle
		switch {
		case y < h/10:
			c = photoTop
		case y >= h-h/10:
			c = photoBottom
		}
		fillRect(img, image.Rect(0, y, w, y+1), c)
	}
	var buf bytes.Buffer
	var err error
	if w*h < 1<<20 {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var (
	photoFilesOnce sync.Once
	photoFiles     fstest.MapFS
)

// photoVillage is a village with one photo item per file of photoFiles
// (encoded once: the 12 MP one takes a while).
func photoVillage(t testing.TB) *content.Village {
	photoFilesOnce.Do(func() {
		photoFiles = fstest.MapFS{}
		for name, sz := range map[string]image.Point{
			"phone.jpg": {3000, 4000}, "stored.jpg": {1440, 1920}, "landscape.jpg": {1920, 1440},
			"scan.png": {300, 400}, "roll.jpg": {480, 1920}, "wide.png": {800, 200},
		} {
			photoFiles[name] = &fstest.MapFile{Data: markedPhoto(t, sz.X, sz.Y)}
		}
	})
	v := &content.Village{ID: "370783-101-001", Name: "东营村", FS: photoFiles, Feedback: "https://sg.example.cn/q?item={item}"}
	for name := range photoFiles {
		id := strings.TrimSuffix(strings.TrimSuffix(name, ".jpg"), ".png")
		v.Items = append(v.Items, &content.Item{
			ID: id, Number: "370783-101-001-" + id, Title: "施工合同首页", Category: "财务公开/工程项目",
			Publish: day(2026, 11, 1), Until: day(2026, 11, 30),
			Body: []content.Block{{Kind: content.Image, Src: name, Text: "施工合同首页（合同编号DS-2026-015）"}},
		})
	}
	return v
}

func photoItemPage(t testing.TB, r *Renderer, v *content.Village, id string) *Page {
	t.Helper()
	for _, it := range v.Items {
		if it.ID != id {
			continue
		}
		ps, err := r.Item(v, it)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 1 || ps[0].paintAt == nil {
			t.Fatalf("%s: %d pages, want one photo page", id, len(ps))
		}
		ps[0].SetClock(func() time.Time { return time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC) })
		return ps[0]
	}
	t.Fatalf("no item %s", id)
	return nil
}

// near says whether c is within 40 levels of want on every channel.
func near(c, want color.RGBA) bool {
	d := func(a, b uint8) bool { return int(a)-int(b) < 40 && int(b)-int(a) < 40 }
	return d(c.R, want.R) && d(c.G, want.G) && d(c.B, want.B)
}

// window is the screen rows a photo page's photo shows in: between the
// pinned header and the pinned foot.
func window(p *Page) (int, int) { return p.stickyH, p.view - p.footH }

// TestPhotoPageScale: on TV a photo fills the content width (a whole
// enlargement for small scans, never past photoMaxScreens of pixels), and
// pans only when it is then taller than its window.
func TestPhotoPageScale(t *testing.T) {
	v := photoVillage(t)
	for _, tc := range []struct {
		size, id     string
		minW, maxW   int // drawn width
		scroll       bool
		wantDuration time.Duration // 0: from the pan
	}{
		// The review's case: a 3000×4000 A4 photo on 720p was 296 px wide.
		{"1280x720", "phone", 1100, 1152, true, 0},
		{"1280x720", "stored", 1152, 1152, true, 0},
		{"1280x720", "landscape", 1152, 1152, true, 0},
		{"1280x720", "scan", 900, 900, true, 0}, // 3× nearest: 900×1200
		{"1280x720", "roll", 400, 700, true, 0}, // 1:4, capped at 2 screens of pixels
		{"1280x720", "wide", 1152, 1152, false, photoStill},
		{"720x576", "phone", 648, 648, true, 0},
		{"1920x1080", "phone", 1700, 1728, true, 0}, // MaxPhotoSide's 1440 enlarged too
		{"1920x1080", "stored", 1728, 1728, true, 0},
	} {
		t.Run(tc.size+"/"+tc.id, func(t *testing.T) {
			r := mustRenderer(t, "tv", tc.size)
			p := photoItemPage(t, r, v, tc.id)
			if len(p.photos) != 1 {
				t.Fatalf("photos %v, want one", p.photos)
			}
			ph := p.photos[0]
			if ph.Dx() < tc.minW || ph.Dx() > tc.maxW {
				t.Errorf("photo drawn %dx%d, want %d..%d px wide", ph.Dx(), ph.Dy(), tc.minW, tc.maxW)
			}
			if ph.Min.X < r.safe.Min.X || ph.Max.X > r.safe.Max.X {
				t.Errorf("photo columns %d..%d outside the title-safe %d..%d", ph.Min.X, ph.Max.X, r.safe.Min.X, r.safe.Max.X)
			}
			if px := ph.Dx() * ph.Dy(); px > photoMaxScreens*r.p.Width*r.p.Height {
				t.Errorf("photo %d px, over %d screens", px, photoMaxScreens)
			}
			if got := p.scrollPx() > 0; got != tc.scroll {
				t.Fatalf("pans %v, want %v", got, tc.scroll)
			}
			if tc.wantDuration > 0 && p.Duration() != tc.wantDuration {
				t.Errorf("on screen %v, want %v", p.Duration(), tc.wantDuration)
			}
			if !tc.scroll {
				return
			}
			top, bot := window(p)
			if top <= 0 || bot > r.tickTop() {
				t.Errorf("window rows %d..%d: want under the band and above the crawl (%d)", top, bot, r.tickTop())
			}
			// 2-3 s a window height plus the pauses, whatever the caption.
			per := float64(p.scroll) / float64(p.scrollPx()) * float64(bot-top)
			if per < float64(2*time.Second) || per > float64(3*time.Second) {
				t.Errorf("pan %v a window height, want 2-3 s", time.Duration(per))
			}
			if p.pauseTop < 3*time.Second || p.pauseBottom < 3*time.Second {
				t.Errorf("pauses %v / %v, want >= 3 s at top and bottom", p.pauseTop, p.pauseBottom)
			}
		})
	}
}

// TestPhotoPagePan plays a panning photo page through Frame as the player
// does (every 40 ms): the first frame shows the photo's top, the last its
// bottom, every photo row is on screen at some time, the header and the
// foot never move, the pan moves a few pixels a frame, and Still is the
// first frame without going through the screen cache.
func TestPhotoPagePan(t *testing.T) {
	v := photoVillage(t)
	for _, tc := range []struct{ size, id string }{
		{"1280x720", "phone"}, {"720x576", "stored"}, {"1920x1080", "roll"}, {"1280x720", "landscape"},
	} {
		t.Run(tc.size+"/"+tc.id, func(t *testing.T) {
			r := mustRenderer(t, "tv", tc.size)
			p := photoItemPage(t, r, v, tc.id)
			ph := p.photos[0]
			top, bot := window(p)
			W, H := r.p.Width, r.p.Height
			cx := ph.Min.X + ph.Dx()/2

			still := image.NewRGBA(image.Rect(0, 0, W, H))
			p.Still(still)
			for i := range r.screens.slots {
				if r.screens.slots[i].img != nil {
					t.Fatal("Still drew through the screen cache")
				}
			}
			if !near(still.RGBAAt(cx, ph.Min.Y+2), photoTop) {
				t.Errorf("still: %v at the photo's top, want its red top", still.RGBAAt(cx, ph.Min.Y+2))
			}

			dst := image.NewRGBA(image.Rect(0, 0, W, H))
			p.Frame(dst, 0)
			if !bytes.Equal(dst.Pix, still.Pix) {
				t.Error("Still differs from Frame at 0")
			}
			first := bytes.Clone(dst.Pix)
			seen := make([]bool, ph.Dy())
			prev := -1
			d := p.Duration()
			for tt := time.Duration(0); ; tt += 40 * time.Millisecond {
				tt = min(tt, d)
				p.Frame(dst, tt)
				off := p.offset(tt)
				if prev >= 0 && (off < prev || off-prev > 12*H/720) {
					t.Fatalf("at %v the pan jumps %d -> %d px", tt, prev, off)
				}
				prev = off
				// Which photo rows the window shows now.
				for y := top; y < bot; y++ {
					if py := y + off - ph.Min.Y; py >= 0 && py < ph.Dy() {
						seen[py] = true
					}
				}
				if !bytes.Equal(dst.Pix[:top*dst.Stride], first[:top*dst.Stride]) {
					t.Fatalf("at %v the header moved", tt)
				}
				if !bytes.Equal(dst.Pix[bot*dst.Stride:], first[bot*dst.Stride:]) {
					t.Fatalf("at %v the foot moved", tt)
				}
				if tt == d {
					break
				}
			}
			for py, ok := range seen {
				if !ok {
					t.Fatalf("photo row %d of %d never on screen", py, ph.Dy())
				}
			}
			if off := p.offset(p.pauseTop); off != 0 {
				t.Errorf("moved %d px during the top pause", off)
			}
			if off := p.offset(d - p.pauseBottom); off != p.scrollPx() {
				t.Errorf("at the bottom pause %d px of %d", off, p.scrollPx())
			}
			// The last frame: the photo's blue bottom just above the foot,
			// its red top gone.
			p.Frame(dst, d)
			lastY := ph.Max.Y - p.offset(d) - 3
			if lastY >= bot || lastY < top || !near(dst.RGBAAt(cx, lastY), photoBottom) {
				t.Errorf("last frame: %v at row %d (window %d..%d), want the photo's blue bottom", dst.RGBAAt(cx, lastY), lastY, top, bot)
			}
			for y := top; y < bot; y++ {
				if near(dst.RGBAAt(cx, y), photoTop) {
					t.Fatalf("last frame: the photo's top still at row %d", y)
				}
			}
			if n := steadyAllocs(50, func() { p.Frame(dst, d/2) }); n != 0 {
				t.Errorf("Frame allocates %v times a frame", n)
			}
		})
	}
}

// TestPhotoPageCache: panning pages hold strips of ~2.6 screens; however
// they are played, the cache holds at most two buffers larger than a
// screen, and a screen after a strip does not keep the strip's buffer.
func TestPhotoPageCache(t *testing.T) {
	v := photoVillage(t)
	r := mustRenderer(t, "tv", "1280x720")
	var pages []*Page
	for _, id := range []string{"stored", "phone", "landscape", "roll", "wide", "stored"} {
		pages = append(pages, photoItemPage(t, r, v, id))
	}
	// Then screens, which land in the slots the strips held.
	sv := sampleVillage()
	notice, err := r.Item(sv, sv.Items[0])
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, notice...)
	pages = append(pages, r.Idle(sv, day(2026, 11, 22)))
	screenBytes := 4 * r.p.Width * r.p.Height
	dst := image.NewRGBA(image.Rect(0, 0, r.p.Width, r.p.Height))
	for round := range 2 {
		for i, p := range pages {
			p.Frame(dst, p.Duration()/2)
			settle(p)
			c := &r.screens
			c.mu.Lock()
			big := 0
			for _, s := range c.slots {
				if s.img != nil && cap(s.img.Pix) > screenBytes+screenBytes/4 {
					big++
				}
				if s.img != nil && s.p != nil && s.p.stripH == 0 && cap(s.img.Pix) > screenBytes+screenBytes/4 {
					t.Errorf("round %d page %d: a screen kept a strip's buffer", round, i)
				}
			}
			c.mu.Unlock()
			if big > 2 {
				t.Errorf("round %d page %d: %d strips held, want at most 2", round, i, big)
			}
		}
	}
}

// TestPhotoCaption: the caption says which receipt of how many and what it
// backs; a voucher's rows lose voucherCaption's 凭证 (the label has it) and
// keep each amount whole on one line.
func TestPhotoCaption(t *testing.T) {
	r := mustRenderer(t, "tv", "720x576")
	w := r.safe.Dx()
	for _, tc := range []struct {
		name    string
		pic     photoRef
		label   string
		want    []string // substrings, one per line in order
		maxLine int
	}{
		{"body photo", photoRef{caption: "施工合同首页（合同编号DS-2026-015）"}, "照片 1/2",
			[]string{"照片 1/2　施工合同首页"}, 1},
		{"no caption", photoRef{}, "照片 1/1", []string{"照片 1/1"}, 1},
		{"voucher of two rows", photoRef{voucher: true,
			caption: "凭证 2026-11-01 记-001 慰问困难党员（6人）  支出 1,374.63 元\n凭证 2026-11-02 记-003 复印打印费  支出 540.83 元"},
			"凭证 3/12", []string{"凭证 3/12　2026-11-01", "支出 1,374.63 元", "2026-11-02 记-003 复印打印费　支出 540.83 元"}, 3},
		{"many rows end in an ellipsis", photoRef{voucher: true, caption: strings.Repeat("凭证 2026-11-01 记-001 慰问困难党员  支出 1.00 元\n", 6)},
			"凭证 1/1", []string{"凭证 1/1", "", "…"}, photoCaptionLines},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := r.photoCaption(tc.label, &tc.pic, w)
			if len(lines) > tc.maxLine || len(lines) < len(tc.want) {
				t.Fatalf("%d lines %q, want %d..%d", len(lines), lines, len(tc.want), tc.maxLine)
			}
			for i, want := range tc.want {
				if !strings.Contains(lines[i], want) {
					t.Errorf("line %d %q, want it to contain %q", i, lines[i], want)
				}
			}
			for i, l := range lines {
				if r.body.width(l) > w {
					t.Errorf("line %d %q wider than the column", i, l)
				}
				if tc.pic.voucher && strings.Contains(l, "凭证 2026") {
					t.Errorf("line %d %q repeats 凭证", i, l)
				}
			}
		})
	}
}

// TestVoucherPhotoPages: a finance table's receipts are numbered 凭证 k/n in
// table order, the body's photos 照片 k/n, each a panning photo page on TV,
// and LED boards still carry them in their strip.
func TestVoucherPhotoPages(t *testing.T) {
	v := sampleVillage()
	r := mustRenderer(t, "tv", "1280x720")
	fin := v.Items[1]
	s := r.safe
	flow := r.bodyBlocks(v, fin, s.Min.X, s.Dx(), image.Pt(s.Dx(), 400))
	for _, b := range r.voucherBlocks(v, fin, s.Min.X, s.Dx(), image.Pt(s.Dx(), 400)) {
		b.pic.voucher = true
		flow = append(flow, b)
	}
	labels := photoLabels(paginate(flow, 400))
	var got []string
	for _, b := range flow {
		if b.pic != nil {
			got = append(got, labels[b.pic]+" "+b.pic.src)
		}
	}
	want := []string{"凭证 1/2 photos/receipt-1027.jpg", "凭证 2/2 photos/v07.jpg"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("labels %q, want %q", got, want)
	}
	pages, err := r.Item(v, fin)
	if err != nil {
		t.Fatal(err)
	}
	photoPages := 0
	for _, p := range pages {
		if p.paintAt != nil {
			photoPages++
			// The 120×200 test receipt: 8× (9× would pass the pixel cap).
			if p.photos[0].Dx() != 960 {
				t.Errorf("receipt drawn %d px wide on 720p, want 960", p.photos[0].Dx())
			}
		}
	}
	if photoPages != 2 {
		t.Errorf("%d photo pages, want 2", photoPages)
	}
}

// TestPhotoFit: the drawn size in integers, as every board computes it.
func TestPhotoFit(t *testing.T) {
	for _, tc := range []struct {
		sw, sh, w, maxPx int
		want             image.Point
	}{
		{3000, 4000, 1152, 2 * 1280 * 720, image.Pt(1152, 1536)},
		{1440, 1920, 1728, 2 * 1920 * 1080, image.Pt(1728, 2304)},
		{960, 1260, 1152, 2 * 1280 * 720, image.Pt(1152, 1512)},
		{300, 400, 1152, 2 * 1280 * 720, image.Pt(900, 1200)},
		{100, 800, 1152, 2 * 1280 * 720, image.Pt(400, 3200)},  // whole factor lowered to fit
		{480, 1920, 1152, 2 * 1280 * 720, image.Pt(678, 2712)}, // widest within the cap
		{4000, 100, 648, 2 * 720 * 576, image.Pt(648, 16)},
	} {
		w, h := photoFit(tc.sw, tc.sh, tc.w, tc.maxPx)
		if image.Pt(w, h) != tc.want {
			t.Errorf("photoFit(%d×%d in %d, %d px) = %d×%d, want %v", tc.sw, tc.sh, tc.w, tc.maxPx, w, h, tc.want)
		}
		if w > tc.w || w*h > tc.maxPx {
			t.Errorf("photoFit(%d×%d) = %d×%d: over the width or the cap", tc.sw, tc.sh, w, h)
		}
	}
}

// BenchmarkPhotoPage draws a photo page of a receipt stored at
// MaxPhotoSide (1440×1920): its strip, as Frame's cache does in the
// background before the page comes on, and its first screen, as a still.
func BenchmarkPhotoPage(b *testing.B) {
	v := photoVillage(b)
	for _, size := range []string{"1280x720", "1920x1080"} {
		r := mustRenderer(b, "tv", size)
		var p *Page
		for _, it := range v.Items {
			if it.ID == "stored" {
				ps, err := r.Item(v, it)
				if err != nil {
					b.Fatal(err)
				}
				p = ps[0]
			}
		}
		strip := image.NewRGBA(p.size())
		b.Run(size+"/strip", func(b *testing.B) {
			for b.Loop() {
				p.paint(strip)
			}
		})
		screen := image.NewRGBA(image.Rect(0, 0, r.p.Width, r.p.Height))
		b.Run(size+"/still", func(b *testing.B) {
			for b.Loop() {
				p.Still(screen)
			}
		})
	}
}
