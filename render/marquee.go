package render

import (
	"fmt"
	"image"
	"image/color"
	"strings"
	"time"

	"github.com/sunboard/sunboard/content"
)

// Single-line LED boards (192×16, 128×16, 128×12 ...) cannot hold a header
// and text: an item becomes a horizontal marquee, one strip rendered once
// ([category] title, body text, table rows with their amounts) that moves
// right to left. Item lays the strip out; Frame draws it into the
// Renderer's cache once and then only copies windows of it.

// marquee reports whether the board is one text line tall: below 32 px
// there is no room for a 12 px header line above 16 px text.
func (r *Renderer) marquee() bool { return r.led() && r.p.Height < 28 }

// marqueeFace is the 16 px face when the board is at least 16 px tall.
func (r *Renderer) marqueeFace() *face {
	if r.p.Height >= r.px16.lineH {
		return r.px16
	}
	return r.px12
}

// marqueeSpeed is 2.5 glyph widths a second (40 px/s at 16 px, 150 hanzi
// a minute: what an older reader follows at a distance).
func marqueeSpeed(f *face) int64 { return int64(f.lineH) * 5 / 2 }

// marqueeHold keeps the strip's start still so the category is read first.
const marqueeHold = 2 * time.Second

type seg struct {
	s string
	c color.RGBA
}

// flat joins a multi-line text into one marquee line.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

func (r *Renderer) marqueeItem(v *content.Village, it *content.Item) (*Page, error) {
	th := r.th
	var segs []seg
	add := func(s string, c color.RGBA) {
		lead := strings.HasPrefix(s, " ")
		if s = flat(s); s != "" {
			if lead {
				s = " " + s
			}
			segs = append(segs, seg{s, c})
		}
	}
	sep := func() { segs = append(segs, seg{"　", th.text}) }
	if it.Priority == content.Urgent {
		add("【紧急通知】", th.urgent)
	}
	add("【"+categoryText(it)+"】", th.category(it.Major()))
	add(it.Title, th.title)
	for _, b := range it.Body {
		sep()
		switch b.Kind {
		case content.Heading:
			add(b.Text, th.heading)
		case content.ListItem:
			add("• "+b.Text, th.text)
		case content.Image:
			// A 16 px line cannot show a receipt, but a broken one must
			// still fail publish-time checking as on the other boards.
			r.checkPhoto(v, b.Src)
			add("［照片："+b.Text+"］", th.dim)
		default:
			add(b.Text, th.text)
		}
	}
	if t := it.Table; t != nil {
		for _, src := range t.Voucher {
			if src != "" {
				r.checkPhoto(v, src)
			}
		}
		r.marqueeTable(t, add, sep)
	}
	return r.marqueePage(it.ID, segs)
}

// marqueeTable reads each row out: text cells, then each amount with its
// column name; the 合计 row in the total colour.
func (r *Renderer) marqueeTable(t *content.Table, add func(string, color.RGBA), sep func()) {
	th := r.th
	anyAmount := false
	for _, a := range t.Amount {
		anyAmount = anyAmount || a
	}
	if anyAmount {
		sep()
		add("（金额单位：元）", th.dim)
	}
	for ri, row := range t.Rows {
		sep()
		fg, amt := th.text, th.title
		if ri == t.TotalRow {
			// totalFG is drawn on totalBG (black on amber on mono boards);
			// the marquee has no row background, so 合计 takes the title colour.
			fg = th.title
		}
		var words []string
		for ci, c := range row {
			c = strings.TrimSpace(c)
			if c == "" || ci < len(t.Header) && isVoucherColumn(t.Header[ci]) || ci < len(t.Amount) && t.Amount[ci] {
				continue
			}
			words = append(words, c)
		}
		add(strings.Join(words, " "), fg)
		for ci, c := range row {
			if ci >= len(t.Amount) || !t.Amount[ci] || strings.TrimSpace(c) == "" {
				continue
			}
			if f, ok := formatAmount(c); ok {
				c = f
			}
			label := ""
			if ci < len(t.Header) {
				label = t.Header[ci]
			}
			add(" "+label, th.dim)
			add(" "+c, amt)
		}
		add("；", fg)
	}
}

// marqueePage lays segs out as a strip: the text, then a board-wide gap
// so the end leaves the screen before the start comes round again. The
// strip is drawn by Frame into the Renderer's cache (see screens.go), not
// here: 100 tables read out at 16 px are ~50 MB of strips.
func (r *Renderer) marqueePage(id string, segs []seg) (*Page, error) {
	f, h := r.marqueeFace(), r.p.Height
	xs := make([]int, len(segs))
	textW := 0
	for i, s := range segs {
		xs[i] = textW
		textW += f.width(s.s)
	}
	gap := max(r.p.Width, 4*f.width("中"))
	cycle := textW + gap
	if int64(cycle)*int64(h) > maxStripPixels {
		return nil, fmt.Errorf("内容过长：跑马灯 %d×%d 像素，上限 %d 万像素，请删减或拆分", cycle, h, maxStripPixels/10000)
	}
	bg, y := r.th.bg, (h-f.lineH)/2
	sp := marqueeSpeed(f)
	p := &Page{
		Item: id, view: h, speed: sp, stripW: cycle, r: r,
		pauseTop: marqueeHold,
		// Until the last glyph has left the left edge.
		scroll: time.Duration(int64(textW) * int64(time.Second) / sp),
	}
	p.paint = func(img *image.RGBA) {
		fillRect(img, img.Rect, bg)
		for i, s := range segs {
			f.draw(img, xs[i], y, s.s, s.c)
		}
	}
	return p, nil
}

// marqueeOffset is the strip column at the board's left edge t after the
// page started: a function of t alone, so the speed does not depend on the
// frame rate, in whole pixels.
func (p *Page) marqueeOffset(t time.Duration) int {
	if t <= p.pauseTop {
		return 0
	}
	cycle := int64(p.stripW)
	return int(int64(t-p.pauseTop) * p.speed / int64(time.Second) % cycle)
}

// frameMarquee copies the window at the offset, wrapping round the strip.
func (p *Page) frameMarquee(dst *image.RGBA, t time.Duration) {
	slot, src := p.r.screens.acquire(p)
	defer p.r.screens.release(slot)
	b := dst.Rect
	cycle, w := src.Rect.Dx(), b.Dx()
	off := p.marqueeOffset(t)
	for row := 0; row < b.Dy(); row++ {
		do := dst.PixOffset(b.Min.X, b.Min.Y+row)
		drow := dst.Pix[do : do+w*4]
		if row >= src.Rect.Dy() {
			clear(drow)
			continue
		}
		so := src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y+row)
		srow := src.Pix[so : so+cycle*4]
		for x, sx := 0, off; x < w; sx = 0 {
			n := min(w-x, cycle-sx)
			copy(drow[x*4:(x+n)*4], srow[sx*4:(sx+n)*4])
			x += n
		}
	}
}

// checkPhoto decodes src as the other boards would, recording a problem.
func (r *Renderer) checkPhoto(v *content.Village, src string) {
	if _, err := r.loadPhoto(v, src, r.p.Width, 0); err != nil {
		r.probs = append(r.probs, err.Error())
	}
}
