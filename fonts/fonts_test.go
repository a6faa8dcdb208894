package fonts

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/go-text/typesetting/shaping"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

var update = flag.Bool("update", false, "rewrite golden PNGs in testdata/")

// sample mixes hanzi, digits, ASCII and CJK punctuation the way a finance notice does.
const sample = "村务公开：2024年第3季度财务收支，合计￥12,345.60元（含补贴）。ABC xyz《通知》、“一事一议”…"

func mustPixel(t testing.TB, px int) font.Face {
	t.Helper()
	f, err := Pixel(px)
	if err != nil {
		t.Fatalf("Pixel(%d): %v", px, err)
	}
	return f
}

func mustVector(t testing.TB, px float64, bold bool) font.Face {
	t.Helper()
	f, err := Vector(px, bold)
	if err != nil {
		t.Fatalf("Vector(%v, %v): %v", px, bold, err)
	}
	return f
}

// render draws lines of text in white on transparent, one line per Height, with a small margin.
func render(face font.Face, lines ...string) *image.RGBA {
	m := face.Metrics()
	w := 0
	for _, l := range lines {
		w = max(w, font.MeasureString(face, l).Ceil())
	}
	lh := m.Height.Ceil()
	dst := image.NewRGBA(image.Rect(0, 0, w+4, lh*len(lines)+4))
	d := font.Drawer{Dst: dst, Src: image.White, Face: face}
	for i, l := range lines {
		d.Dot = fixed.P(2, 2+i*lh+m.Ascent.Ceil())
		d.DrawString(l)
	}
	return dst
}

func countAlpha(img *image.RGBA) (lit, grey int) {
	for i := 3; i < len(img.Pix); i += 4 {
		switch a := img.Pix[i]; {
		case a == 0xff:
			lit++
		case a != 0:
			grey++
		}
	}
	return lit, grey
}

func TestPixelNoGrey(t *testing.T) {
	for _, px := range []int{12, 16} {
		img := render(mustPixel(t, px), sample, "的一堃\uE000")
		lit, grey := countAlpha(img)
		if grey != 0 || lit < 500 {
			t.Errorf("Pixel(%d): %d lit, %d grey pixels; want many lit and 0 grey", px, lit, grey)
		}
	}
	// The measurement the test relies on: an outline face at the same size is mostly grey.
	if _, grey := countAlpha(render(mustVector(t, 16, false), sample)); grey == 0 {
		t.Error("Vector(16) drew no grey pixels: the grey counter is broken")
	}
}

func TestPixelSizes(t *testing.T) {
	for _, tc := range []struct {
		px int
		ok bool
	}{{12, true}, {16, true}, {0, false}, {13, false}, {24, false}, {-16, false}} {
		_, err := Pixel(tc.px)
		if (err == nil) != tc.ok {
			t.Errorf("Pixel(%d) error = %v, want ok=%v", tc.px, err, tc.ok)
		}
	}
}

func TestVectorSizes(t *testing.T) {
	for _, px := range []float64{0, -1, 2000} {
		if _, err := Vector(px, false); err == nil {
			t.Errorf("Vector(%v) = nil error", px)
		}
	}
}

func TestPixelMetrics(t *testing.T) {
	for _, tc := range []struct {
		px           int
		ascii        rune
		asciiAdvance int // 0: proportional, not checked
	}{{12, 'A', 0}, {16, 'A', 8}, {16, '0', 8}} {
		f := mustPixel(t, tc.px)
		m := f.Metrics()
		if m.Ascent+m.Descent != fixed.I(tc.px) || m.Height != fixed.I(tc.px) {
			t.Errorf("Pixel(%d): ascent %v + descent %v, height %v; want sum and height %d", tc.px, m.Ascent, m.Descent, m.Height, tc.px)
		}
		if m.XHeight <= 0 || m.CapHeight <= m.XHeight || m.CapHeight > m.Ascent {
			t.Errorf("Pixel(%d): x-height %v, cap height %v, ascent %v", tc.px, m.XHeight, m.CapHeight, m.Ascent)
		}
		for _, r := range "的一村财（，。：￥" { // not “”: Unifont draws them half width
			if adv, ok := f.GlyphAdvance(r); !ok || adv != fixed.I(tc.px) {
				t.Errorf("Pixel(%d): advance of %q = %v ok=%v, want %d", tc.px, r, adv, ok, tc.px)
			}
		}
		if adv, ok := f.GlyphAdvance(tc.ascii); !ok || (tc.asciiAdvance != 0 && adv != fixed.I(tc.asciiAdvance)) {
			t.Errorf("Pixel(%d): advance of %q = %v ok=%v, want %d", tc.px, tc.ascii, adv, ok, tc.asciiAdvance)
		}
		// Hanzi ink must stay inside the line so lines can pack at px.
		b, _, _ := f.GlyphBounds('国')
		if b.Min.Y < -m.Ascent || b.Max.Y > m.Descent {
			t.Errorf("Pixel(%d): 国 bounds %v outside ascent %v / descent %v", tc.px, b, m.Ascent, m.Descent)
		}
	}
}

