package fonts

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"math"
	"sync"
	"unicode"

	gtfont "github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
)

var (
	//go:embed data/unifont16.sbf.gz
	unifont16GZ []byte
	//go:embed data/wqy12.sbf.gz
	wqy12GZ []byte
	//go:embed data/NotoSansCJKsc-Regular.otf
	notoRegularOTF []byte
	//go:embed data/NotoSansCJKsc-Bold.otf
	notoBoldOTF []byte
	//go:embed data/DroidSansFallback.ttf.gz
	droidTTFGZ []byte
	//go:embed data/NotoSansCJKsc-ExtB.otf
	notoExtBOTF []byte
)

const opaque = 0xff

// Fonts are parsed on first use only: a board that never shows TV output never pays for Noto.
var (
	pixel16 = lazy(func() (*bitmapFont, error) { return loadSBF("unifont16", unifont16GZ) })
	pixel12 = lazy(func() (*bitmapFont, error) { return loadSBF("wqy12", wqy12GZ) })
	regular = lazy(func() (*otFont, error) { return loadOT("NotoSansCJKsc-Regular", notoRegularOTF) })
	bold    = lazy(func() (*otFont, error) { return loadOT("NotoSansCJKsc-Bold", notoBoldOTF) })
	// droid is the vector fallback for runes Noto lacks.
	droid = lazy(func() (*otFont, error) {
		b, err := gunzip("DroidSansFallback", droidTTFGZ)
		if err != nil {
			return nil, err
		}
		return loadOT("DroidSansFallback", b)
	})
	// extB is the last vector fallback: Noto's hanzi outside the BMP (Ext B.., e.g. 𠮷), regular only.
	extB = lazy(func() (*otFont, error) { return loadOT("NotoSansCJKsc-ExtB", notoExtBOTF) })
)

func lazy[T any](load func() (T, error)) func() (T, error) { return sync.OnceValues(load) }

func loadSBF(name string, gz []byte) (*bitmapFont, error) {
	b, err := gunzip(name, gz)
	if err != nil {
		return nil, err
	}
	f, err := parseSBF(b)
	if err != nil {
		return nil, fmt.Errorf("fonts: embedded %s: %w", name, err)
	}
	return f, nil
}

func gunzip(name string, gz []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("fonts: embedded %s: %w", name, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("fonts: embedded %s: %w", name, err)
	}
	return b, nil
}

// otFont is one OpenType font read twice over the same bytes: by go-text, which segments,
// picks the fallback and shapes, and by x/image/font/sfnt, whose outlines come in integer
// 26.6 units so the fixed-point rasterizer draws the same bytes on every CPU. go-text's parse
// is made on first need: it holds Droid's whole glyf table (13 MB), which sunpub's coverage
// check and a board that never meets a rare name do not need.
type otFont struct {
	name string
	sf   *sfnt.Font
	gt   func() (*gtfont.Font, error)
}

func loadOT(name string, b []byte) (*otFont, error) {
	sf, err := sfnt.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("fonts: embedded %s: %w", name, err)
	}
	return &otFont{name: name, sf: sf, gt: lazy(func() (*gtfont.Font, error) {
		ld, err := ot.NewLoader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("fonts: embedded %s: %w", name, err)
		}
		gt, err := gtfont.NewFont(ld)
		if err != nil {
			return nil, fmt.Errorf("fonts: embedded %s: %w", name, err)
		}
		return gt, nil
	})}, nil
}

// has reports whether f's cmap maps r to a real glyph (not .notdef).
func (f *otFont) has(buf *sfnt.Buffer, r rune) bool {
	if f == nil {
		return false
	}
	i, err := f.sf.GlyphIndex(buf, r)
	return err == nil && i != 0
}

// Pixel returns a 1-bit dot-matrix face for LED boards: every pixel it draws is fully on or off.
// px is 12 (WenQuanYi Bitmap Song) or 16 (GNU Unifont). Hanzi advance exactly px, ASCII px/2;
// Ascent+Descent == px so lines pack at px. Runes the font lacks draw a box and report ok=false.
// The face has no mutable state and may be shared between goroutines.
func Pixel(px int) (font.Face, error) {
	var f *bitmapFont
	var err error
	switch px {
	case 12:
		f, err = pixel12()
	case 16:
		f, err = pixel16()
	default:
		return nil, fmt.Errorf("fonts: no pixel face of %d px (have 12 and 16)", px)
	}
	if err != nil {
		return nil, err
	}
	return bitmapFace{f}, nil
}

// Vector returns an anti-aliased Noto Sans CJK SC face of px pixels per em (rounded to a whole
// pixel, so hanzi advances are whole pixels and stay sharp), Bold if bold. The face is also a
// Shaper: whole strings are segmented, given a font per rune by go-text's fontscan fallback and
// shaped by go-text's HarfBuzz port. Runes the Noto subset lacks (rare hanzi of names: the rest of
// GBK, CJK Ext A, traditional forms) come from Droid Sans Fallback at the same size on the same
// baseline (regular weight only: Droid has no bold), and hanzi outside the BMP (CJK Ext B.., e.g.
// 𠮷) from a Noto Sans CJK SC Regular subset; runes none has draw Noto's box and report ok=false.
// Metrics are Noto's. Glyphs are filled by golang/freetype's fixed-point rasterizer from integer
// outlines, so every CPU draws the same bytes, and cached per size and weight across all faces,
// so text drawn again costs no rasterization. Use each face from one goroutine; ask for one face
// per goroutine.
func Vector(px float64, bold bool) (font.Face, error) {
	px = math.Round(px)
	if !(px >= 4 && px <= 1024) {
		return nil, fmt.Errorf("fonts: vector size %v px out of range 4..1024", px)
	}
	ch, err := chainFor(bold)
	if err != nil {
		return nil, err
	}
	return newVectorFace(ch, px, bold), nil
}

// Missing reports, in order of first appearance and without repeats, the runes of s that some
// embedded face cannot draw — Pixel(12), Pixel(16), or Vector in either weight counting its Droid
// and Ext B fallbacks — so it would show a box there: sunpub does not know which screen an item will reach,
// so a rune the 12 px board lacks is missing even if the TV face has it. Control characters
// (newlines, tabs) are layout, not glyphs, and are never reported.
func Missing(s string) []rune {
	p12, err12 := pixel12()
	p16, err16 := pixel16()
	reg, _ := regular()
	bld, _ := bold()
	fb, _ := droid()
	ext, _ := extB()
	var buf sfnt.Buffer
	var out []rune
	seen := map[rune]bool{}
	for _, r := range s {
		if seen[r] || unicode.IsControl(r) {
			continue
		}
		seen[r] = true
		if err12 != nil || !p12.has(r) || err16 != nil || !p16.has(r) ||
			!(reg.has(&buf, r) && bld.has(&buf, r) || fb.has(&buf, r) || ext.has(&buf, r)) {
			out = append(out, r)
		}
	}
	return out
}
