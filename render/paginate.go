package render

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/sunboard/sunboard/content"
)

// TV pagination follows what a typesetter does on paper:
//   - no orphan: a page does not end with the single first line of a
//     paragraph of 3 or more lines;
//   - no widow: a page does not start with the single last line of one;
//   - a heading is never the last thing on a page (it moves with what
//     follows), nor is a table's header row: no page shows a header
//     without rows under it;
//   - a table's 合计 row never starts a page: the last two rows it adds up
//     go over with it (tableBlocks marks them keepNext);
//   - a page that continues a table starts with its header row again;
//   - a 落款 (the closing organisation name and date, see signature) does not
//     stand alone on an item's last page: the last line(s) of the previous
//     page come with it.
// A page starting with the paragraph's last 2 lines, or ending with its
// first 2, is fine. When a rule cannot be met without emptying a page,
// the break stays where it fell.

// keepCut returns where to cut cur so that no rule is broken at the page
// break before next: cur[:k] stays, cur[k:] moves to the next page.
func keepCut(cur []*block, next *block) int {
	k := len(cur)
	for {
		j := k - 1
		for j >= 0 && cur[j].spacer {
			j--
		}
		if j < 0 {
			break
		}
		last, first := cur[j], next
		for i := k; i < len(cur); i++ {
			if !cur[i].spacer {
				first = cur[i]
				break
			}
		}
		orphanOrWidow := last.para != 0 && last.para == first.para && last.lines >= 3 &&
			(last.line == 0 || first.line == first.lines-1)
		if !last.keepNext && !orphanOrWidow {
			break
		}
		k = j
	}
	for _, b := range cur[:k] {
		if !b.spacer && b.head != b {
			return k
		}
	}
	return len(cur) // nothing would be left on the page: break where it fell
}

// paginate fills pages of height h, repeating table headers at page tops,
// keeping the rules above, and dropping spacers at page tops.
func paginate(flow []*block, h int) [][]*block {
	var pages [][]*block
	var cur []*block
	y := 0
	flush := func() {
		if len(cur) > 0 {
			pages = append(pages, cur)
		}
		cur, y = nil, 0
	}
	// start opens a page with moved (blocks carried from the previous
	// page), preceded by the table header its first row needs.
	start := func(moved []*block, next *block) {
		for len(moved) > 0 && moved[0].spacer {
			moved = moved[1:]
		}
		first := next
		if len(moved) > 0 {
			first = moved[0]
		}
		if first.head != nil && first.head != first {
			cur, y = append(cur, first.head), first.head.h
		}
		for _, m := range moved {
			cur = append(cur, m)
			y += m.h
		}
	}
	for _, b := range flow {
		if b.own {
			flush()
			pages = append(pages, []*block{b})
			continue
		}
		if b.spacer && len(cur) == 0 {
			continue
		}
		if y+b.h > h && len(cur) > 0 {
			k := keepCut(cur, b)
			movedH := b.h
			for _, m := range cur[k:] {
				movedH += m.h
			}
			if b.head != nil {
				movedH += b.head.h
			}
			if movedH > h {
				k = len(cur) // what would move does not fit a page either
			}
			moved := append([]*block(nil), cur[k:]...)
			cur = cur[:k]
			flush()
			start(moved, b)
			if b.spacer && len(cur) == 0 {
				continue
			}
		}
		cur = append(cur, b)
		y += b.h
	}
	flush()
	if len(pages) == 0 {
		return [][]*block{nil}
	}
	keepSignature(pages, h)
	return pages
}