func TestVectorMetrics(t *testing.T) {
	for _, px := range []float64{24, 36, 48} {
		f := mustVector(t, px, false)
		if adv, ok := f.GlyphAdvance('国'); !ok || adv != fixed.I(int(px)) {
			t.Errorf("Vector(%v): advance of 国 = %v ok=%v, want %v", px, adv, ok, px)
		}
		if m := f.Metrics(); m.Ascent <= 0 || m.Descent <= 0 || m.Height < fixed.I(int(px)) {
			t.Errorf("Vector(%v): metrics %+v", px, m)
		}
	}
}

func readList(t testing.TB, name string) []rune {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return []rune(strings.TrimSpace(string(b)))
}

func allFaces(t testing.TB) map[string]font.Face {
	return map[string]font.Face{
		"Pixel(12)":           mustPixel(t, 12),
		"Pixel(16)":           mustPixel(t, 16),
		"Vector(24, regular)": mustVector(t, 24, false),
		"Vector(24, bold)":    mustVector(t, 24, true),
	}
}

func TestCoverageGB2312(t *testing.T) {
	gb := readList(t, "gb2312_hanzi.txt")
	if len(gb) != 6763 {
		t.Fatalf("testdata/gb2312_hanzi.txt has %d hanzi, want 6763", len(gb))
	}
	for name, f := range allFaces(t) {
		n := 0
		for _, r := range gb {
			if _, ok := f.GlyphAdvance(r); !ok {
				if n++; n <= 5 {
					t.Errorf("%s lacks GB 2312 hanzi %q (%U)", name, r, r)
				}
			}
		}
	}
	if m := Missing(string(gb)); len(m) != 0 {
		t.Errorf("Missing(GB 2312) = %q, want none", string(m))
	}
}

func TestCoverageTGH(t *testing.T) {
	// All 8,105 are in Noto; the pixel sources lack the 196 outside the BMP (and WQY 3 more), which
	// the generator thresholds from Noto (testdata/noto{12,16}.txt). A regenerated font that loses
	// glyphs fails here.
	tgh := readList(t, "tgh_hanzi.txt")
	if len(tgh) != 8105 {
		t.Fatalf("testdata/tgh_hanzi.txt has %d hanzi, want 8105", len(tgh))
	}
	for _, tc := range []struct {
		name    string
		missing int
	}{{"Pixel(12)", 0}, {"Pixel(16)", 0}, {"Vector(24, regular)", 0}, {"Vector(24, bold)", 0}} {
		f := allFaces(t)[tc.name]
		n := 0
		for _, r := range tgh {
			if _, ok := f.GlyphAdvance(r); !ok {
				n++
			}
		}
		if n != tc.missing {
			t.Errorf("%s lacks %d of the 通用规范汉字表, want %d", tc.name, n, tc.missing)
		}
	}
	if m := Missing(string(tgh)); len(m) != 0 {
		t.Errorf("Missing(通用规范汉字表) = %q, want none", string(m))
	}
}

