package render

import (
	"image"
	"image/color"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/sunboard/sunboard/content"
	"golang.org/x/image/math/fixed"
)

// isVoucherColumn: the voucher column holds photo paths, which mean
// nothing on a screen; receipts are shown as photos instead.
func isVoucherColumn(h string) bool {
	switch strings.ToLower(strings.TrimSpace(h)) {
	case "凭证", "附件", "voucher":
		return true
	}
	return false
}

// isSerialColumn: a 序号 column only numbers the rows. LED boards leave it
// out: on a 128-px card it is one more bare number next to 家庭人口 and
// the like, read as a value. TV keeps it, to name a row when asking.
func isSerialColumn(h string) bool {
	switch strings.ToLower(strings.TrimSpace(h)) {
	case "序号", "序", "no", "no.", "#":
		return true
	}
	return false
}

type tableCell struct {
	s string
	// amount: money, right-aligned; never wrapped in a body row (its
	// header may take two lines).
	amount bool
}

// tableMetrics are the table's faces and cell padding. Small TV screens
// (576i) keep the profile's cell face, the smallest text it has, and save
// space in the padding and the leading instead: at 720×576 every few
// pixels of a row add up to a row more a page.
func (r *Renderer) tableMetrics() (cellF, boldF *face, padX, padY int) {
	switch {
	case r.led():
		return r.px16, r.px16, 2, 0
	case r.p.Height < 720:
		return tight(r.cell), tight(r.cellBold), max(4, r.px(6)), max(2, r.px(2))
	}
	return r.cell, r.cellBold, r.px(10), r.px(3)
}

// tight is f with the leading cut to a sixth of the height of a hanzi and
// a bracket (about 1.1 em instead of 1.25 em; the face shares f's glyphs
// and caches): rows are told apart by their zebra backgrounds, so a cell's
// lines and neighbouring rows can sit closer without touching.
func tight(f *face) *face {
	var top, bottom fixed.Int26_6
	for _, r := range "中（" {
		if b, _, ok := f.f.GlyphBounds(r); ok {
			top, bottom = min(top, b.Min.Y), max(bottom, b.Max.Y)
		}
	}
	ink := bottom - top
	lineH := (ink + ink/6).Ceil()
	if ink == 0 || lineH >= f.lineH {
		return f
	}
	t := *f
	t.ascent -= (f.lineH - lineH) / 2
	t.lineH = lineH
	return &t
}

// tableText is a table as a profile shows it: the columns it keeps,
// amounts formatted (1,150.00), TV amount headers with their unit.
type tableText struct {
	header   []tableCell
	rows     [][]tableCell
	totalRow int
	// total is the 合计 row's own name (its first non-empty cell), totalK
	// its column among those shown (-1: none).
	total     string
	totalK    int
	anyAmount bool
}

func (r *Renderer) tableText(t *content.Table) *tableText {
	isAmount := func(i int) bool { return i < len(t.Amount) && t.Amount[i] }
	var cols []int
	for pass := 0; pass < 2 && len(cols) == 0; pass++ {
		for i, h := range t.Header {
			if isVoucherColumn(h) || pass == 0 && r.led() && isSerialColumn(h) && !isAmount(i) {
				continue
			}
			cols = append(cols, i)
		}
	}
	tt := &tableText{rows: make([][]tableCell, len(t.Rows)), totalRow: t.TotalRow, totalK: -1}
	for ri, row := range t.Rows {
		for _, ci := range cols {
			s := ""
			if ci < len(row) {
				s = strings.TrimSpace(row[ci])
			}
			a := isAmount(ci)
			if a {
				tt.anyAmount = true
				if f, ok := formatAmount(s); ok {
					s = f
				}
			}
			tt.rows[ri] = append(tt.rows[ri], tableCell{s: s, amount: a})
		}
	}
	for _, ci := range cols {
		h := strings.TrimSpace(t.Header[ci])
		// TV puts the unit in the amount headers instead of a 金额单位 line
		// above the table: that line cost a table row on every page.
		if !r.led() && isAmount(ci) && !strings.Contains(h, "元") {
			h += "（元）"
		}
		tt.header = append(tt.header, tableCell{s: h, amount: isAmount(ci)})
	}
	if tr := t.TotalRow; tr >= 0 && tr < len(t.Rows) {
		for ci, c := range t.Rows[tr] {
			if ci < len(t.Header) && isVoucherColumn(t.Header[ci]) || strings.TrimSpace(c) == "" {
				continue
			}
			tt.total = strings.TrimSpace(c)
			for k, cj := range cols {
				if cj == ci {
					tt.totalK = k
				}
			}
			break
		}
		if first := tt.rows[tr]; tt.total != "" && tt.totalK < 0 && len(first) > 0 && first[0].s == "" && !first[0].amount {
			// 合计 was in the 序号 column LED leaves out: the first
			// column names the row instead.
			first[0].s, tt.totalK = tt.total, 0
		}
	}
	return tt
}

