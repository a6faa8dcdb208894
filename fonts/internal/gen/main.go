// Command gen builds the embedded font data of package fonts from fonts installed by Debian packages.
//
// Run it through go generate from the repository root:
//
//	go generate ./fonts
//
// It needs these Debian packages: unifont, xfonts-wqy, fonts-noto-cjk, fonts-droid-fallback,
// unicode-data, pcf2bdf and fonttools (for pyftsubset). Outputs (all committed):
//
//	data/unifont16.sbf.gz                 16 px bitmap face (GNU Unifont): charset + GBK hanzi + CJK Ext A,
//	                                      + the 通用规范 hanzi Unifont lacks and Noto's hanzi outside
//	                                      the BMP, thresholded from Noto
//	data/wqy12.sbf.gz                     12 px bitmap face (WenQuanYi Bitmap Song 9pt = 12 px): charset + GBK hanzi,
//	                                      + the 通用规范 hanzi WQY lacks and Noto's hanzi outside
//	                                      the BMP, thresholded from Noto
//	data/NotoSansCJKsc-{Regular,Bold}.otf Noto Sans CJK SC subsets (CFF): charset
//	data/DroidSansFallback.ttf.gz         Droid Sans Fallback subset (TrueType glyf), gzip'd: the GBK,
//	                                      Ext A and Ext B hanzi Droid has and the Noto subset lacks
//	data/NotoSansCJKsc-ExtB.otf           Noto Sans CJK SC Regular subset (CFF): the hanzi outside the
//	                                      BMP Noto has and neither subset above has (Ext B.., e.g. 𠮷)
//	LICENSE-droid-fallback.txt            Debian copyright of fonts-droid-fallback + Apache-2.0 text
//	testdata/{gb2312,tgh,gbk}_hanzi.txt   the hanzi lists the coverage tests check against
//	testdata/charset.txt                  every rune the generator tried to embed in every face
//	testdata/droid.txt                    the runes of the Droid subset
//	testdata/noto{12,16}.txt              the hanzi each pixel face has thresholded from Noto
//	testdata/notoextb.txt                 the runes of the Noto Ext B subset
package main

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/golang/freetype/truetype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/encoding/simplifiedchinese"
)

