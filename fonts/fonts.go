package fonts

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"sync"
	"unicode"

	"github.com/golang/freetype/truetype"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
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
	regular = lazy(func() (*opentype.Font, error) { return loadOTF("NotoSansCJKsc-Regular", notoRegularOTF) })
	bold    = lazy(func() (*opentype.Font, error) { return loadOTF("NotoSansCJKsc-Bold", notoBoldOTF) })
	// droid is the vector fallback, parsed when a face first meets a rune Noto lacks (or by Missing).
	droid = lazy(func() (*truetype.Font, error) { return loadTTF("DroidSansFallback", droidTTFGZ) })
	// extB is the last vector fallback: Noto's hanzi outside the BMP (Ext B.., e.g. 𠮷), regular only.
	extB = lazy(func() (*opentype.Font, error) { return loadOTF("NotoSansCJKsc-ExtB", notoExtBOTF) })
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

func loadTTF(name string, gz []byte) (*truetype.Font, error) {
	b, err := gunzip(name, gz)
	if err != nil {
		return nil, err
	}
	f, err := truetype.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("fonts: embedded %s: %w", name, err)
	}
	return f, nil
}

func loadOTF(name string, b []byte) (*opentype.Font, error) {
	f, err := opentype.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("fonts: embedded %s: %w", name, err)
	}
	return f, nil
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

// Vector returns an anti-aliased Noto Sans CJK SC face of px pixels per em, Bold if bold. Runes
// the Noto subset lacks (rare hanzi of names: the rest of GBK, CJK Ext A, traditional forms) are
// drawn from Droid Sans Fallback at the same size on the same baseline (regular weight only: Droid
// has no bold), and hanzi outside the BMP (CJK Ext B.., e.g. 𠮷) from a Noto Sans CJK SC Regular
// subset (regular weight in a bold face too); runes none has draw Noto's box and report ok=false. Metrics are Noto's.
// Rasterized glyphs, fallback ones included, are cached per size and weight across all faces, so
// text drawn again costs no rasterization. Use each face from one goroutine; ask for one face per
// goroutine.
func Vector(px float64, bold bool) (font.Face, error) {
	if !(px >= 4 && px <= 1024) {
		return nil, fmt.Errorf("fonts: vector size %v px out of range 4..1024", px)
	}
	f, err := vectorFont(bold)
	if err != nil {
		return nil, err
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, fmt.Errorf("fonts: vector face %v px: %w", px, err)
	}
	return &vectorFace{Face: face.(*opentype.Face), noto: f, px: px, cache: cacheFor(px, bold)}, nil
}

func vectorFont(isBold bool) (*opentype.Font, error) {
	if isBold {
		return bold()
	}
	return regular()
}

// Missing reports, in order of first appearance and without repeats, the runes of s that some
// embedded face cannot draw — Pixel(12), Pixel(16), or Vector in either weight counting its Droid
// and Ext B fallbacks — so it would show a box there: sunpub does not know which screen an item will reach,
// so a rune the 12 px board lacks is missing even if the TV face has it. Control characters
// (newlines, tabs) are layout, not glyphs, and are never reported.
func Missing(s string) []rune {
	p12, err12 := pixel12()
	p16, err16 := pixel16()
	reg, errR := regular()
	bld, errB := bold()
	var buf sfnt.Buffer
	inOTF := func(f *opentype.Font, err error, r rune) bool {
		if err != nil {
			return false
		}
		i, err := f.GlyphIndex(&buf, r)
		return err == nil && i != 0
	}
	// freetype's Index is 0 (.notdef) for a rune the font lacks.
	inDroid := func(r rune) bool {
		fb, err := droid()
		return err == nil && fb.Index(r) != 0
	}
	inExtB := func(r rune) bool {
		f, err := extB()
		return inOTF(f, err, r)
	}
	var out []rune
	seen := map[rune]bool{}
	for _, r := range s {
		if seen[r] || unicode.IsControl(r) {
			continue
		}
		seen[r] = true
		if err12 != nil || !p12.has(r) || err16 != nil || !p16.has(r) ||
			!(inOTF(reg, errR, r) && inOTF(bld, errB, r) || inDroid(r) || inExtB(r)) {
			out = append(out, r)
		}
	}
	return out
}