// tableBlocks lays the table out in x..x+w: a head block (amount-unit note
// on LED, header row) that TV repeats on every page and LED pins, then one
// block per row; or, on an LED board too narrow for the columns, one
// labelled card per row.
func (r *Renderer) tableBlocks(t *content.Table, x, w int) []*block {
	th := r.th
	tt := r.tableText(t)
	header, rows, anyAmount := tt.header, tt.rows, tt.anyAmount
	cellF, boldF, padX, padY := r.tableMetrics()
	widths, ok := fitColumns(cellF, boldF, header, rows, t.TotalRow, w, padX)
	if !ok && r.led() {
		return r.recordBlocks(tt, x, w)
	}

	var bs []*block
	note := "金额单位：元"
	if r.led() && anyAmount {
		bs = append(bs, &block{h: r.px12.lineH, text: runeCount(note), draw: func(dst *image.RGBA, y int) {
			r.px12.draw(dst, x+w-r.px12.width(note), y, note, th.dim)
		}})
	}
	rowBlock := func(cells []tableCell, f *face, fg, bg color.RGBA, head bool) *block {
		lines := make([][]string, len(cells))
		n := 1
		for k, c := range cells {
			if c.amount && !head {
				lines[k] = []string{c.s}
			} else {
				lines[k] = balancedWrap(f, c.s, widths[k]-2*padX)
			}
			n = max(n, len(lines[k]))
		}
		b := &block{h: n*f.lineH + 2*padY}
		for _, c := range cells {
			b.text += runeCount(c.s)
		}
		b.draw = func(dst *image.RGBA, y int) {
			fillRect(dst, image.Rect(x, y, x+w, y+b.h), bg)
			cx := x
			for k, c := range cells {
				for li, l := range lines[k] {
					lx := cx + padX
					if c.amount {
						lx = cx + widths[k] - padX - f.width(l)
					}
					f.draw(dst, lx, y+padY+li*f.lineH, l, fg)
				}
				cx += widths[k]
			}
		}
		return b
	}

	var head *block
	if r.led() {
		hb := rowBlock(header, boldF, th.heading, th.headRow, true)
		head = &block{h: hb.h + 2, text: hb.text}
		head.draw = func(dst *image.RGBA, y int) {
			fillRect(dst, image.Rect(x, y, x+w, y+head.h), th.bg)
			hb.draw(dst, y)
			fillRect(dst, image.Rect(x, y+hb.h, x+w, y+hb.h+1), th.rule)
		}
	} else {
		hb := rowBlock(header, boldF, th.text, th.headRow, true)
		rule := max(2, r.px(3))
		head = &block{h: hb.h + rule, text: hb.text}
		head.draw = func(dst *image.RGBA, y int) {
			hb.draw(dst, y)
			// ≥ 2 px rules: a 1-px line flickers on interlaced 576i.
			fillRect(dst, image.Rect(x, y+hb.h, x+w, y+head.h), th.rule)
		}
	}
	head.head = head
	// A header row never ends a page: it goes over with its first row.
	head.keepNext = true
	bs = append(bs, head)
	for ri, cells := range rows {
		f, fg, bg := cellF, th.text, th.bg
		if !r.led() && ri%2 == 1 {
			bg = th.zebra
		}
		isTotal := ri == t.TotalRow
		if isTotal {
			f, fg, bg = boldF, th.totalFG, th.totalBG
		}
		b := rowBlock(cells, f, fg, bg, false)
		if isTotal && !r.led() {
			rb := b
			rule := max(2, r.px(3))
			b = &block{h: rb.h + rule, text: rb.text}
			b.draw = func(dst *image.RGBA, y int) {
				fillRect(dst, image.Rect(x, y, x+w, y+rule), th.rule)
				rb.draw(dst, y+rule)
			}
		}
		// The 合计 row never starts a page on its own: the last two rows
		// it adds up go over with it, so a reader sees what it closes.
		b.keepNext = ri == t.TotalRow-1 || ri == t.TotalRow-2
		b.head = head
		bs = append(bs, b)
	}
	return bs
}

