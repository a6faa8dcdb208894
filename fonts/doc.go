// Package fonts embeds the CJK fonts sunboard draws with: 1-bit dot-matrix faces for LED boards
// (Pixel) and an anti-aliased outline face for TV (Vector), with their licences beside them.
//
// Sources (Debian packages), sizes and licences:
//
//   - Pixel(16): GNU Unifont 16 px (package unifont). Dual licensed GPL-2+ with the font embedding
//     exception, or SIL OFL 1.1. See LICENSE-unifont.txt.
//   - Pixel(12): WenQuanYi Bitmap Song 12 px, the "9pt" PCF of xfonts-wqy. GPL-2 with the font
//     embedding exception. See LICENSE-wqy-bitmapsong.txt.
//   - In both pixel faces, the hanzi of the 通用规范汉字表 the bitmap source lacks — the 196 outside
//     the BMP (CJK Ext B..., e.g. 𬌗), and at 12 px also 鿍鿎鿏 — and every other hanzi outside
//     the BMP that Noto has (2,365 in all, Ext B..G and the compatibility supplement, e.g. 𠮷)
//     are thresholded from Noto, not hand-drawn: Noto Sans CJK SC Regular rasterized at 16 px
//     (12 px face: 11 px, in a 12 px advance), coverage ≥ 50 % on, at the quarter-pixel offset
//     that gives the crispest coverage (sfnt does not hint CFF). They are stored 1-bit in the
//     same .sbf data (about 67 KB and 44 KB gzip'd) and draw with zero grey pixels. At 16 px they
//     read well; at 12 px the dense ones lose a stroke here and there. testdata/noto12.txt and
//     noto16.txt list them, testdata/noto-pixel{12,16}.png show a line of them. SIL OFL 1.1, see
//     LICENSE-noto-cjk.txt.
//   - Vector: Noto Sans CJK SC Regular and Bold (fonts-noto-cjk), subset with pyftsubset to CFF .otf,
//     read with x/image/font/opentype. SIL OFL 1.1. See LICENSE-noto-cjk.txt.
//   - Vector fallback: Droid Sans Fallback (fonts-droid-fallback, DroidSansFallbackFull.ttf), subset
//     with pyftsubset to the hanzi the Noto subset lacks, read and rasterized with
//     github.com/golang/freetype (TrueType glyf). Apache-2.0. See LICENSE-droid-fallback.txt.
//   - Vector Ext B fallback: the 2,169 hanzi outside the BMP Noto Sans CJK SC Regular has and the
//     main subset lacks (CJK Ext B..G, compatibility supplement; e.g. 𠮷), subset with pyftsubset
//     to a third CFF .otf, regular weight only (a bold face draws them regular).
//     testdata/notoextb.txt lists them. SIL OFL 1.1, see LICENSE-noto-cjk.txt.
//
// Embedded sizes (7.25 MB in all):
//
//	unifont16.sbf.gz          713 KB  30,926 glyphs: the charset below + all 20,923 GBK hanzi + CJK Ext A
//	                                  + Noto's 2,365 hanzi outside the BMP (those thresholded from Noto)
//	wqy12.sbf.gz              428 KB  24,272 glyphs: the charset below + the GBK hanzi WQY has
//	                                  (2,368 of them thresholded from Noto)
//	NotoSansCJKsc-Regular.otf 1.94 MB 9,273 code points, no GSUB/GPOS/vertical tables
//	NotoSansCJKsc-Bold.otf    1.93 MB the same
//	DroidSansFallback.ttf.gz  1.66 MB 19,474 hanzi (12,969 of GBK, 6,505 of Ext A); 3.0 MB unzipped
//	NotoSansCJKsc-ExtB.otf    587 KB  2,169 hanzi outside the BMP, Regular only
//
// The Droid subset takes every GBK hanzi and every CJK Ext A one that Droid has and the Noto subset
// lacks (Droid has no Ext B). It is 3.0 MB as a TrueType file, so it is stored gzip'd and unzipped
// on first use; cutting it to GBK alone would have saved 1 MB but lost Ext A, where many rare name
// characters are.
//
// Parsed on first use (x86, 2 cores): Unifont expands to a ~7.9 MB 1-byte-per-pixel atlas in ~37 ms,
// WQY to ~3.2 MB in ~17 ms (both ~0.6 and ~0.3 MB more with the Ext B glyphs); Droid is unzipped and parsed in ~21 ms (7.8 MB allocated, 3 MB kept), and
// only when a Vector face meets a rune Noto lacks, or Missing is called.
//
// Vector falls back per rune: Noto, then Droid (same size, same baseline, regular weight even in a
// bold face: Droid has no bold), then the Noto Ext B subset (parsed on first need, regular weight
// only), then Noto's box. Pixel faces do not fall back to each other: a 12 px rune WQY lacks is a
// box rather than a scaled Unifont glyph.
//
// Coverage gaps: every face has all 8,105 hanzi of the 通用规范汉字表 (the pixel faces through
// the Noto-thresholded glyphs above). WQY lacks 5 of GBK's compatibility ideographs (U+FA20..),
// CJK Ext A beyond the 77 in the 通用规范汉字表, and ~130 symbols (™, ‐, ▶, ⑬..⑳). Outside the
// BMP every face has exactly Noto's 2,365 hanzi (Droid and Unifont 15.0's .hex have none); the
// Ext B..G code points Noto lacks (most of them) draw as a box. All of these draw as a box
// somewhere, and Missing reports them.
//
// Every face has at least the same base character set: ASCII, the symbol rows of GB 2312, CJK
// punctuation, fullwidth forms, a few symbols notices use, and the hanzi of GB 2312 (6,763) and of
// the 通用规范汉字表 (8,105, from Unihan's kTGH). testdata/charset.txt lists it,
// testdata/gbk_hanzi.txt the GBK hanzi and testdata/droid.txt the Droid subset.
//
// The data files in data/ are generated, and committed. To rebuild them (needs the Debian packages
// above plus unicode-data, pcf2bdf and fonttools), run from the repository root:
//
//	go generate ./fonts
package fonts

//go:generate go run ./internal/gen -out data -testdata testdata -licenses .
