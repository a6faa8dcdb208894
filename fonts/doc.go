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
//     the BMP (CJK Ext B..., e.g. 𬌗), and at 12 px also 鿍鿎鿏 — are thresholded from Noto, not
//     hand-drawn: Noto Sans CJK SC Regular rasterized at 16 px (12 px face: 11 px, in a 12 px
//     advance), coverage ≥ 50 % on, at the quarter-pixel offset that gives the crispest
//     coverage (sfnt does not hint CFF). They are stored 1-bit in the same .sbf data (about
//     6 KB and 4 KB gzip'd) and draw with zero grey pixels. At 16 px they read well; at 12 px
//     the dense ones lose a stroke here and there. testdata/noto12.txt and noto16.txt list them,
//     testdata/noto-pixel{12,16}.png show a line of them. SIL OFL 1.1, see LICENSE-noto-cjk.txt.
//   - Vector: Noto Sans CJK SC Regular and Bold (fonts-noto-cjk), subset with pyftsubset to CFF .otf,
//     read with x/image/font/opentype. SIL OFL 1.1. See LICENSE-noto-cjk.txt.
//   - Vector fallback: Droid Sans Fallback (fonts-droid-fallback, DroidSansFallbackFull.ttf), subset
//     with pyftsubset to the hanzi the Noto subset lacks, read and rasterized with
//     github.com/golang/freetype (TrueType glyf). Apache-2.0. See LICENSE-droid-fallback.txt.
//
// Embedded sizes (6.5 MB in all):
//
//	unifont16.sbf.gz          652 KB  28,757 glyphs: the charset below + all 20,923 GBK hanzi + CJK Ext A
//	                                  (196 of them thresholded from Noto)
//	wqy12.sbf.gz              388 KB  22,103 glyphs: the charset below + the GBK hanzi WQY has
//	                                  (199 of them thresholded from Noto)
//	NotoSansCJKsc-Regular.otf 1.94 MB 9,273 code points, no GSUB/GPOS/vertical tables
//	NotoSansCJKsc-Bold.otf    1.93 MB the same
//	DroidSansFallback.ttf.gz  1.66 MB 19,474 hanzi (12,969 of GBK, 6,505 of Ext A); 3.0 MB unzipped
//
// The Droid subset takes every GBK hanzi and every CJK Ext A one that Droid has and the Noto subset
// lacks (Droid has no Ext B). It is 3.0 MB as a TrueType file, so it is stored gzip'd and unzipped
// on first use; cutting it to GBK alone would have saved 1 MB but lost Ext A, where many rare name
// characters are.
//
// Parsed on first use (x86, 2 cores): Unifont expands to a 7.3 MB 1-byte-per-pixel atlas in ~40 ms,
// WQY to 2.9 MB in ~19 ms; Droid is unzipped and parsed in ~21 ms (7.8 MB allocated, 3 MB kept), and
// only when a Vector face meets a rune Noto lacks, or Missing is called.
//
// Vector falls back per rune: Noto, then Droid (same size, same baseline, regular weight even in a
// bold face: Droid has no bold), then Noto's box. Pixel faces do not fall back to each other: a
// 12 px rune WQY lacks is a box rather than a scaled Unifont glyph.
//
// Coverage gaps: every face has all 8,105 hanzi of the 通用规范汉字表 (the pixel faces through
// the Noto-thresholded glyphs above). WQY lacks 5 of GBK's compatibility ideographs (U+FA20..),
// CJK Ext A beyond the 77 in the 通用规范汉字表, and ~130 symbols (™, ‐, ▶, ⑬..⑳). No face has
// CJK Ext B beyond the 196 of the 通用规范汉字表 (e.g. 𠮷): Droid and Unifont 15.0's .hex have
// none, and Noto's 2,365 would cost 0.64 MB per weight. All of these draw as a box somewhere,
// and Missing reports them.
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