// balancedWrap wraps s into as few lines as f.wrap does at w, but as even
// as they can be: 户主/姓名 and 寿光市顺达物/流有限公司, not 户主姓/名 and
// a lone 司 under ten hanzi.
func balancedWrap(f *face, s string, w int) []string {
	lines := f.wrap(s, w)
	if len(lines) < 2 {
		return lines
	}
	c := newFitCell(f, s)
	return c.wrap(minWidth([]fitCell{c}, len(lines), 1, w))
}

// colFit is what fitColumns knows of a column, in pixels of text (without
// padding).
type colFit struct {
	amount bool
	body   int // the widest body cell on one line
	head1  int // the header on one line
	head2  int // the header in at most two lines
	atom   int // the widest piece no line may break (a number, a date, 3707**0419)
	short  int // the widest cell of at most shortRunes (王秀英, 城乡低保, 合计)
	keep   int // max(atom, short)
	cells  []fitCell
}

// shortRunes: a cell this short (a name, 城乡低保, 续保, 合计) is read as
// one word; 王秀/英 or 合/计 is misread, so only the last resort breaks it.
const shortRunes = 4

// fitCell is a cell cut into its unbreakable pieces once: fitting wraps
// each cell at many widths.
type fitCell struct {
	f     *face
	paras [][]atom
}

func newFitCell(f *face, s string) fitCell {
	c := fitCell{f: f}
	for para := range strings.SplitSeq(s, "\n") {
		c.paras = append(c.paras, atomize(para, f.advance))
	}
	return c
}

// wrap is f.wrap(s, w).
func (c fitCell) wrap(w int) []string {
	var lines []string
	for _, as := range c.paras {
		lines = fillLines(lines, as, fixed.I(max(w, 1)), c.f.advance)
	}
	return lines
}

// oneLine is the width s needs to stay on one line: the shaped width it is
// drawn at, and the sum of advances that wrap measures.
func oneLine(f *face, s string) int { return max(f.width(s), width(s, f.advance).Ceil()) }