var (
	unifontHex = flag.String("unifont", "/usr/share/unifont/unifont.hex", "GNU Unifont .hex file")
	wqyPCF     = flag.String("wqy", "/usr/share/fonts/X11/misc/wenquanyi_9pt.pcf", "WenQuanYi 12 px PCF")
	notoDir    = flag.String("noto", "/usr/share/fonts/opentype/noto", "directory of NotoSansCJK-*.ttc")
	droidTTF   = flag.String("droid", "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "Droid Sans Fallback (full)")
	droidCopy  = flag.String("droid-copyright", "/usr/share/doc/fonts-droid-fallback/copyright", "Debian copyright of fonts-droid-fallback")
	apache2    = flag.String("apache2", "/usr/share/common-licenses/Apache-2.0", "Apache License 2.0 text")
	licDir     = flag.String("licenses", ".", "output directory for licence files")
	unihan     = flag.String("unihan", "/usr/share/unicode/Unihan_OtherMappings.txt.bz2", "Unihan OtherMappings (kGB0, kTGH)")
	outDir     = flag.String("out", "data", "output directory for embedded data")
	testDir    = flag.String("testdata", "testdata", "output directory for test lists")
)

// notoSCIndex is the Simplified Chinese face inside the Noto Sans CJK collections
// (JP, KR, SC, TC, HK, then the Mono faces).
const notoSCIndex = 2

func main() {
	log.SetFlags(0)
	log.SetPrefix("fonts/gen: ")
	flag.Parse()
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	gb, tgh, err := readUnihan(*unihan)
	if err != nil {
		return err
	}
	set, err := charset(gb, tgh)
	if err != nil {
		return err
	}
	gbk, err := gbkHanzi()
	if err != nil {
		return err
	}
	extA := runeRange(0x3400, 0x4dbf)
	log.Printf("charset: %d runes (%d GB2312 hanzi, %d 通用规范汉字表); %d GBK hanzi", len(set), len(gb), len(tgh), len(gbk))
	for name, rs := range map[string][]rune{"gb2312_hanzi.txt": gb, "tgh_hanzi.txt": tgh, "gbk_hanzi.txt": gbk, "charset.txt": set} {
		if err := os.WriteFile(filepath.Join(*testDir, name), []byte(string(rs)+"\n"), 0o644); err != nil {
			return err
		}
	}

	// The pixel faces also take every GBK hanzi (and Unifont the CJK Ext A block) they have: rare
	// characters in names on subsidy lists must draw. A 12 px rune WQY lacks stays a box rather
	// than a scaled Unifont glyph.
	uni, err := readUnifont(*unifontHex, union(set, gbk, extA))
	if err != nil {
		return err
	}
	// The hanzi of the 通用规范汉字表 a pixel source lacks (the 196 outside the BMP; for WQY also
	// 鿍鿎鿏) are thresholded from Noto Sans CJK SC Regular at the face's size, so that the whole
	// table draws, 1-bit, on every board.
	// Beyond the table, every hanzi outside the BMP that Noto has (CJK Ext B..F and the
	// compatibility supplement, e.g. 𠮷) is thresholded too: rare name characters must not be
	// boxes on LED boards either.
	supp, err := notoSupplementary()
	if err != nil {
		return err
	}
	pixWant := union(tgh, supp)
	if uni, err = addNoto(uni, pixWant, 16, 16, 16, 14); err != nil {
		return err
	}
	// Unifont: 16 rows, baseline 2 rows above the bottom.
	if err := writeSBF(filepath.Join(*outDir, "unifont16.sbf.gz"), 16, 14, 2, uni); err != nil {
		return err
	}
	wqy, err := readWQY(*wqyPCF, union(set, gbk))
	if err != nil {
		return err
	}
	if wqy, err = addNoto(wqy, pixWant, 11, 12, 12, 10); err != nil {
		return err
	}
	// WQY 12 px hanzi are 11×11 with one row below the baseline; ascent 10 + descent 2 packs
	// lines at exactly 12 px with a one-row gap under the hanzi.
	if err := writeSBF(filepath.Join(*outDir, "wqy12.sbf.gz"), 12, 10, 2, wqy); err != nil {
		return err
	}
	for _, w := range []string{"Regular", "Bold"} {
		if err := subsetNoto(w, set); err != nil {
			return err
		}
	}
	droid, err := subsetDroid(union(gbk, extA, runeRange(0x20000, 0x3134f)))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*testDir, "droid.txt"), []byte(string(droid)+"\n"), 0o644); err != nil {
		return err
	}
	// Droid has no Ext B: the hanzi outside the BMP that Noto has and the main subset lacks go to
	// a third, regular-only subset, the last vector fallback.
	extB, err := subsetNotoExtB(supp, droid)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*testDir, "notoextb.txt"), []byte(string(extB)+"\n"), 0o644); err != nil {
		return err
	}
	return writeDroidLicense()
}

// addNoto appends to gs a glyph thresholded from Noto (see rasterNoto) for each rune of want
// that gs lacks, writing the list to testdata/noto<px>.txt.
func addNoto(gs []glyph, want []rune, em, adv, px, ascent int) ([]glyph, error) {
	have := map[rune]bool{}
	for _, g := range gs {
		have[g.r] = true
	}
	var lack []rune
	for _, r := range want {
		if !have[r] {
			lack = append(lack, r)
		}
	}
	lack = union(lack)
	extra, err := rasterNoto("Regular", em, adv, ascent, lack)
	if err != nil {
		return nil, err
	}
	log.Printf("%d px: %d hanzi (通用规范汉字表, Ext B..) thresholded from Noto Sans CJK SC Regular", px, len(extra))
	name := filepath.Join(*testDir, fmt.Sprintf("noto%d.txt", px))
	if err := os.WriteFile(name, []byte(string(lack)+"\n"), 0o644); err != nil {
		return nil, err
	}
	return append(gs, extra...), nil
}

func runeRange(lo, hi rune) []rune {
	rs := make([]rune, 0, hi-lo+1)
	for r := lo; r <= hi; r++ {
		rs = append(rs, r)
	}
	return rs
}

