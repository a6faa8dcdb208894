package render

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-text/typesetting/segmenter"
	"golang.org/x/image/math/fixed"
)

// Break opportunities come from UAX #14 (go-text/typesetting's segmenter),
// tailored for Chinese as CLREQ asks, because UAX #14 alone gets it wrong
// here: it lets · and —— start a line and ／ end one, and its quotation-mark
// rules forbid breaking on either side of “ ” even between hanzi. The
// tailoring, applied on top of each UAX decision:
//   - 行首禁则: closing punctuation never starts a line;
//   - 行尾禁则: opening brackets/quotes and currency signs never end one;
//   - —— and …… are never split; ／ binds both its neighbours;
//   - runs of Latin letters, digits and ASCII punctuation (¥1,234.50, 100%,
//     2026-11-01, URLs) are one unbreakable word; spaces are break points;
//   - a line may break before an opening mark and after a closing one.

// noStart lists runes that must not begin a line (CLREQ 行首禁则).
const noStart = "、，。．；：！？）」』》〉】〕］｝〗〙〛”’·・…—‥～%‰℃,.;:!?)]}>'\"ー々〻ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ／"

// noEnd lists runes that must not end a line (CLREQ 行尾禁则).
const noEnd = "（「『《〈【〔［｛〖〘〚“‘([{<¥￥$£€#／"

func isNoStart(r rune) bool { return strings.ContainsRune(noStart, r) }
func isNoEnd(r rune) bool   { return strings.ContainsRune(noEnd, r) }

// isConnector: marks that join what is on both sides (外国人名中的间隔号, 斜线).
func isConnector(r rune) bool { return r == '·' || r == '・' || r == '／' }

// isWordRune reports runes that glue into one unbreakable word.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r > ' ' && r != 0x7f
	}
	switch r {
	case '¥', '￥', '％', '‰', '℃', '°', '×':
		return true
	}
	// Latin with diacritics (pinyin such as lǜ) stays whole.
	return unicode.Is(unicode.Latin, r)
}

// isBreakSpace: spaces are break points that vanish at line edges; the
// ideographic space U+3000 is a full-width glyph and stays.
func isBreakSpace(r rune) bool { return unicode.IsSpace(r) && r != 0x3000 }

// tailor decides a break between a and b given UAX #14's decision uax.
func tailor(a, b rune, uax bool) bool {
	switch {
	case isBreakSpace(a) || isBreakSpace(b):
		return true
	case a == b && (a == '—' || a == '…' || a == '⋯'):
		return false
	case isNoStart(b) || isNoEnd(a) || isConnector(a):
		return false
	case isWordRune(a) && isWordRune(b):
		return false
	case isNoEnd(b) || isNoStart(a) && !isConnector(a):
		// CLREQ allows a break before an opening mark and after a closing
		// one; UAX #14's QU rules (× QU, QU ×) would glue “四” to its
		// neighbours and push whole phrases to the next line.
		return true
	}
	return uax
}

// breakOpps reports for each boundary i (1 <= i < len(rs)) whether a line
// may break before rs[i].
func breakOpps(rs []rune) []bool {
	ok := make([]bool, len(rs)+1)
	var seg segmenter.Segmenter
	seg.Init(rs)
	it := seg.LineIterator()
	for it.Next() {
		l := it.Line()
		ok[l.Offset+len(l.Text)] = true
	}
	for i := 1; i < len(rs); i++ {
		ok[i] = tailor(rs[i-1], rs[i], ok[i])
	}
	return ok
}

type atom struct {
	s     string
	w     fixed.Int26_6
	space bool // a break opportunity that vanishes at a line edge
}