// minWidth is the narrowest width, from lo up to hi, at which every cell
// wraps into at most n lines (line counts only fall as the width grows).
func minWidth(cells []fitCell, n, lo, hi int) int {
	fits := func(w int) bool {
		for _, c := range cells {
			if len(c.wrap(w)) > n {
				return false
			}
		}
		return true
	}
	if lo >= hi {
		return hi
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fits(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// fitColumns sizes columns by their content, each row measured in the face
// it is drawn in (header and total row bold: bold digits are wider, and
// the few pixels decide whether 摘要 wraps). Amounts never wrap, and no
// line breaks inside a number, a date or an id. When everything does not
// fit on one line, it gives up, in this order, until the table fits:
//
//  1. the widest text column (the one with the most to wrap, 摘要) wraps,
//     into two lines at most;
//  2. headers take two lines (收入 over （元）): that costs a line a page,
//     not a line a row;
//  3. every text column may take two lines, 4. the widest three, 5. every
//     text column three;
//  6. text columns shrink, widest first, down to their longest number or
//     date or two hanzi.
//
// Width left over goes back first to the widest text column, then to whole
// columns that become one line again (short names first), then to the
// headers, and the rest to the widest text column, so the table spans the
// page. ok is false when even step 6 does not fit; the widths returned
// then break numbers, as a last resort (masked ids on a 576i screen).
func fitColumns(f, bold *face, header []tableCell, rows [][]tableCell, totalRow, w, padX int) ([]int, bool) {
	n := len(header)
	if n == 0 {
		return nil, true
	}
	two := bold.width("中中")
	cs := make([]colFit, n)
	for k, h := range header {
		c := &cs[k]
		c.amount = h.amount
		c.head1 = oneLine(bold, h.s)
		type seenKey struct {
			bold bool
			s    string
		}
		seen := map[seenKey]bool{}
		for i, row := range rows {
			if k >= len(row) {
				continue
			}
			cf := f
			if i == totalRow {
				cf = bold
			}
			s := row[k].s
			c.body = max(c.body, oneLine(cf, s))
			if key := (seenKey{i == totalRow, s}); !seen[key] && !c.amount {
				seen[key] = true
				fc := newFitCell(cf, s)
				c.cells = append(c.cells, fc)
				for _, as := range fc.paras {
					for _, a := range as {
						c.atom = max(c.atom, a.w.Ceil())
					}
				}
				if utf8.RuneCountInString(s) <= shortRunes {
					c.short = max(c.short, oneLine(cf, s))
				}
			}
		}
		if c.amount {
			c.atom = c.body
		}
		c.atom = min(c.atom, c.body)
		// keep: what no step before the last resort breaks.
		c.keep = max(c.atom, c.short)
		c.head2 = minWidth([]fitCell{newFitCell(bold, h.s)}, 2, 0, c.head1)
	}
	avail := w - 2*padX*n
	// star: the text column with the most it could give up by wrapping.
	star := -1
	for k, c := range cs {
		if c.amount {
			continue
		}
		if star < 0 || c.body-c.keep > cs[star].body-cs[star].keep ||
			c.body-c.keep == cs[star].body-cs[star].keep && c.body > cs[star].body {
			star = k
		}
	}
	sum := func(ws []int) int {
		s := 0
		for _, v := range ws {
			s += v
		}
		return s
	}
	headAt := func(k, step int) int {
		if step >= 2 {
			return cs[k].head2
		}
		return cs[k].head1
	}
	// floors gives each column's narrowest width at a step: text columns
	// wrap into at most this many lines.
	starLines := [...]int{1, 2, 2, 2, 3, 3}
	textLines := [...]int{1, 1, 1, 2, 2, 3}
	memo := map[[2]int]int{}
	linesW := func(k, nl int) int {
		w, ok := memo[[2]int{k, nl}]
		if !ok {
			w = minWidth(cs[k].cells, nl, cs[k].keep, cs[k].body)
			memo[[2]int{k, nl}] = w
		}
		return w
	}
	floors := func(step int) []int {
		ws := make([]int, n)
		for k, c := range cs {
			nl := textLines[step]
			if k == star {
				nl = starLines[step]
			}
			ws[k] = max(c.body, headAt(k, step))
			if !c.amount && nl > 1 {
				ws[k] = max(headAt(k, step), linesW(k, nl))
			}
		}
		return ws
	}
	out := func(ws []int) []int {
		for k := range ws {
			ws[k] += 2 * padX
		}
		return ws
	}
	// No step before water filling goes below keep or the two-line
	// header: when even that is too wide (LED boards), skip their wrapping.
	least := 0
	for _, c := range cs {
		least += max(c.head2, c.keep)
	}
	for step := 0; step <= 5 && least <= avail; step++ {
		ws := floors(step)
		if sum(ws) > avail {
			continue
		}
		spare := avail - sum(ws)
		grow := func(k, to int) {
			if d := min(spare, to-ws[k]); d > 0 {
				ws[k] += d
				spare -= d
			}
		}
		if star >= 0 {
			grow(star, max(cs[star].body, headAt(star, step)))
		}
		// Whole text columns back on one line, the cheapest first.
		var ks []int
		for k, c := range cs {
			if !c.amount && k != star {
				ks = append(ks, k)
			}
		}
		sort.SliceStable(ks, func(i, j int) bool {
			return cs[ks[i]].body-ws[ks[i]] < cs[ks[j]].body-ws[ks[j]]
		})
		for _, k := range ks {
			if need := cs[k].body - ws[k]; need > 0 && need <= spare {
				grow(k, cs[k].body)
			}
		}
		if step >= 2 {
			// Then headers back on one line, the cheapest first: once
			// one header takes two lines the others cost no height, but
			// 序 over 号 is harder to read than 序号.
			ks = ks[:0]
			for k := range cs {
				ks = append(ks, k)
			}
			sort.SliceStable(ks, func(i, j int) bool {
				return cs[ks[i]].head1-ws[ks[i]] < cs[ks[j]].head1-ws[ks[j]]
			})
			for _, k := range ks {
				if need := cs[k].head1 - ws[k]; need > 0 && need <= spare {
					grow(k, cs[k].head1)
				}
			}
		}
		if step == 0 {
			// Nothing wraps: the spare width goes evenly between the
			// columns, so the table spans the page without one wide gap
			// that a reader's eye has to jump along a row; at most four
			// hanzi a column, so a 项目 | 内容 table keeps its pairs close.
			each := min(spare/n, 4*f.width("中"))
			for k := range ws {
				ws[k] += each
			}
			spare -= each * n
		}
		if star < 0 {
			star = n - 1
		}
		ws[star] += spare
		return out(ws), true
	}
	// Step 6 and the last resort: water filling. Text columns are cut to a
	// common width c, never below their floor.
	fill := func(floor func(k int) int) ([]int, bool) {
		ws := make([]int, n)
		at := func(c int) int {
			for k, col := range cs {
				if col.amount {
					ws[k] = max(col.body, col.head2)
				} else {
					ws[k] = max(floor(k), min(max(col.body, col.head2), c))
				}
			}
			return sum(ws)
		}
		lo, hi := 0, avail
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if at(mid) <= avail {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		ok := at(lo) <= avail
		if ok && star >= 0 {
			ws[star] += avail - sum(ws)
		}
		return ws, ok
	}
	if ws, ok := fill(func(k int) int { return max(cs[k].head2, cs[k].keep, min(cs[k].body, two)) }); ok {
		return out(ws), true
	}
	// The last resort breaks numbers (masked ids in nine columns on a
	// 576i screen), keeping short words whole while that fits.
	if ws, ok := fill(func(k int) int { return max(cs[k].short, min(cs[k].body, cs[k].head2, two)) }); ok {
		return out(ws), false
	}
	ws, _ := fill(func(k int) int { return min(cs[k].body, cs[k].head2, two) })
	return out(ws), false
}

// cardLine is one line of an LED table card: a column's name (small,
// dim) and its value (flush right when right), or either alone.
type cardLine struct {
	label, value string
	right        bool
	h            int
}

// cardLines is row ri as an LED card, one line a field, each named by its
// column, because a bare "1" under a name could be anything (家庭人口 1).
// A field that does not fit beside its name goes under it; empty fields
// are left out. The 合计 card starts with its name.
func (r *Renderer) cardLines(tt *tableText, ri, w int) []cardLine {
	f, lf := r.px16, r.px12
	gap := lf.width(" ")
	isTotal := ri == tt.totalRow
	var ls []cardLine
	if isTotal && tt.total != "" {
		ls = append(ls, cardLine{value: tt.total, h: f.lineH})
	}
	for k, c := range tt.rows[ri] {
		if c.s == "" || isTotal && k == tt.totalK {
			continue
		}
		label := tt.header[k].s
		if lf.width(label)+gap+f.width(c.s) <= w {
			ls = append(ls, cardLine{label: label, value: c.s, right: true, h: f.lineH})
			continue
		}
		// 2 px above a name on its own line: right under the previous
		// line's name it would read as one two-line name.
		for i, l := range lf.wrap(label, w) {
			h := lf.lineH
			if i == 0 {
				h += 2
			}
			ls = append(ls, cardLine{label: l, h: h})
		}
		if c.amount {
			ls = append(ls, cardLine{value: c.s, right: true, h: f.lineH})
			continue
		}
		for _, l := range balancedWrap(f, c.s, w) {
			ls = append(ls, cardLine{value: l, h: f.lineH})
		}
	}
	return ls
}

// recordBlocks is the narrow-board table: a 128-px board cannot hold four
// columns side by side, so each row becomes a card (cardLines) with a rule
// under it.
func (r *Renderer) recordBlocks(tt *tableText, x, w int) []*block {
	th, f, lf := r.th, r.px16, r.px12
	var bs []*block
	if tt.anyAmount {
		note := "金额单位：元"
		bs = append(bs, &block{h: lf.lineH, text: runeCount(note), draw: func(dst *image.RGBA, y int) {
			lf.draw(dst, x+w-lf.width(note), y, note, th.dim)
		}})
	}
	// A name beside a value sits on the value's baseline.
	labelDY := f.ascent - lf.ascent
	for ri, cells := range tt.rows {
		fg, bg, labelC := th.text, th.bg, th.dim
		if ri == tt.totalRow {
			fg, bg, labelC = th.totalFG, th.totalBG, th.totalFG
		}
		ls := r.cardLines(tt, ri, w)
		h := 2
		for _, l := range ls {
			h += l.h
		}
		b := &block{h: h}
		for _, c := range cells {
			b.text += runeCount(c.s)
		}
		b.draw = func(dst *image.RGBA, y int) {
			fillRect(dst, image.Rect(x, y, x+w, y+h-2), bg)
			ly := y
			for _, l := range ls {
				if l.label != "" {
					dy := l.h - lf.lineH // the 2 px above a name alone
					if l.value != "" {
						dy = labelDY
					}
					lf.draw(dst, x, ly+dy, l.label, labelC)
				}
				if l.value != "" {
					vx := x
					if l.right {
						vx = x + w - f.width(l.value)
					}
					f.draw(dst, vx, ly, l.value, fg)
				}
				ly += l.h
			}
			fillRect(dst, image.Rect(x, y+h-1, x+w, y+h), th.rule)
		}
		bs = append(bs, b)
	}
	return bs
}

// voucherBlocks adds a receipt photo after the table for each distinct
// voucher photo, captioned with the rows it backs, so every figure can be
// traced to its receipt on the board itself. Photos the body already
// shows are skipped.
func (r *Renderer) voucherBlocks(v *content.Village, it *content.Item, x, w int, box image.Point) []*block {
	t := it.Table
	shown := map[string]bool{}
	for _, b := range it.Body {
		if b.Kind == content.Image {
			shown[b.Src] = true
		}
	}
	var order []string
	captions := map[string][]string{}
	for i, src := range t.Voucher {
		if src == "" || shown[src] || i >= len(t.Rows) {
			continue
		}
		if _, ok := captions[src]; !ok {
			order = append(order, src)
		}
		c := voucherCaption(t, i)
		if r.led() {
			// A 128-px board would split 支出 from its amount mid-line:
			// give the amount its own line.
			c = strings.Replace(c, "  ", "\n", 1)
		}
		captions[src] = append(captions[src], c)
	}
	var bs []*block
	for _, src := range order {
		if r.led() {
			bs = append(bs, spacer(4))
		}
		bs = append(bs, r.photoBlock(v, content.Block{Kind: content.Image, Src: src, Text: strings.Join(captions[src], "\n")}, x, w, box))
	}
	return bs
}

// voucherCaption is row i in words: 凭证 2026-10-07 记-007 道路维修材料费
// 支出 1,360.00 元.
func voucherCaption(t *content.Table, i int) string {
	var b strings.Builder
	b.WriteString("凭证")
	row := t.Rows[i]
	for ci, c := range row {
		c = strings.TrimSpace(c)
		if c == "" || ci < len(t.Header) && isVoucherColumn(t.Header[ci]) || ci < len(t.Amount) && t.Amount[ci] {
			continue
		}
		b.WriteString(" " + c)
	}
	for ci, c := range row {
		if ci >= len(t.Amount) || !t.Amount[ci] || strings.TrimSpace(c) == "" {
			continue
		}
		if f, ok := formatAmount(c); ok {
			c = f
		}
		label, unit := "", " 元"
		if ci < len(t.Header) {
			label = strings.TrimSuffix(strings.TrimSuffix(t.Header[ci], "（元）"), "(元)")
		}
		if strings.Contains(label, "元") { // 万元: the header names its own unit
			unit = ""
		}
		b.WriteString("  " + strings.TrimSpace(label+" "+c) + unit)
	}
	return b.String()
}