// union returns the sorted runes of all the lists, without repeats.
func union(lists ...[]rune) []rune {
	var out []rune
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// isHanzi: the CJK Unified Ideographs blocks (BMP and beyond) and the compatibility ideographs.
func isHanzi(r rune) bool {
	return (r >= 0x3400 && r <= 0x4dbf) || (r >= 0x4e00 && r <= 0x9fff) ||
		(r >= 0xf900 && r <= 0xfaff) || (r >= 0x20000 && r <= 0x3134f)
}

// gbkHanzi decodes every double-byte GBK code (0x8140–0xFEFE) and keeps the hanzi: 20,902 in the
// URO block plus 21 compatibility ideographs, the same 20,923 as Python's gbk codec. x/text's
// decoder also maps 52 codes of row FE to CJK Ext A (the GB 18030 mapping; CP936 and Python leave
// them undefined): those are dropped here, and the Ext A block is added where a face has it.
func gbkHanzi() ([]rune, error) {
	dec := simplifiedchinese.GBK.NewDecoder()
	var out []rune
	for lead := 0x81; lead <= 0xfe; lead++ {
		for trail := 0x40; trail <= 0xfe; trail++ {
			if trail == 0x7f {
				continue
			}
			s, err := dec.Bytes([]byte{byte(lead), byte(trail)})
			if err != nil {
				continue // unassigned codes
			}
			if r := []rune(string(s)); len(r) == 1 && isHanzi(r[0]) && !(r[0] >= 0x3400 && r[0] <= 0x4dbf) {
				out = append(out, r[0])
			}
		}
	}
	out = union(out)
	if len(out) != 20923 {
		return nil, fmt.Errorf("GBK decodes to %d hanzi, want 20923", len(out))
	}
	return out, nil
}

// subsetDroid writes the Droid Sans Fallback subset: the runes of want that Droid has and that
// either Noto subset lacks. It checks both sides with golang/freetype and x/image/font/sfnt, the
// parsers package fonts uses, so what the tests see is what was decided here.
func subsetDroid(want []rune) ([]rune, error) {
	full, err := os.ReadFile(*droidTTF)
	if err != nil {
		return nil, err
	}
	droid, err := truetype.Parse(full)
	if err != nil {
		return nil, fmt.Errorf("parse %q: %w", *droidTTF, err)
	}
	var notos []*sfnt.Font
	for _, w := range []string{"Regular", "Bold"} {
		p := filepath.Join(*outDir, "NotoSansCJKsc-"+w+".otf")
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		f, err := sfnt.Parse(b)
		if err != nil {
			return nil, fmt.Errorf("parse %q: %w", p, err)
		}
		notos = append(notos, f)
	}
	var buf sfnt.Buffer
	var keep []rune
	for _, r := range want {
		if droid.Index(r) == 0 { // freetype: 0 is .notdef, i.e. missing
			continue
		}
		for _, n := range notos {
			if i, err := n.GlyphIndex(&buf, r); err != nil || i == 0 {
				keep = append(keep, r)
				break
			}
		}
	}
	tmp, err := os.CreateTemp("", "droid*.ttf")
	if err != nil {
		return nil, err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := pyftsubset(*droidTTF, tmp.Name(), keep,
		// golang/freetype reads cmap, hmtx, glyf/loca (and kern); the rest is dead weight.
		"--layout-features=",
		"--drop-tables+=GSUB,GPOS,GDEF,BASE,vhea,vmtx,gasp",
		"--no-hinting",
		"--notdef-outline",
		"--name-IDs=0,1,2,3,4,5,6,13,14",
	); err != nil {
		return nil, err
	}
	ttf, err := os.ReadFile(tmp.Name())
	if err != nil {
		return nil, err
	}
	if _, err := truetype.Parse(ttf); err != nil {
		return nil, fmt.Errorf("golang/freetype rejects the Droid subset: %w", err)
	}
	dst := filepath.Join(*outDir, "DroidSansFallback.ttf.gz")
	n, err := writeGzip(dst, ttf)
	if err != nil {
		return nil, err
	}
	if n > 2_500_000 {
		return nil, fmt.Errorf("%s: %d bytes, more than 2.5 MB; check the rune list", dst, n)
	}
	log.Printf("%s: %d runes, %d bytes (%d uncompressed)", dst, len(keep), n, len(ttf))
	return keep, nil
}

func writeDroidLicense() error {
	cr, err := os.ReadFile(*droidCopy)
	if err != nil {
		return err
	}
	ap, err := os.ReadFile(*apache2)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString("Droid Sans Fallback, as embedded (subset) in data/DroidSansFallback.ttf.gz.\n")
	b.WriteString("Source: Debian package fonts-droid-fallback, " + *droidTTF + ".\n\n")
	b.WriteString("==> Debian copyright file (" + *droidCopy + ") <==\n\n")
	b.Write(cr)
	b.WriteString("\n\n==> Apache License, Version 2.0 (" + *apache2 + ") <==\n\n")
	b.Write(ap)
	return os.WriteFile(filepath.Join(*licDir, "LICENSE-droid-fallback.txt"), b.Bytes(), 0o644)
}

func writeGzip(path string, data []byte) (int, error) {
	var out bytes.Buffer
	zw, err := gzip.NewWriterLevel(&out, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	zw.Write(data)
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return out.Len(), os.WriteFile(path, out.Bytes(), 0o644)
}

// pyftsubset cuts src down to runes, writing dst.
func pyftsubset(src, dst string, runes []rune, opts ...string) error {
	var cps []string
	for _, r := range runes {
		cps = append(cps, fmt.Sprintf("%04X", r))
	}
	list, err := os.CreateTemp("", "unicodes*.txt")
	if err != nil {
		return err
	}
	defer os.Remove(list.Name())
	if _, err := list.WriteString(strings.Join(cps, "\n")); err != nil {
		return err
	}
	list.Close()
	args := append([]string{src, "--unicodes-file=" + list.Name(), "--output-file=" + dst}, opts...)
	if out, err := exec.Command("pyftsubset", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("pyftsubset %q: %v: %s", src, err, out)
	}
	return nil
}

// readUnihan returns the GB 2312 hanzi (kGB0) and the 通用规范汉字表 (kTGH, 2013) in code-table order.
func readUnihan(path string) (gb, tgh []rune, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open %q: %w", path, err)
	}
	defer f.Close()
	type entry struct {
		r   rune
		key int
	}
	var gbe, tghe []entry
	sc := bufio.NewScanner(bzip2.NewReader(f))
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 3 || !strings.HasPrefix(fields[0], "U+") {
			continue
		}
		cp, err := strconv.ParseUint(fields[0][2:], 16, 32)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: code point %q: %w", path, fields[0], err)
		}
		switch fields[1] {
		case "kGB0":
			k, err := strconv.Atoi(fields[2])
			if err != nil {
				return nil, nil, fmt.Errorf("%s: kGB0 %q: %w", path, fields[2], err)
			}
			gbe = append(gbe, entry{rune(cp), k})
		case "kTGH":
			// Value is "2013:NNNN", possibly several separated by spaces.
			_, n, ok := strings.Cut(strings.Fields(fields[2])[0], ":")
			k, err := strconv.Atoi(n)
			if !ok || err != nil {
				return nil, nil, fmt.Errorf("%s: kTGH %q: bad value", path, fields[2])
			}
			tghe = append(tghe, entry{rune(cp), k})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("read %q: %w", path, err)
	}
	order := func(es []entry) []rune {
		slices.SortFunc(es, func(a, b entry) int { return a.key - b.key })
		rs := make([]rune, len(es))
		for i, e := range es {
			rs[i] = e.r
		}
		return rs
	}
	gb, tgh = order(gbe), order(tghe)
	if len(gb) != 6763 || len(tgh) != 8105 {
		return nil, nil, fmt.Errorf("%s: got %d kGB0 and %d kTGH entries, want 6763 and 8105", path, len(gb), len(tgh))
	}
	return gb, tgh, nil
}

// charset is every rune we try to embed: ASCII, the symbol rows of GB 2312 (as GBK decodes them),
// CJK punctuation, fullwidth forms, a few symbols notices use, and both hanzi lists.
func charset(gb, tgh []rune) ([]rune, error) {
	seen := map[rune]bool{}
	add := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			seen[r] = true
		}
	}
	add(0x20, 0x7e)
	add(0x3000, 0x303f) // CJK symbols and punctuation
	add(0xff01, 0xff5e) // fullwidth ASCII
	add(0xffe0, 0xffe6) // fullwidth ￠￡￢￣￤￥￦
	add(0x2010, 0x2027) // dashes, quotes, ellipsis
	add(0x2030, 0x203b) // ‰ ′ ″ ※
	add(0x2460, 0x249b) // ① ⑴ ⒈
	add(0x2160, 0x216b) // Ⅰ..Ⅻ
	add(0x2190, 0x2193) // arrows
	add(0x2500, 0x257f) // box drawing, for tables
	add(0x25a0, 0x25ff) // geometric shapes ■□▲●◆
	add(0x3220, 0x3229) // ㈠..㈩
	for _, r := range "·×÷°±¥§¨¯²³µ¼½¾€℃℉№™Ω√∞∶≈≠≤≥★☆" {
		seen[r] = true
	}
	dec := simplifiedchinese.GBK.NewDecoder()
	for lead := 0xa1; lead <= 0xa9; lead++ {
		for trail := 0xa1; trail <= 0xfe; trail++ {
			s, err := dec.Bytes([]byte{byte(lead), byte(trail)})
			if err != nil {
				return nil, fmt.Errorf("decode GB %02X%02X: %w", lead, trail, err)
			}
			r := []rune(string(s))
			if len(r) == 1 && r[0] != 0xfffd && (r[0] < 0xe000 || r[0] > 0xf8ff) {
				seen[r[0]] = true
			}
		}
	}
	for _, r := range gb {
		seen[r] = true
	}
	for _, r := range tgh {
		seen[r] = true
	}
	out := make([]rune, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	slices.Sort(out)
	return out, nil
}

