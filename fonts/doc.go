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
