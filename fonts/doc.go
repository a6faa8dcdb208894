// Package fonts embeds the CJK fonts sunboard draws with: 1-bit dot-matrix faces for LED boards
// (Pixel) and an anti-aliased outline face for TV (Vector), with their licences beside them.
//
// Sources (Debian packages), sizes and licences:
//
//   - Pixel(16): GNU Unifont 16 px (package unifont). Dual licensed GPL-2+ with the font embedding
//     exception, or SIL OFL 1.1. See LICENSE-unifont.txt.
//   - Pixel(12): WenQuanYi Bitmap Song 12 px, the "9pt" PCF of xfonts-wqy. GPL-2 with the font
//     embedding exception. See LICENSE-wqy-bitmapsong.txt.
//   - Vector: Noto Sans CJK SC Regular and Bold (fonts-noto-cjk), subset with pyftsubset to CFF .otf.
//     SIL OFL 1.1. See LICENSE-noto-cjk.txt.
//
// Embedded sizes: unifont16.sbf.gz 194 KB (9,077 glyphs), wqy12.sbf.gz 155 KB (8,940 glyphs), Noto
// Regular 1.94 MB and Bold 1.93 MB (9,273 code points each, no GSUB/GPOS/vertical tables): 4.2 MB
// in all. Parsed on first use: the bitmap faces expand to 1-byte-per-pixel atlases (Unifont 2.3 MB,
// WQY 1.2 MB) in 8 and 6 ms on x86.
//
// Coverage gaps: Unifont and WQY lack the 196 hanzi of the 通用规范汉字表 outside the BMP
// (e.g. 𬌗), WQY also 鿍鿎鿏 and ~130 symbols (™, ‐, ▶, ⑬..⑳); those draw as a box on the pixel
// faces and Missing reports them.
//
// Every face is cut down to the same character set: ASCII, the symbol rows of GB 2312, CJK
// punctuation, fullwidth forms, a few symbols notices use, and the hanzi of GB 2312 (6,763) and of
// the 通用规范汉字表 (8,105, from Unihan's kTGH). testdata/charset.txt lists it.
//
// The data files in data/ are generated, and committed. To rebuild them (needs the Debian packages
// above plus unicode-data, pcf2bdf and fonttools), run from the repository root:
//
//	go generate ./fonts
package fonts

//go:generate go run ./internal/gen -out data -testdata testdata
