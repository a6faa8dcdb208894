package render

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/math/fixed"
)

// The breaker is rule-based rather than UAX #14 because UAX #14 gets CLREQ
// wrong for Chinese (it lets · and —— start a line and ／ end one), and the
// rules villagers notice are few and easy to state:
//   - 行首禁则: closing punctuation never starts a line;
//   - 行尾禁则: opening brackets/quotes and currency signs never end one;
//   - —— and …… are never split;
//   - runs of Latin letters, digits and ASCII punctuation (¥1,234.50, 100%,
//     2026-11-01, URLs) are one unbreakable word; spaces are break points.

// noStart lists runes that must not begin a line (CLREQ 行首禁则).
const noStart = "、，。．；：！？）」』》〉】〕］｝〗〙〛”’·・…—‥～%‰℃,.;:!?)]}>'\"ー々〻ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"

// noEnd lists runes that must not end a line (CLREQ 行尾禁则).
const noEnd = "（「『《〈【〔［｛〖〘〚“‘([{<¥￥$£€#"

func isNoStart(r rune) bool { return strings.ContainsRune(noStart, r) }
func isNoEnd(r rune) bool   { return strings.ContainsRune(noEnd, r) }

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

type atom struct {
	s     string
	w     fixed.Int26_6
	space bool // a break opportunity that vanishes at a line edge
	hard  bool // forced line break (\n)
}

// atomize splits s into unbreakable pieces.
func atomize(s string, adv func(rune) fixed.Int26_6) []atom {
	var out []atom
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		j := i + n
		switch {
		case r == '\n':
			out = append(out, atom{s: "", hard: true})
			i = j
			continue
		case unicode.IsSpace(r) && r != 0x3000:
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if r2 == '\n' || !unicode.IsSpace(r2) || r2 == 0x3000 {
					break
				}
				j += n2
			}
			out = append(out, atom{s: " ", w: adv(' '), space: true})
			i = j
			continue
		case isWordRune(r) && !isNoEnd(r) || r == '¥' || r == '￥':
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if !isWordRune(r2) {
					break
				}
				j += n2
			}
		case r == '—' || r == '…' || r == '⋯':
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if r2 != r {
					break
				}
				j += n2
			}
		}
		out = append(out, atom{s: s[i:j], w: width(s[i:j], adv)})
		i = j
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

// canBreak reports whether a line may end after a and the next begin with b.
func canBreak(a, b atom) bool {
	if a.space || b.space {
		return true
	}
	ra, _ := utf8.DecodeLastRuneInString(a.s)
	rb, _ := utf8.DecodeRuneInString(b.s)
	if isNoEnd(ra) || isNoStart(rb) {
		return false
	}
	// Two words only touch when something odd split them; keep them.
	if isWordRune(ra) && isWordRune(rb) {
		return false
	}
	return true
}

// BreakLines wraps s into lines no wider than maxW (by adv), following the
// rules above. A word wider than a whole line is cut by rune as a last
// resort, and so is a line with no legal break point at all.
func breakLines(s string, maxW fixed.Int26_6, adv func(rune) fixed.Int26_6) []string {
	atoms := atomize(s, adv)
	var lines []string
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
	for k := 0; k < len(atoms); k++ {
		a := atoms[k]
		if a.hard {
			flush(cur)
			cur, curW = cur[:0:0], 0
			continue
		}
		if a.space && len(cur) == 0 {
			continue
		}
		if curW+a.w <= maxW || a.space {
			cur = append(cur, a)
			curW += a.w
			continue
		}
		// a does not fit: find the last legal break in cur ∪ {a}.
		brk := -1
		for i := len(cur); i > 0; i-- {
			next := a
			if i < len(cur) {
				next = cur[i]
			}
			if canBreak(cur[i-1], next) {
				brk = i
				break
			}
		}
		if brk > 0 {
			rest := append([]atom(nil), cur[brk:]...)
			flush(cur[:brk])
			cur, curW = nil, 0
			for len(rest) > 0 && rest[0].space {
				rest = rest[1:]
			}
			for _, r := range rest {
				cur = append(cur, r)
				curW += r.w
			}
			k-- // retry a on the new line; each round emits a line, so this ends
			continue
		}
		// No legal break: cut by rune.
		cur = append(cur, a)
		curW += a.w
		forceCut(&cur, &curW, maxW, adv, flush)
	}
	if len(cur) > 0 || len(lines) == 0 {
		flush(cur)
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
