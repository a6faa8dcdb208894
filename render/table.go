package render

import (
	"image"
	"image/color"
	"strings"

	"github.com/sunboard/sunboard/content"
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

type tableCell struct {
	s      string
	amount bool
}

// tableBlocks lays the table out in x..x+w: a head block (amount-unit note
// on TV, header row) that TV repeats on every page and LED pins, then one
// block per row.
func (r *Renderer) tableBlocks(t *content.Table, x, w int) []*block {
	th := r.th
	var cols []int
	for i, h := range t.Header {
		if !isVoucherColumn(h) {
			cols = append(cols, i)
		}
	}
	anyAmount := false
	isAmount := func(i int) bool { return i < len(t.Amount) && t.Amount[i] }
	rows := make([][]tableCell, len(t.Rows))
	for ri, row := range t.Rows {
		for _, ci := range cols {
			s := ""
			if ci < len(row) {
				s = row[ci]
			}
			a := isAmount(ci)
			if a {
				anyAmount = true
				if f, ok := formatAmount(s); ok {
					s = f
				}
			}
			rows[ri] = append(rows[ri], tableCell{s: s, amount: a})
		}
	}
	header := make([]tableCell, len(cols))
	for k, ci := range cols {
		h := t.Header[ci]
		// TV puts the unit in the amount headers instead of a 金额单位 line
		// above the table: that line cost a table row on every page.
		if !r.led() && isAmount(ci) && !strings.Contains(h, "元") {
			h += "（元）"
		}
		header[k] = tableCell{s: h, amount: isAmount(ci)}
	}

	cellF, boldF, padX, padY := r.px16, r.px16, 2, 0
	if !r.led() {
		cellF, boldF, padX, padY = r.cell, r.cellBold, r.px(10), r.px(3)
	}
	widths, ok := fitColumns(cellF, boldF, header, rows, t.TotalRow, w, padX)
	if !ok && r.led() {
		return r.recordBlocks(header, rows, t.TotalRow, x, w, anyAmount)
	}

	var bs []*block
	note := "金额单位：元"
	if r.led() && anyAmount {
		bs = append(bs, &block{h: r.px12.lineH, text: runeCount(note), draw: func(dst *image.RGBA, y int) {
			r.px12.draw(dst, x+w-r.px12.width(note), y, note, th.dim)
		}})
	}
	rowBlock := func(cells []tableCell, f *face, fg, bg color.RGBA) *block {
		lines := make([][]string, len(cells))
		n := 1
		for k, c := range cells {
			if c.amount {
				lines[k] = []string{c.s}
			} else {
				lines[k] = f.wrap(c.s, widths[k]-2*padX)
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
		hb := rowBlock(header, boldF, th.heading, th.headRow)
		head = &block{h: hb.h + 2, text: hb.text}
		head.draw = func(dst *image.RGBA, y int) {
			fillRect(dst, image.Rect(x, y, x+w, y+head.h), th.bg)
			hb.draw(dst, y)
			fillRect(dst, image.Rect(x, y+hb.h, x+w, y+hb.h+1), th.rule)
		}
	} else {
		hb := rowBlock(header, boldF, th.text, th.headRow)
		rule := r.px(3)
		head = &block{h: hb.h + rule, text: hb.text}
		head.draw = func(dst *image.RGBA, y int) {
			hb.draw(dst, y)
			// ≥ 2 px rules: a 1-px line flickers on interlaced 576i.
			fillRect(dst, image.Rect(x, y+hb.h, x+w, y+head.h), th.rule)
		}
	}
	head.head = head
	bs = append(bs, head)
	for ri, cells := range rows {
		f, fg, bg := cellF, th.text, th.bg
		if !r.led() && ri%2 == 1 {
			bg = th.zebra
		}
		total := ri == t.TotalRow
		if total {
			f, fg, bg = boldF, th.totalFG, th.totalBG
		}
		b := rowBlock(cells, f, fg, bg)
		if total && !r.led() {
			rb := b
			rule := r.px(3)
			b = &block{h: rb.h + rule, text: rb.text}
			b.draw = func(dst *image.RGBA, y int) {
				fillRect(dst, image.Rect(x, y, x+w, y+rule), th.rule)
				rb.draw(dst, y+rule)
			}
		}
		b.head = head
		bs = append(bs, b)
	}
	return bs
}

// fitColumns sizes columns to their content, each row measured in the face
// it is drawn in (header and total row bold: bold digits are wider, and
// the few pixels decide whether 摘要 wraps). Amount columns never wrap;
// text columns shrink, widest first (water filling), down to two hanzi.
// ok is false when even that does not fit in w.
func fitColumns(f, bold *face, header []tableCell, rows [][]tableCell, totalRow, w, padX int) ([]int, bool) {
	n := len(header)
	nat := make([]int, n)
	minW := make([]int, n)
	measure := func(cells []tableCell, f *face) {
		for k, c := range cells {
			if k < n {
				nat[k] = max(nat[k], f.width(c.s)+2*padX)
			}
		}
	}
	measure(header, bold)
	for i, r := range rows {
		if i == totalRow {
			measure(r, bold)
		} else {
			measure(r, f)
		}
	}
	fixedW, textNat := 0, 0
	for k := range header {
		if header[k].amount {
			minW[k] = nat[k]
			fixedW += nat[k]
		} else {
			minW[k] = min(nat[k], bold.width("中中")+2*padX)
			textNat += nat[k]
		}
	}
	widths := append([]int(nil), nat...)
	total := fixedW + textNat
	if total <= w {
		// Spread the spare width on the widest text column, so the table
		// spans the page and zebra rows are easy to follow.
		best := -1
		for k := range header {
			if !header[k].amount && (best < 0 || nat[k] > nat[best]) {
				best = k
			}
		}
		if best < 0 {
			best = n - 1
		}
		if n > 0 {
			widths[best] += w - total
		}
		return widths, true
	}
	sumAt := func(c int) int {
		s := fixedW
		for k := range header {
			if !header[k].amount {
				s += max(minW[k], min(nat[k], c))
			}
		}
		return s
	}
	lo, hi := 0, w
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if sumAt(mid) <= w {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	for k := range header {
		if !header[k].amount {
			widths[k] = max(minW[k], min(nat[k], lo))
		}
	}
	return widths, sumAt(lo) <= w
}

// recordBlocks is the narrow-board table: each row becomes a small card
// (first column, text columns wrapped, amounts right-aligned under their
// column name) because a 128-px board cannot hold four columns side by side.
func (r *Renderer) recordBlocks(header []tableCell, rows [][]tableCell, totalRow, x, w int, anyAmount bool) []*block {
	th, f := r.th, r.px16
	var bs []*block
	if anyAmount {
		note := "金额单位：元"
		bs = append(bs, &block{h: r.px12.lineH, text: runeCount(note), draw: func(dst *image.RGBA, y int) {
			r.px12.draw(dst, x+w-r.px12.width(note), y, note, th.dim)
		}})
	}
	type line struct {
		left, right string
		lc, rc      color.RGBA
	}
	for ri, cells := range rows {
		fg, bg := th.text, th.bg
		if ri == totalRow {
			fg, bg = th.totalFG, th.totalBG
		}
		labelC := th.dim
		if ri == totalRow {
			labelC = fg
		}
		var ls []line
		for k, c := range cells {
			if c.s == "" {
				continue
			}
			switch {
			case c.amount:
				label := header[k].s
				if f.width(label)+f.width(c.s)+f.width(" ") <= w {
					ls = append(ls, line{left: label, right: c.s, lc: labelC, rc: fg})
				} else {
					ls = append(ls, line{left: label, lc: labelC}, line{right: c.s, rc: fg})
				}
			default:
				for _, l := range f.wrap(c.s, w) {
					ls = append(ls, line{left: l, lc: fg})
				}
			}
		}
		b := &block{h: len(ls)*f.lineH + 2}
		for _, c := range cells {
			b.text += runeCount(c.s)
		}
		b.draw = func(dst *image.RGBA, y int) {
			fillRect(dst, image.Rect(x, y, x+w, y+b.h-2), bg)
			for i, l := range ls {
				if l.left != "" {
					f.draw(dst, x, y+i*f.lineH, l.left, l.lc)
				}
				if l.right != "" {
					f.draw(dst, x+w-f.width(l.right), y+i*f.lineH, l.right, l.rc)
				}
			}
			fillRect(dst, image.Rect(x, y+b.h-1, x+w, y+b.h), th.rule)
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