// keepSignature moves the last line(s) of the second-to-last page onto the
// last page when that page would hold only the 落款, so that the
// organisation and date are never read without the text they sign.
func keepSignature(pages [][]*block, h int) {
	n := len(pages)
	if n < 2 {
		return
	}
	last, prev := pages[n-1], pages[n-2]
	lastH, sig := 0, false
	for _, b := range last {
		if !b.spacer && !b.sig || b.own {
			return
		}
		sig = sig || b.sig
		lastH += b.h
	}
	if !sig || len(prev) == 0 || prev[0].own {
		return
	}
	// The 落款 itself may start on prev: move it all, and the line before.
	j := len(prev) - 1
	for j >= 0 && (prev[j].spacer || prev[j].sig) {
		j--
	}
	if j < 0 {
		return
	}
	k := keepCut(prev[:j], prev[j])
	left := false
	for _, b := range prev[:k] {
		left = left || !b.spacer
	}
	moved := prev[k:]
	for len(moved) > 0 && moved[0].spacer {
		moved = moved[1:]
	}
	for _, b := range moved {
		lastH += b.h
	}
	if len(moved) == 0 || lastH > h || !left {
		return
	}
	pages[n-2] = prev[:k]
	pages[n-1] = append(append([]*block(nil), moved...), last...)
}

// The 落款 of a notice, as on a paper notice, is set flush right: the
// body's closing source lines (separate paragraphs, or lines of the last
// paragraph kept apart by a line break, or an organisation name run
// together with the date after it, as the Markdown reader joins two source
// lines) that are each at most 16 characters
// and each either a date (2026年11月14日, 二〇二六年十一月十四日,
// 2026-11-14) or an organisation's name (ending in 党支部, 党委, 委员会,
// 村委会, 办公室, 合作社 ...). At most two such lines; 特此通知。 and
// anything else stay left.

const maxSignatureRunes = 16

var dateLine = regexp.MustCompile(`^(?:[0-9]{4}|[〇零一二三四五六七八九]{4})\s*年\s*[0-9一二三四五六七八九十]{1,3}\s*月\s*[0-9一二三四五六七八九十]{1,3}\s*日$|^[0-9]{4}[-./][0-9]{1,2}[-./][0-9]{1,2}$`)

// dateEnd finds a date at the end of a line, for a 落款 whose two source
// lines the Markdown reader joined into one (东升村党支部2026年11月14日).
var dateEnd = regexp.MustCompile(`(?:[0-9]{4}|[〇零一二三四五六七八九]{4})\s*年\s*[0-9一二三四五六七八九十]{1,3}\s*月\s*[0-9一二三四五六七八九十]{1,3}\s*日$`)

// paraLines splits a paragraph into its source lines, splitting an
// organisation name run together with the date after it.
func paraLines(text string) []string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if loc := dateEnd.FindStringIndex(last); loc != nil && loc[0] > 0 && !isSignatureLine(last) {
		org := strings.TrimSpace(last[:loc[0]])
		if isSignatureLine(org) && !dateLine.MatchString(org) {
			lines = append(lines[:len(lines)-1], org, last[loc[0]:])
		}
	}
	return lines
}

var orgSuffixes = []string{
	"党支部", "党总支", "党委", "党工委", "委员会", "村委会", "居委会", "村民小组", "办公室",
	"办事处", "人民政府", "合作社", "联合社", "农经站", "服务中心", "工作站",
}

func isSignatureLine(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > maxSignatureRunes {
		return false
	}
	if dateLine.MatchString(s) {
		return true
	}
	for _, suf := range orgSuffixes {
		if strings.HasSuffix(s, suf) {
			return true
		}
	}
	return false
}

// signature reports, for each index of body, how many of that block's
// trailing source lines are 落款 lines.
func signature(body []content.Block) map[int]int {
	sig := map[int]int{}
	n := 0
	for i := len(body) - 1; i >= 0 && n < 2; i-- {
		b := body[i]
		if b.Kind != content.Paragraph {
			break
		}
		lines := paraLines(b.Text)
		k := 0
		for j := len(lines) - 1; j >= 0 && n < 2 && isSignatureLine(lines[j]); j-- {
			k++
			n++
		}
		if k > 0 {
			sig[i] = k
		}
		if k < len(lines) {
			break
		}
	}
	return sig
}