// glyph is one bitmap glyph: rows of packed bits, MSB first, (w+7)/8 bytes per row.
type glyph struct {
	r         rune
	adv       int
	w, h      int
	xoff, top int // top: y of the first row relative to the baseline, negative is above
	rows      []byte
}

func readUnifont(path string, want []rune) ([]glyph, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", path, err)
	}
	defer f.Close()
	wanted := map[rune]bool{}
	for _, r := range want {
		wanted[r] = true
	}
	var gs []glyph
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		cps, bits, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			return nil, fmt.Errorf("%s:%d: no colon", path, line)
		}
		cp, err := strconv.ParseUint(cps, 16, 32)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: code point %q: %w", path, line, cps, err)
		}
		if !wanted[rune(cp)] {
			continue
		}
		b, err := hex.DecodeString(bits)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: bitmap: %w", path, line, err)
		}
		var w int
		switch len(b) {
		case 16:
			w = 8
		case 32:
			w = 16
		default:
			return nil, fmt.Errorf("%s:%d: %d bitmap bytes, want 16 or 32", path, line, len(b))
		}
		gs = append(gs, glyph{r: rune(cp), adv: w, w: w, h: 16, top: -14, rows: b})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %q: %w", path, err)
	}
	return gs, nil
}

func readWQY(path string, want []rune) ([]glyph, error) {
	tmp, err := os.CreateTemp("", "wqy*.bdf")
	if err != nil {
		return nil, err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if out, err := exec.Command("pcf2bdf", "-o", tmp.Name(), path).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pcf2bdf %q: %v: %s", path, err, out)
	}
	b, err := os.ReadFile(tmp.Name())
	if err != nil {
		return nil, err
	}
	wanted := map[rune]bool{}
	for _, r := range want {
		wanted[r] = true
	}
	all, err := parseBDF(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var gs []glyph
	for _, g := range all {
		if wanted[g.r] {
			gs = append(gs, g)
		}
	}
	return gs, nil
}

// parseBDF reads the glyphs of a BDF font; only what a fixed-size bitmap face needs.
func parseBDF(b []byte) ([]glyph, error) {
	var gs []glyph
	var g glyph
	inBitmap := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if inBitmap {
			if f[0] == "ENDCHAR" {
				inBitmap = false
				if g.r >= 0 {
					gs = append(gs, g)
				}
				continue
			}
			row, err := hex.DecodeString(f[0])
			if err != nil || len(row) != (g.w+7)/8 {
				return nil, fmt.Errorf("line %d: bitmap row %q for %d px width", line, f[0], g.w)
			}
			g.rows = append(g.rows, row...)
			continue
		}
		var perr error
		atoi := func(i int) int {
			if i >= len(f) {
				perr = fmt.Errorf("line %d: %s: missing field %d", line, f[0], i)
				return 0
			}
			n, err := strconv.Atoi(f[i])
			if err != nil {
				perr = fmt.Errorf("line %d: %s: %w", line, f[0], err)
			}
			return n
		}
		switch f[0] {
		case "STARTCHAR":
			g = glyph{r: -1}
		case "ENCODING":
			g.r = rune(atoi(1))
		case "DWIDTH":
			g.adv = atoi(1)
		case "BBX":
			g.w, g.h, g.xoff = atoi(1), atoi(2), atoi(3)
			g.top = -(atoi(4) + g.h)
		case "BITMAP":
			inBitmap = true
		}
		if perr != nil {
			return nil, perr
		}
	}
	return gs, sc.Err()
}

