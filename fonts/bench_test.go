package fonts

import (
	"image"
	"strings"
	"testing"

	"github.com/golang/freetype/truetype"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// paragraph300 is 300 hanzi from the GB 2312 list, drawn as lines of 30.
func paragraph300(b *testing.B) []string {
	gb := readList(b, "gb2312_hanzi.txt")
	var lines []string
	for i := 0; i < 300; i += 30 {
		lines = append(lines, string(gb[i*7:i*7+30]))
	}
	return lines
}

func benchDraw(b *testing.B, face font.Face, lines []string) {
	h := face.Metrics().Height.Ceil()
	dst := image.NewRGBA(image.Rect(0, 0, 2000, h*len(lines)+h))
	d := font.Drawer{Dst: dst, Src: image.White, Face: face}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, l := range lines {
			d.Dot = fixed.P(0, (i+1)*h)
			d.DrawString(l)
		}
	}
}

func BenchmarkDraw300Hanzi(b *testing.B) {
	lines := paragraph300(b)
	if n := len([]rune(strings.Join(lines, ""))); n != 300 {
		b.Fatalf("%d hanzi", n)
	}
	b.Run("Pixel12", func(b *testing.B) { benchDraw(b, mustPixel(b, 12), lines) })
	b.Run("Pixel16", func(b *testing.B) { benchDraw(b, mustPixel(b, 16), lines) })
	for _, px := range []float64{24, 48} {
		name := map[float64]string{24: "Vector24", 48: "Vector48"}[px]
		b.Run(name+"/cached", func(b *testing.B) { benchDraw(b, mustVector(b, px, false), lines) })
		b.Run(name+"/uncached", func(b *testing.B) {
			f := mustVector(b, px, false).(*vectorFace)
			f.nocache = true
			benchDraw(b, f, lines)
		})
		// x/image/font/opentype alone, no wrapper: what callers would get without this package.
		b.Run(name+"/opentype", func(b *testing.B) { benchDraw(b, opentypeFace(b, notoRegularOTF, px), lines) })
	}
}

// BenchmarkLoad measures first use: gunzip + atlas expansion, and sfnt parsing.
func BenchmarkLoad(b *testing.B) {
	b.Run("Pixel16", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := loadSBF("unifont16", unifont16GZ); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Pixel12", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := loadSBF("wqy12", wqy12GZ); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DroidFallback", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ttf, err := gunzip("droid", droidTTFGZ)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := loadOT("droid", ttf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("VectorRegular", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := loadOT("regular", notoRegularOTF); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// droidLines is 300 runes that only the Droid fallback has (traditional and rare GBK hanzi),
// spread over the subset, as lines of 30.
func droidLines(b *testing.B) []string {
	d := readList(b, "droid.txt")
	var lines []string
	for i := 0; i < 300; i += 30 {
		lines = append(lines, string(d[i*40:i*40+30]))
	}
	return lines
}

// BenchmarkFallback draws text through the Droid fallback: from the shared cache, rasterized by
// golang/freetype on every call, and rasterized by x/image/font/opentype from the same subset (what
// the fallback would cost without freetype). "names" is the 低保 list: mostly Noto, a few Droid.
func BenchmarkFallback(b *testing.B) {
	lines := droidLines(b)
	for _, l := range lines {
		for _, r := range l {
			if v := mustVector(b, 24, false).(*vectorFace); v.source(r) != srcDroid {
				b.Fatalf("%q is not drawn by Droid", r)
			}
		}
	}
	for _, px := range []float64{24, 48} {
		name := map[float64]string{24: "Vector24", 48: "Vector48"}[px]
		b.Run(name+"/cached", func(b *testing.B) { benchDraw(b, mustVector(b, px, false), lines) })
		b.Run(name+"/freetype", func(b *testing.B) {
			f := mustVector(b, px, false).(*vectorFace)
			f.nocache = true
			benchDraw(b, f, lines)
		})
		b.Run(name+"/freetype-bare", func(b *testing.B) {
			ttf, err := gunzip("droid", droidTTFGZ)
			if err != nil {
				b.Fatal(err)
			}
			f, err := truetype.Parse(ttf)
			if err != nil {
				b.Fatal(err)
			}
			// One cache entry: every glyph is rasterized, as in opentype's face.
			benchDraw(b, truetype.NewFace(f, &truetype.Options{Size: px, Hinting: font.HintingNone, GlyphCacheEntries: 1}), lines)
		})
		b.Run(name+"/opentype", func(b *testing.B) {
			ttf, err := gunzip("droid", droidTTFGZ)
			if err != nil {
				b.Fatal(err)
			}
			benchDraw(b, opentypeFace(b, ttf, px), lines)
		})
	}
	b.Run("names/Vector24/cached", func(b *testing.B) { benchDraw(b, mustVector(b, 24, false), dibaoLines) })
	b.Run("names/Vector24/uncached", func(b *testing.B) {
		f := mustVector(b, 24, false).(*vectorFace)
		f.nocache = true
		benchDraw(b, f, dibaoLines)
	})
}

// opentypeFace is x/image/font/opentype's own face over b: the peer the benchmarks and the
// rasterizer test compare with.
func opentypeFace(tb testing.TB, b []byte, px float64) font.Face {
	tb.Helper()
	f, err := opentype.Parse(b)
	if err != nil {
		tb.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		tb.Fatal(err)
	}
	return face
}
