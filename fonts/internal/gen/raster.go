package main

import (
	"fmt"
	"image"
	"os"
	"path/filepath"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// rasterNoto draws each rune of rs from the Simplified Chinese face of NotoSansCJK-<weight>.ttc
// at em pixels per em and keeps it as a 1-bit glyph: a pixel is on where the anti-aliased
// coverage is at least 50 %. These are for the hanzi of the 通用规范汉字表 a pixel source lacks
// and for Noto's hanzi outside the BMP (Ext B.., e.g. 𠮷);
// they are thresholded outlines, not hand-drawn bitmaps.
//
// sfnt does not hint CFF outlines, so as a stand-in for grid fitting each glyph is tried at 4×4
// sub-pixel offsets (quarter pixels, |offset| ≤ 3/8 px) and drawn at the one whose coverage is
// crispest (least total distance of each pixel from fully on or off): strokes then fall on pixel
// columns and rows instead of straddling two at 45 % each and vanishing under the threshold.
//
// The glyph is an em×em cell with top = -ascent and advance adv, like the hanzi of the pixel face
// it joins (WQY 12 px: 11×11 ink in a 12 px advance; Unifont: 16×16). It fails if a rune has no glyph in Noto or draws fewer than 4 pixels.
func rasterNoto(weight string, em, adv, ascent int, rs []rune) ([]glyph, error) {
	f, path, err := notoSC(weight)
	if err != nil {
		return nil, err
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: float64(em), DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, err
	}
	defer face.Close()
	var buf sfnt.Buffer
	// Noto's ideographic em box runs from 0.88 em above the baseline to 0.12 em below; put its
	// top on the cell's top row.
	base := fixed.Int26_6(88 * em * 64 / 100) // baseline, from the cell top, in 26.6
	offs := []fixed.Int26_6{-24, -8, 8, 24}
	var out []glyph
	for _, r := range rs {
		if i, err := f.GlyphIndex(&buf, r); err != nil || i == 0 {
			return nil, fmt.Errorf("%s lacks %U %q", path, r, r)
		}
		best, bestScore := []byte(nil), -1
		for _, dy := range offs {
			for _, dx := range offs {
				cov, ok := coverage(face, r, em, fixed.Point26_6{X: dx, Y: base + dy})
				if !ok {
					return nil, fmt.Errorf("%s: no image for %U", path, r)
				}
				score := 0
				for _, a := range cov {
					score += int(min(a, 255-a))
				}
				if bestScore < 0 || score < bestScore {
					best, bestScore = cov, score
				}
			}
		}
		stride := (em + 7) / 8
		g := glyph{r: r, adv: adv, w: em, h: em, top: -ascent, rows: make([]byte, em*stride)}
		lit := 0
		for y := range em {
			for x := range em {
				if best[y*em+x] >= 128 {
					g.rows[y*stride+x/8] |= 0x80 >> (x % 8)
					lit++
				}
			}
		}
		if lit < 4 {
			return nil, fmt.Errorf("%s: %U at %d px thresholds to %d pixels", path, r, em, lit)
		}
		out = append(out, g)
	}
	return out, nil
}

// notoSupplementary returns the hanzi outside the BMP (U+20000..U+3134F: CJK Ext B..G and the
// compatibility supplement) that Noto Sans CJK SC Regular has.
func notoSupplementary() ([]rune, error) {
	f, _, err := notoSC("Regular")
	if err != nil {
		return nil, err
	}
	var buf sfnt.Buffer
	var out []rune
	for _, r := range runeRange(0x20000, 0x3134f) {
		if i, err := f.GlyphIndex(&buf, r); err == nil && i != 0 {
			out = append(out, r)
		}
	}
	return out, nil
}

func notoSC(weight string) (*opentype.Font, string, error) {
	path := filepath.Join(*notoDir, "NotoSansCJK-"+weight+".ttc")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, path, err
	}
	c, err := opentype.ParseCollection(b)
	if err != nil {
		return nil, path, fmt.Errorf("parse %q: %w", path, err)
	}
	f, err := c.Font(notoSCIndex)
	if err != nil {
		return nil, path, fmt.Errorf("%s: font %d: %w", path, notoSCIndex, err)
	}
	return f, path, nil
}

// coverage returns the px×px anti-aliased coverage of r drawn with its origin at dot (relative to
// the cell's top-left corner); ink outside the cell is dropped.
func coverage(face font.Face, r rune, px int, dot fixed.Point26_6) ([]byte, bool) {
	dr, mask, mp, _, ok := face.Glyph(dot, r)
	if !ok {
		return nil, false
	}
	cov := make([]byte, px*px)
	for y := max(dr.Min.Y, 0); y < min(dr.Max.Y, px); y++ {
		for x := max(dr.Min.X, 0); x < min(dr.Max.X, px); x++ {
			p := image.Pt(mp.X+x-dr.Min.X, mp.Y+y-dr.Min.Y)
			_, _, _, a := mask.At(p.X, p.Y).RGBA()
			cov[y*px+x] = byte(a >> 8)
		}
	}
	return cov, true
}