// writeSBF writes the "sunboard bitmap font" format read by fonts.parseSBF, gzip'd:
//
//	"SBF1" px ascent descent 0  count:u32le
//	count × { rune:u24le adv:u8 w:u8 h:u8 xoff:i8 top:i8 off:u32le }  sorted by rune
//	bitmap rows, (w+7)/8 bytes per row, MSB first, at off
func writeSBF(path string, px, ascent, descent int, gs []glyph) error {
	slices.SortFunc(gs, func(a, b glyph) int { return int(a.r - b.r) })
	var hdr, bits bytes.Buffer
	hdr.WriteString("SBF1")
	hdr.Write([]byte{byte(px), byte(ascent), byte(descent), 0})
	_ = binary.Write(&hdr, binary.LittleEndian, uint32(len(gs)))
	for i, g := range gs {
		if i > 0 && gs[i-1].r == g.r {
			return fmt.Errorf("%s: duplicate rune %U", path, g.r)
		}
		if g.w > 255 || g.h > 255 || g.adv > 255 || len(g.rows) != g.h*((g.w+7)/8) {
			return fmt.Errorf("%s: glyph %U: bad size %dx%d adv %d with %d bytes", path, g.r, g.w, g.h, g.adv, len(g.rows))
		}
		rec := []byte{byte(g.r), byte(g.r >> 8), byte(g.r >> 16), byte(g.adv), byte(g.w), byte(g.h), byte(int8(g.xoff)), byte(int8(g.top))}
		rec = binary.LittleEndian.AppendUint32(rec, uint32(bits.Len()))
		hdr.Write(rec)
		bits.Write(g.rows)
	}
	n, err := writeGzip(path, append(hdr.Bytes(), bits.Bytes()...))
	if err != nil {
		return err
	}
	log.Printf("%s: %d glyphs, %d bytes", path, len(gs), n)
	return nil
}

