package fonts

import (
	"bytes"
	"image"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

// glyphMask returns r's mask as drawn at an integer dot, cropped to its rectangle relative to the
// dot, so two glyphs can be compared pixel for pixel.
func glyphMask(f font.Face, r rune) (image.Rectangle, []byte, bool) {
	dot := fixed.P(100, 100)
	dr, mask, mp, _, ok := f.Glyph(dot, r)
	var pix []byte
	for y := range dr.Dy() {
		for x := range dr.Dx() {
			_, _, _, a := mask.At(mp.X+x, mp.Y+y).RGBA()
			pix = append(pix, uint8(a>>8))
		}
	}
	return dr.Sub(image.Pt(100, 100)), pix, ok
}

func lit(pix []byte) int {
	n := 0
	for _, a := range pix {
		if a >= 0x80 {
			n++
		}
	}
	return n
}

// rareNames are characters of villagers' names the GB 2312 / 通用规范 charset of the main faces
// may lack, with what each face is expected to do. Ext B 𠮷 is in neither Droid nor Unifont
// 15.0's .hex (BMP only): Vector draws it from the Noto Ext B subset, the pixel faces have it
// thresholded from Noto.
var rareNames = []struct {
	r                  rune
	why                string
	vector, px16, px12 bool
}{
	{'堃', "GB 2312", true, true, true},
	{'喆', "GBK", true, true, true},
	{'昇', "GBK", true, true, true},
	{'赟', "通用规范", true, true, true},
	{'珺', "通用规范", true, true, true},
	{'淼', "GB 2312", true, true, true},
	{'犇', "通用规范", true, true, true},
	{'镕', "通用规范", true, true, true},
	{'龍', "traditional, GBK: Droid", true, true, true},
	{'鳳', "traditional, GBK: Droid", true, true, true},
	{'䶮', "Ext A in 通用规范 (刘䶮): every face", true, true, true},
	{'㐱', "Ext A: Droid, Unifont; not WQY", true, true, false},
	{'㻞', "Ext A: Droid, Unifont; not WQY", true, true, false},
	{'𠮷', "Ext B: Noto Ext B subset; pixel faces thresholded from Noto", true, true, true},
}

func TestRareNames(t *testing.T) {
	faces := []struct {
		name string
		face font.Face
		want func(i int) bool
	}{
		{"Vector(24)", mustVector(t, 24, false), func(i int) bool { return rareNames[i].vector }},
		{"Vector(36, bold)", mustVector(t, 36, true), func(i int) bool { return rareNames[i].vector }},
		{"Vector(13)", mustVector(t, 13, false), func(i int) bool { return rareNames[i].vector }},
		{"Pixel(16)", mustPixel(t, 16), func(i int) bool { return rareNames[i].px16 }},
		{"Pixel(12)", mustPixel(t, 12), func(i int) bool { return rareNames[i].px12 }},
	}
	for _, fc := range faces {
		boxRect, box, _ := glyphMask(fc.face, '\uE000')
		em := fc.face.Metrics()
		for i, tc := range rareNames {
			dr, pix, ok := glyphMask(fc.face, tc.r)
			isBox := dr == boxRect && bytes.Equal(pix, box)
			drawn := ok && !isBox && lit(pix) > 0
			if drawn != fc.want(i) {
				t.Errorf("%s: %q (%s): drawn = %v (ok %v, box %v, %d lit px), want %v",
					fc.name, tc.r, tc.why, drawn, ok, isBox, lit(pix), fc.want(i))
			}
			if !drawn {
				continue
			}
			// Same advance as a common hanzi, ink on the line: a fallback glyph must not jump.
			adv, _ := fc.face.GlyphAdvance(tc.r)
			want, _ := fc.face.GlyphAdvance('国')
			b, _, _ := fc.face.GlyphBounds(tc.r)
			if adv != want || b.Min.Y < -em.Ascent || b.Max.Y > em.Descent {
				t.Errorf("%s: %q advance %v (国 %v), bounds %v outside ascent %v / descent %v",
					fc.name, tc.r, adv, want, b, em.Ascent, em.Descent)
			}
		}
	}
	var wantMissing []rune
	for _, tc := range rareNames {
		if !(tc.vector && tc.px16 && tc.px12) {
			wantMissing = append(wantMissing, tc.r)
		}
	}
	var all []rune
	for _, tc := range rareNames {
		all = append(all, tc.r)
	}
	if got := Missing(string(all)); string(got) != string(wantMissing) {
		t.Errorf("Missing(rare names) = %q, want %q", string(got), string(wantMissing))
	}
}

// TestFallbackSource: runes Noto has are drawn by Noto even though Droid has them too, and runes
// only Droid has are drawn by Droid (the mask differs from what Noto's face gives, the .notdef).
func TestFallbackSource(t *testing.T) {
	v := mustVector(t, 24, false).(*vectorFace)
	for _, tc := range []struct {
		r    rune
		want source
	}{{'国', srcNoto}, {'堃', srcNoto}, {'A', srcNoto}, {'龍', srcDroid}, {'䶮', srcNoto}, {'㐱', srcDroid}, {'𠮷', srcExtB}, {'\U00030EDD', srcExtB}, {'\U00030000', srcNone}, {'\uE000', srcNone}} {
		if got := v.source(tc.r); got != tc.want {
			t.Errorf("source(%q) = %d, want %d", tc.r, got, tc.want)
		}
	}
	// Fallback glyphs are cached like Noto's, and come back identical.
	_, first, _ := glyphMask(v, '龍')
	c := cacheFor(24, false)
	c.mu.RLock()
	src, gid, _ := v.glyphOf('龍')
	_, hit := c.m[glyphKey{src, gid, 0}]
	c.mu.RUnlock()
	if !hit {
		t.Error("龍 (Droid) not in the shared 24 px cache after drawing it")
	}
	_, _, _ = glyphMask(v, '国')
	if _, again, _ := glyphMask(mustVector(t, 24, false), '龍'); !bytes.Equal(first, again) {
		t.Error("龍 from the cache differs from the first rasterization")
	}
}

func TestCoverageGBK(t *testing.T) {
	gbk := readList(t, "gbk_hanzi.txt")
	if len(gbk) != 20923 {
		t.Fatalf("testdata/gbk_hanzi.txt has %d hanzi, want 20923", len(gbk))
	}
	var extA []rune
	for r := rune(0x3400); r <= 0x4dbf; r++ {
		extA = append(extA, r)
	}
	// Pinned: WQY 12 px lacks 5 of the 21 compatibility ideographs of GBK (U+FA20..), and all of Ext A but the
	// 77 in the 通用规范汉字表; Droid lacks the 10 Ext A code points added in Unicode 13.
	for _, tc := range []struct {
		name           string
		gbkGap, extGap int
	}{{"Pixel(12)", 5, 6515}, {"Pixel(16)", 0, 0}, {"Vector(24, regular)", 0, 10}, {"Vector(24, bold)", 0, 10}} {
		f := allFaces(t)[tc.name]
		for _, l := range []struct {
			rs   []rune
			want int
			what string
		}{{gbk, tc.gbkGap, "GBK hanzi"}, {extA, tc.extGap, "CJK Ext A"}} {
			n := 0
			for _, r := range l.rs {
				if _, ok := f.GlyphAdvance(r); !ok {
					n++
				}
			}
			if n != l.want {
				t.Errorf("%s lacks %d %s, want %d", tc.name, n, l.what, l.want)
			}
		}
	}
	if got := len(Missing(string(gbk))); got != 5 {
		t.Errorf("Missing(GBK hanzi) reports %d, want 5 (the WQY compatibility-ideograph gaps)", got)
	}
}

// dibaoLines is a 低保 list as a board shows it, with the rare names this package must draw: 龍
// and 㐱 come from the fallback fonts, 𠮷 from the Noto Ext B subset (thresholded in the pixel faces).
var dibaoLines = []string{
	"2026年第四季度低保名单",
	"王堃 2人 ￥1,260 李喆 1人 ￥630",
	"张昇 3人 ￥1,890 陈赟 2人 ￥1,260",
	"刘珺 赵淼 孙犇 周镕 黄龍 林㐱 𠮷田",
}

func TestGoldenDibao(t *testing.T) {
	for _, tc := range []struct {
		name string
		face font.Face
	}{
		{"dibao-pixel12", mustPixel(t, 12)},
		{"dibao-pixel16", mustPixel(t, 16)},
		{"dibao-vector24", mustVector(t, 24, false)},
		{"dibao-vector36bold", mustVector(t, 36, true)},
	} {
		t.Run(tc.name, func(t *testing.T) { checkGolden(t, tc.name, render(tc.face, dibaoLines...)) })
	}
}

// TestCoverageExtB pins the hanzi outside the BMP: the Noto Ext B subset (testdata/notoextb.txt,
// the 2,169 of Noto's 2,365 the main subset lacks) draws in Vector, regular and bold, and the pixel
// faces have all 2,365 thresholded from Noto (testdata/noto16.txt; noto12.txt adds 鿍鿎鿏).
func TestCoverageExtB(t *testing.T) {
	ext := readList(t, "notoextb.txt")
	if len(ext) != 2169 {
		t.Fatalf("testdata/notoextb.txt has %d runes, want 2169", len(ext))
	}
	for _, r := range ext {
		if r < 0x20000 {
			t.Fatalf("testdata/notoextb.txt has %q (%U), inside the BMP", r, r)
		}
	}
	supp := readList(t, "noto16.txt")
	for name, f := range allFaces(t) {
		n := 0
		for _, r := range supp {
			if _, ok := f.GlyphAdvance(r); !ok {
				n++
			}
		}
		if n != 0 {
			t.Errorf("%s lacks %d of Noto's %d hanzi outside the BMP", name, n, len(supp))
		}
	}
	if m := Missing(string(supp)); len(m) != 0 {
		t.Errorf("Missing(noto16.txt) = %d runes, want none", len(m))
	}
	// A rune outside the BMP Noto lacks is still missing.
	if m := Missing("\U00030000"); len(m) != 1 {
		t.Errorf("Missing(U+30000) = %q, want it", string(m))
	}
	// Ext B glyphs sit on the line like Noto's: same advance as 国 in both weights.
	for _, bold := range []bool{false, true} {
		f := mustVector(t, 24, bold)
		want, _ := f.GlyphAdvance('国')
		for _, r := range ext[:50] {
			if adv, ok := f.GlyphAdvance(r); !ok || adv != want {
				t.Errorf("Vector(24, bold %v) %q: advance %v ok %v, want %v", bold, r, adv, ok, want)
			}
		}
	}
}