// TestNotoThresholded checks the hanzi the generator thresholded from Noto into the pixel faces:
// the lists are what the tests expect (Noto's 2,365 outside the BMP, 196 of them in the 通用规范汉字表;
// WQY also 鿍鿎鿏), every one is a full
// hanzi cell with a plausible amount of ink, and a line of them draws with no grey pixel. The
// golden PNGs (noto-pixel12.png, noto-pixel16.png) put native glyphs (村 务) beside them.
func TestNotoThresholded(t *testing.T) {
	for _, tc := range []struct {
		px, n, bmp int
	}{{12, 2368, 3}, {16, 2365, 0}} {
		rs := readList(t, fmt.Sprintf("noto%d.txt", tc.px))
		bmp := 0
		for _, r := range rs {
			if r <= 0xffff {
				bmp++
			}
		}
		if len(rs) != tc.n || bmp != tc.bmp {
			t.Errorf("testdata/noto%d.txt: %d hanzi, %d in the BMP; want %d and %d", tc.px, len(rs), bmp, tc.n, tc.bmp)
		}
		f := mustPixel(t, tc.px)
		for _, r := range rs {
			img := render(f, string(r))
			lit, grey := countAlpha(img)
			// At least 3/4 px: a few Ext B code points are one- or two-stroke components (𠆢 𡿨)
			// that light 9 pixels at 12 px.
			if grey != 0 || lit < tc.px*3/4 || lit > tc.px*tc.px*2/3 {
				t.Errorf("Pixel(%d) %q (%U): %d lit, %d grey pixels", tc.px, r, r, lit, grey)
			}
			if adv, ok := f.GlyphAdvance(r); !ok || adv != fixed.I(tc.px) {
				t.Errorf("Pixel(%d) %q: advance %v ok %v, want %d true", tc.px, r, adv, ok, tc.px)
			}
		}
		if m := Missing(string(rs)); len(m) != 0 {
			t.Errorf("Missing(noto%d.txt) = %q, want none", tc.px, string(m))
		}
	}
	lines := []string{
		"村务𬌗𬉼𠳐𫭟𬣙𨙸𬇕鿍鿎鿏",
		"𬘓𫭢𫇭𫐄𫵷𣲘𣲗𬇙𬣡𫸩𨚕𫘜",
	}
	for _, px := range []int{12, 16} {
		name := fmt.Sprintf("noto-pixel%d", px)
		t.Run(name, func(t *testing.T) {
			img := render(mustPixel(t, px), lines...)
			if _, grey := countAlpha(img); grey != 0 {
				t.Errorf("%d grey pixels", grey)
			}
			checkGolden(t, name, img)
		})
	}
}

