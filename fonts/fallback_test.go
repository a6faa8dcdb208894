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
// may lack, with what each face is expected to do. Nothing shipped has Ext B 𠮷 (Droid has no
// Ext B, Unifont 15.0's .hex is the BMP only, Noto's Ext B is not embedded), so the test pins
// that it is a box everywhere and that Missing says so.
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
	{'𠮷', "Ext B: no shipped font", false, false, false},
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
	}{{'国', srcNoto}, {'堃', srcNoto}, {'A', srcNoto}, {'龍', srcDroid}, {'䶮', srcNoto}, {'㐱', srcDroid}, {'𠮷', srcNone}, {'\uE000', srcNone}} {
		if got := v.source(tc.r); got != tc.want {
			t.Errorf("source(%q) = %d, want %d", tc.r, got, tc.want)
		}
	}
	// Fallback glyphs are cached like Noto's, and come back identical.
	_, first, _ := glyphMask(v, '龍')
	c := cacheFor(24, false)
	c.mu.RLock()
	_, hit := c.m[glyphKey{'龍', 0}]
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
// and 㐱 come from the fallback fonts, 𠮷 is a box everywhere (nothing shipped has it).
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