func subsetNoto(weight string, set []rune) error {
	src := filepath.Join(*notoDir, "NotoSansCJK-"+weight+".ttc")
	dst := filepath.Join(*outDir, "NotoSansCJKsc-"+weight+".otf")
	if err := pyftsubset(src, dst, set,
		"--font-number="+strconv.Itoa(notoSCIndex),
		// x/image/font/opentype uses only cmap, hmtx and CFF outlines (plus kerning, which CJK
		// text does not need); GSUB/GPOS/vertical metrics are most of the subset's size.
		"--layout-features=",
		"--drop-tables+=GSUB,GPOS,GDEF,BASE,VORG,vhea,vmtx",
		"--no-hinting",
		"--notdef-outline",
		"--name-IDs=0,1,2,3,4,5,6,13,14",
	); err != nil {
		return err
	}
	st, err := os.Stat(dst)
	if err != nil {
		return err
	}
	if st.Size() > 2_700_000 {
		return errors.New(dst + ": subset larger than 2.7 MB; check the charset")
	}
	log.Printf("%s: %d bytes", dst, st.Size())
	return nil
}

// subsetNotoExtB writes data/NotoSansCJKsc-ExtB.otf: the runes of supp (Noto's hanzi outside the
// BMP) that neither the main Noto subset nor the Droid subset has, from Noto Sans CJK SC Regular.
func subsetNotoExtB(supp, droid []rune) ([]rune, error) {
	p := filepath.Join(*outDir, "NotoSansCJKsc-Regular.otf")
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	reg, err := sfnt.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("parse %q: %w", p, err)
	}
	inDroid := map[rune]bool{}
	for _, r := range droid {
		inDroid[r] = true
	}
	var buf sfnt.Buffer
	var keep []rune
	for _, r := range supp {
		if i, err := reg.GlyphIndex(&buf, r); (err != nil || i == 0) && !inDroid[r] {
			keep = append(keep, r)
		}
	}
	src := filepath.Join(*notoDir, "NotoSansCJK-Regular.ttc")
	dst := filepath.Join(*outDir, "NotoSansCJKsc-ExtB.otf")
	if err := pyftsubset(src, dst, keep,
		"--font-number="+strconv.Itoa(notoSCIndex),
		"--layout-features=",
		"--drop-tables+=GSUB,GPOS,GDEF,BASE,VORG,vhea,vmtx",
		"--no-hinting",
		"--notdef-outline",
		"--name-IDs=0,1,2,3,4,5,6,13,14",
	); err != nil {
		return nil, err
	}
	st, err := os.Stat(dst)
	if err != nil {
		return nil, err
	}
	if st.Size() > 800_000 {
		return nil, fmt.Errorf("%s: %d bytes, more than 0.8 MB; check the rune list", dst, st.Size())
	}
	log.Printf("%s: %d runes, %d bytes", dst, len(keep), st.Size())
	return keep, nil
}