func TestMissing(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"", ""},
		{"的一堃", ""},
		{"村务公开\n第1期\t（共3页）", ""},
		{"ABC abc 0123 ，。！？、；：“”‘’（）《》【】—…·￥％", ""},
		{"\uE000", "\uE000"},
		{"a\uE000b\uE000c\uE001", "\uE000\uE001"},
		{"𬌗", ""},            // in the 通用规范汉字表, outside the BMP: pixel faces threshold it from Noto
		{"鿍", ""},            // in Unifont; in WQY 12 px thresholded from Noto
		{"😀", "😀"},           // no face has emoji
		{"™x™", "™"},         // in Unifont and Noto, not WQY
		{"䶵", "䶵"},           // CJK Ext A: in Unifont and Droid, not in WQY 12 px
		{"堃喆昇赟珺淼犇镕", ""},     // names: all in every face
		{"龍鳳", ""},           // traditional, GBK: Noto subset lacks them, Droid draws them
		{"𠮷", ""},            // Ext B: Noto Ext B subset; pixel faces thresholded from Noto
		{"\uFA20", "\uFA20"}, // GBK compatibility ideograph, not in WQY 12 px
	} {
		if got := string(Missing(tc.in)); got != tc.want {
			t.Errorf("Missing(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestTofu checks that a rune no face has still draws something visible, advances, and reports !ok.
func TestTofu(t *testing.T) {
	for name, f := range allFaces(t) {
		dr, mask, mp, adv, ok := f.Glyph(fixed.P(10, 30), '\uE000')
		if ok {
			t.Errorf("%s: Glyph(U+E000) ok = true", name)
		}
		if adv <= 0 || dr.Empty() {
			t.Errorf("%s: Glyph(U+E000) advance %v rect %v: would draw nothing", name, adv, dr)
			continue
		}
		lit := 0
		for y := range dr.Dy() {
			for x := range dr.Dx() {
				if _, _, _, a := mask.At(mp.X+x, mp.Y+y).RGBA(); a > 0x8000 {
					lit++
				}
			}
		}
		if lit < 8 {
			t.Errorf("%s: tofu for U+E000 has %d lit pixels", name, lit)
		}
	}
}

// TestVectorCache: the cached face draws exactly what an uncached one rasterizes, also after
// other glyphs went through the rasterizer, and a second face of the same size shares the cache.
func TestVectorCache(t *testing.T) {
	text := "财务公开，二〇二四年 Total ¥1,234.50"
	for _, bold := range []bool{false, true} {
		uncached := mustVector(t, 30, bold).(*vectorFace)
		uncached.nocache = true
		want := render(uncached, text)
		cached := mustVector(t, 30, bold)
		_ = render(cached, "扰乱缓存的其他文字 other text")
		for i := range 2 {
			if got := render(cached, text); !bytes.Equal(got.Pix, want.Pix) {
				t.Errorf("bold=%v pass %d: cached rendering differs from a fresh rasterization", bold, i)
			}
		}
		if got := render(mustVector(t, 30, bold), text); !bytes.Equal(got.Pix, want.Pix) {
			t.Errorf("bold=%v: second face renders differently", bold)
		}
	}
	v := mustVector(t, 30, false).(*vectorFace)
	src, gid, _ := v.glyphOf('财')
	c := cacheFor(30, false)
	c.mu.RLock()
	_, hit := c.m[glyphKey{src, gid, 0}]
	c.mu.RUnlock()
	if !hit {
		t.Error("财 not in the shared 30 px cache after drawing it")
	}
}

// TestRasterMatchesOpentype: freetype's fixed-point rasterizer, fed sfnt's integer outlines,
// draws what x/image/font/opentype draws from the same font, up to anti-aliasing rounding: the
// same box (±1 px) and nearly the same ink.
func TestRasterMatchesOpentype(t *testing.T) {
	for _, tc := range []struct {
		px   float64
		bold bool
		otf  []byte
	}{{24, false, notoRegularOTF}, {48, false, notoRegularOTF}, {36, true, notoBoldOTF}} {
		ours := mustVector(t, tc.px, tc.bold)
		peer := opentypeFace(t, tc.otf, tc.px)
		for _, r := range "国财务公开阳光村¥,.0123456789AgQ（）。、" {
			for _, x := range []fixed.Int26_6{0, 16, 32, 48} {
				dot := fixed.Point26_6{X: fixed.I(50) + x, Y: fixed.I(80)}
				dr1, m1, p1, a1, ok1 := ours.Glyph(dot, r)
				dr2, m2, p2, a2, ok2 := peer.Glyph(dot, r)
				if !ok1 || !ok2 || a1 != a2 {
					t.Errorf("%v px %q: ok %v/%v advance %v/%v", tc.px, r, ok1, ok2, a1, a2)
					continue
				}
				for _, d := range []int{dr1.Min.X - dr2.Min.X, dr1.Min.Y - dr2.Min.Y, dr1.Max.X - dr2.Max.X, dr1.Max.Y - dr2.Max.Y} {
					if d < -1 || d > 1 {
						t.Errorf("%v px %q +%d/64: box %v, opentype %v", tc.px, r, x, dr1, dr2)
						break
					}
				}
				ink := func(dr image.Rectangle, m image.Image, p image.Point) (sum int) {
					for y := range dr.Dy() {
						for x := range dr.Dx() {
							_, _, _, a := m.At(p.X+x, p.Y+y).RGBA()
							sum += int(a >> 8)
						}
					}
					return sum
				}
				i1, i2 := ink(dr1, m1, p1), ink(dr2, m2, p2)
				// 2 % or, for small round marks (。 , .) whose curves the two rasterizers
				// flatten differently, two pixels' worth of ink.
				if d := i1 - i2; (d*50 > i2 || -d*50 > i2) && (d > 2*255 || d < -2*255) {
					t.Errorf("%v px %q +%d/64: ink %d, opentype %d (more than 2%% and 2 px apart)", tc.px, r, x, i1, i2)
				}
			}
		}
	}
}

// TestShaper: go-text's shaping of hanzi and figures advances exactly as the per-rune metrics do
// (Noto CJK has no kerning for them), DrawString draws what font.Drawer draws rune by rune,
// fallback runes included, and the returned dot is where the next string starts.
func TestShaper(t *testing.T) {
	for _, text := range []string{
		"阳光村务：二〇二六年十月财务收支明细",
		"合计 ¥12,345.60 元 100%",
		// No ASCII spaces here: go-text gives a space the font of the run around it, so
		// after 龍 it would take Droid's width (see TestShaperRuns).
		"低保对象：王堃、李龍、𠮷田、张喆",
		"缺字\uE000照常前进",
	} {
		f := mustVector(t, 28, false)
		sh := f.(Shaper)
		if got, want := sh.Advance(text), font.MeasureString(f, text); got != want {
			t.Errorf("%q: shaped advance %v, per-rune %v", text, got, want)
		}
		want := render(f, text)
		got := image.NewRGBA(want.Bounds())
		m := f.Metrics()
		end := sh.DrawString(got, fixed.P(2, 2+m.Ascent.Ceil()), image.White, text)
		if !bytes.Equal(got.Pix, want.Pix) {
			t.Errorf("%q: shaped drawing differs from font.Drawer's", text)
		}
		if end.X != fixed.I(2)+sh.Advance(text) {
			t.Errorf("%q: DrawString ends at %v, want %v", text, end.X, fixed.I(2)+sh.Advance(text))
		}
	}
}

// TestShaperRuns: go-text splits text into runs by font, as fontscan's fallback resolves each
// rune, and a space inside a fallback run takes that run's font, as browsers do.
func TestShaperRuns(t *testing.T) {
	v := mustVector(t, 28, false).(*vectorFace)
	var got []source
	v.shape("王龍 𠮷", func(s source, _ *shaping.Glyph) { got = append(got, s) })
	want := []source{srcNoto, srcDroid, srcDroid, srcExtB}
	if !slices.Equal(got, want) {
		t.Errorf("runs of 王龍 𠮷: fonts %v, want %v", got, want)
	}
}

func TestVectorSubpixel(t *testing.T) {
	f := mustVector(t, 24, false)
	var rects []image.Rectangle
	for x := fixed.Int26_6(0); x < 64; x += 16 {
		dr, _, _, _, _ := f.Glyph(fixed.Point26_6{X: fixed.I(100) + x, Y: fixed.I(50)}, 'i')
		rects = append(rects, dr)
	}
	if dr, _, _, _, _ := f.Glyph(fixed.P(0, 0), 'i'); dr.Add(image.Pt(100, 50)) != rects[0] {
		t.Errorf("glyph rect does not move with the dot: %v vs %v", dr, rects[0])
	}
}

func TestConcurrentFaces(t *testing.T) {
	var wg sync.WaitGroup
	want := render(mustVector(t, 20, false), sample)
	for range 8 {
		wg.Go(func() {
			f, err := Vector(20, false)
			if err != nil {
				t.Error(err)
				return
			}
			for range 3 {
				if got := render(f, sample); !bytes.Equal(got.Pix, want.Pix) {
					t.Error("concurrent rendering differs")
					return
				}
			}
			_ = render(mustPixel(t, 12), sample)
		})
	}
	wg.Wait()
}

func TestGolden(t *testing.T) {
	lines := []string{
		"阳光村务 党务 村务 财务",
		sample,
		"的一堃 缺字：\uE000 𬌗 ™ ①②③ ■□▲",
		"0123456789 ABCDEFG abcdefg ,.;:!?()[]",
	}
	for _, tc := range []struct {
		name string
		face font.Face
	}{
		{"pixel12", mustPixel(t, 12)},
		{"pixel16", mustPixel(t, 16)},
		{"vector24", mustVector(t, 24, false)},
		{"vector36bold", mustVector(t, 36, true)},
	} {
		t.Run(tc.name, func(t *testing.T) { checkGolden(t, tc.name, render(tc.face, lines...)) })
	}
}

// checkGolden compares img, flattened onto black so the PNG is what a board or TV shows, with
// testdata/name.png, or rewrites that file under -update.
func checkGolden(t *testing.T, name string, img *image.RGBA) {
	t.Helper()
	out := image.NewRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), image.Black, image.Point{}, draw.Src)
	draw.Draw(out, out.Bounds(), img, image.Point{}, draw.Over)
	path := filepath.Join("testdata", name+".png")
	if *update {
		var buf bytes.Buffer
		if err := png.Encode(&buf, out); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %q: %v", path, err)
	}
	if want.Bounds() != out.Bounds() {
		t.Fatalf("%s: size %v, golden %v", name, out.Bounds(), want.Bounds())
	}
	diff := 0
	for y := out.Rect.Min.Y; y < out.Rect.Max.Y; y++ {
		for x := out.Rect.Min.X; x < out.Rect.Max.X; x++ {
			if color.RGBAModel.Convert(want.At(x, y)) != out.RGBAAt(x, y) {
				diff++
			}
		}
	}
	if diff != 0 {
		t.Errorf("%s: %d pixels differ from %s (run with -update and look at it)", name, diff, path)
	}
}

func embeddedSBF(t testing.TB, gz []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tinySBF builds a one-glyph font: 'A', 2×2, all bits set.
func tinySBF() []byte {
	b := []byte("SBF1\x04\x03\x01\x00\x01\x00\x00\x00")
	b = append(b, 'A', 0, 0, 3, 2, 2, 0, 0xfe, 0, 0, 0, 0)
	return append(b, 0xc0, 0xc0)
}

func TestParseSBF(t *testing.T) {
	good := tinySBF()
	mod := func(i int, v byte) []byte { b := slices.Clone(good); b[i] = v; return b }
	two := append(slices.Clone(good[:12]), good[12:24]...)
	two[8] = 2
	two = append(two, good[12:24]...) // same rune twice: not sorted
	two = append(two, 0xc0, 0xc0)
	for _, tc := range []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"tiny", good, true},
		{"unifont16", embeddedSBF(t, unifont16GZ), true},
		{"wqy12", embeddedSBF(t, wqy12GZ), true},
		{"empty", nil, false},
		{"magic", mod(0, 'X'), false},
		{"short header", good[:10], false},
		{"ascent+descent", mod(5, 2), false},
		{"zero px", mod(4, 0), false},
		{"tiny px", append(mod(4, 2)[:5], append([]byte{1, 1}, good[7:]...)...), false},
		{"huge glyph", mod(16, 200), false},
		{"count too big", mod(8, 9), false},
		{"bitmap overrun", good[:len(good)-1], false},
		{"offset overrun", mod(20, 1), false},
		{"duplicate rune", two, false},
	} {
		f, err := parseSBF(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if tc.name == "tiny" && err == nil {
			dr, mask, mp, adv, ok := bitmapFace{f}.Glyph(fixed.P(10, 10), 'A')
			if !ok || adv != fixed.I(3) || dr != image.Rect(10, 8, 12, 10) {
				t.Errorf("tiny: Glyph(A) = %v %v %v", dr, adv, ok)
			}
			if a := mask.(*image.Alpha).AlphaAt(mp.X+1, mp.Y+1).A; a != 0xff {
				t.Errorf("tiny: A pixel (1,1) alpha %d", a)
			}
		}
	}
}

func FuzzParseSBF(f *testing.F) {
	f.Add(tinySBF())
	f.Add(tinySBF()[:20])
	b := embeddedSBF(f, wqy12GZ)
	f.Add(b[:12+12*40]) // header and some records, bitmaps cut off
	f.Fuzz(func(t *testing.T, b []byte) {
		font, err := parseSBF(b)
		if err != nil {
			return
		}
		// Whatever parsed must draw without panicking, in bounds of the atlas.
		face := bitmapFace{font}
		for _, r := range font.runes[:min(len(font.runes), 16)] {
			dr, mask, mp, _, _ := face.Glyph(fixed.P(0, 0), r)
			if !mp.In(mask.Bounds()) && !dr.Empty() {
				t.Fatalf("glyph %U: mask point %v outside %v", r, mp, mask.Bounds())
			}
			if !image.Rect(mp.X, mp.Y, mp.X+dr.Dx(), mp.Y+dr.Dy()).In(mask.Bounds()) {
				t.Fatalf("glyph %U: %v at %v outside atlas %v", r, dr, mp, mask.Bounds())
			}
		}
	})
}