// atomize splits one paragraph (no \n) into unbreakable pieces: the text
// between two break opportunities, with runs of spaces as their own atoms.
func atomize(s string, adv func(rune) fixed.Int26_6) []atom {
	rs := []rune(s)
	if len(rs) == 0 {
		return nil
	}
	ok := breakOpps(rs)
	var out []atom
	start := 0
	for i := 1; i <= len(rs); i++ {
		sp := isBreakSpace(rs[i-1])
		end := i == len(rs)
		if !end && !ok[i] && isBreakSpace(rs[i]) == sp {
			continue
		}
		if !end && sp && isBreakSpace(rs[i]) {
			continue
		}
		piece := string(rs[start:i])
		if sp {
			out = append(out, atom{s: " ", w: adv(' '), space: true})
		} else {
			out = append(out, atom{s: piece, w: width(piece, adv)})
		}
		start = i
	}
	return out
}

func width(s string, adv func(rune) fixed.Int26_6) fixed.Int26_6 {
	var w fixed.Int26_6
	for _, r := range s {
		w += adv(r)
	}
	return w
}

// breakLines wraps s into lines no wider than maxW (by adv), following the
// rules above; \n forces a break. A piece wider than a whole line is cut
// by rune as a last resort.
func breakLines(s string, maxW fixed.Int26_6, adv func(rune) fixed.Int26_6) []string {
	var lines []string
	for para := range strings.SplitSeq(s, "\n") {
		lines = fillLines(lines, atomize(para, adv), maxW, adv)
	}
	return lines
}

// fillLines packs atoms greedily: every atom boundary is a legal break.
func fillLines(lines []string, atoms []atom, maxW fixed.Int26_6, adv func(rune) fixed.Int26_6) []string {
	var cur []atom
	var curW fixed.Int26_6
	flush := func(as []atom) {
		// Spaces vanish at line edges.
		for len(as) > 0 && as[len(as)-1].space {
			as = as[:len(as)-1]
		}
		var b strings.Builder
		for _, a := range as {
			b.WriteString(a.s)
		}
		lines = append(lines, b.String())
	}
	for _, a := range atoms {
		if a.space && len(cur) == 0 {
			continue
		}
		if curW+a.w <= maxW || a.space {
			cur = append(cur, a)
			curW += a.w
			continue
		}
		if len(cur) > 0 {
			flush(cur)
			cur, curW = cur[:0], 0
		}
		cur = append(cur, a)
		curW += a.w
		forceCut(&cur, &curW, maxW, adv, flush)
	}
	if len(cur) > 0 || len(lines) == 0 {
		flush(cur)
	} else if len(atoms) == 0 {
		flush(nil)
	}
	return lines
}

// forceCut emits full lines from cur, cutting between runes, until what is
// left fits in maxW. One pass over the text, so a huge word stays linear.
func forceCut(cur *[]atom, curW *fixed.Int26_6, maxW fixed.Int26_6, adv func(rune) fixed.Int26_6, flush func([]atom)) {
	if *curW <= maxW {
		return
	}
	var b strings.Builder
	for _, a := range *cur {
		b.WriteString(a.s)
	}
	s := b.String()
	start := 0
	var w fixed.Int26_6
	for i, r := range s {
		rw := adv(r)
		if w+rw > maxW && i > start {
			flush([]atom{{s: s[start:i]}})
			start, w = i, 0
		}
		w += rw
	}
	rest := s[start:]
	*cur, *curW = []atom{{s: rest, w: w}}, w
	if rest == "" {
		*cur, *curW = nil, 0
	}
}

// wrapID wraps an item number such as 370783-101-001-2026-10-finance after
// its hyphens: UAX #14 forbids a break before a digit (HY × NU) and the
// word rule keeps ASCII whole, but a number cut mid-field is misread.
func wrapID(s string, maxW fixed.Int26_6, adv func(rune) fixed.Int26_6) []string {
	var atoms []atom
	for rest := s; rest != ""; {
		i := strings.IndexByte(rest, '-')
		piece := rest
		if i >= 0 {
			piece = rest[:i+1]
		}
		atoms = append(atoms, atom{s: piece, w: width(piece, adv)})
		rest = rest[len(piece):]
	}
	return fillLines(nil, atoms, maxW, adv)
}
