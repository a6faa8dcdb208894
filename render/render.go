package render

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/fonts"
	"golang.org/x/image/math/fixed"
	"rsc.io/qr"
)

// Renderer lays out items for one profile. It holds fonts and caches; its
// methods may be called from several goroutines (they serialize).
type Renderer struct {
	p  Profile
	th *theme

	mu sync.Mutex
	// LED faces.
	px16, px12 *face
	// TV faces.
	bandBig, bandSmall, title, body, heading, cell, cellBold, small, tick *face
	scale                                                                 float64
	safe                                                                  image.Rectangle
	clock                                                                 *clockFont

	photos     map[photoKey]*cachedPhoto
	photoBytes int
	photoClock uint64
	// screens holds the few TV screens Frame draws pages into.
	screens screenCache
	// probs collects what could not be shown while one item is laid out
	// (photos): Item reports them as a Partial *ItemError.
	probs []string
}

// New loads the faces a profile needs.
func New(p Profile) (*Renderer, error) {
	if p.Width <= 0 || p.Height <= 0 {
		return nil, fmt.Errorf("render profile %q: bad size %dx%d", p.Name, p.Width, p.Height)
	}
	r := &Renderer{p: p, photos: make(map[photoKey]*cachedPhoto)}
	r.screens.cond.L = &r.screens.mu
	switch p.Kind {
	case LEDMono, LEDRGB:
		r.th = &ledRGBTheme
		if p.Kind == LEDMono {
			r.th = &ledMonoTheme
		}
		f16, err := fonts.Pixel(16)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", p.Name, err)
		}
		f12, err := fonts.Pixel(12)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", p.Name, err)
		}
		r.px16, r.px12 = newFace(f16, 0), newFace(f12, 1)
	case TV:
		r.th = &tvTheme
		// Sizes are designed at 720 lines and scale with the screen height.
		r.scale = float64(p.Height) / 720
		mx, my := int(math.Round(float64(p.Width)*0.05)), int(math.Round(float64(p.Height)*0.05))
		r.safe = image.Rect(mx, my, p.Width-mx, p.Height-my)
		// pitch 0 keeps Noto's 1.45 em, right for paragraphs. Bands, titles,
		// table cells and the crawl are single lines or short wraps: 1.25 em
		// is enough there and buys the table rows (10 a page at 720p).
		specs := []struct {
			dst   **face
			px    float64
			bold  bool
			pitch float64
		}{
			{&r.bandBig, 34, true, 1.25}, {&r.bandSmall, 26, false, 1.3}, {&r.title, 40, true, 1.25},
			{&r.body, 32, false, 0}, {&r.heading, 34, true, 0}, {&r.cell, 28, false, 1.25},
			{&r.cellBold, 28, true, 1.25}, {&r.small, 24, false, 0}, {&r.tick, 30, true, 1.25},
		}
		for _, s := range specs {
			f, err := fonts.Vector(s.px*r.scale, s.bold)
			if err != nil {
				return nil, fmt.Errorf("render %s: %w", p.Name, err)
			}
			gap := 0
			if s.pitch > 0 {
				gap = pitchGap(f, s.px*r.scale, s.pitch)
			}
			*s.dst = newFace(f, gap)
		}
		r.clock = newClockFont(r.bandBig, r.th.bandText)
	default:
		return nil, fmt.Errorf("render profile %q: unknown kind %d", p.Name, p.Kind)
	}
	return r, nil
}

func (r *Renderer) led() bool { return r.p.Kind != TV }

// px scales a TV design size (at 720 lines) to this screen.
func (r *Renderer) px(v float64) int { return int(math.Round(v * r.scale)) }

// block is one unsplittable piece of the layout flow.
type block struct {
	h      int
	draw   func(dst *image.RGBA, y int)
	text   int             // runes to read
	photo  image.Rectangle // photo area relative to the block's top, if any
	own    bool            // TV: alone on its page (photos)
	pic    *photoRef       // TV: the photo of a photo page (photo_page.go)
	spacer bool            // dropped at a TV page top
	head   *block          // table header repeated on TV pages / pinned on LED
	// TV pagination (see paginate.go): para numbers the paragraph a text
	// line belongs to (0: none), line is its index among the paragraph's
	// lines; keepNext keeps the block on the page of the block after it
	// (headings); sig marks 落款 lines.
	para, line, lines int
	keepNext, sig     bool
}

// reading is what the block costs a reader, in hanzi: a table row is
// scanned for the row one wants, not read through, so it counts half.
func (b *block) reading() int {
	if b.head != nil && b.head != b {
		return b.text / 2
	}
	return b.text
}

func spacer(h int) *block { return &block{h: h, spacer: true, draw: func(*image.RGBA, int) {}} }

// textBlocks wraps s into one block per line so TV pages can break
// between lines.
func textBlocks(f *face, s string, x, w int, c color.RGBA) []*block {
	var out []*block
	for _, line := range f.wrap(s, w) {
		out = append(out, &block{h: f.lineH, text: runeCount(line), draw: func(dst *image.RGBA, y int) {
			f.draw(dst, x, y, line, c)
		}})
	}
	return out
}

// rightBlocks is textBlocks set flush right in x..x+w (the 落款).
func rightBlocks(f *face, s string, x, w int, c color.RGBA) []*block {
	var out []*block
	for _, line := range f.wrap(s, w) {
		lx := x + w - f.width(line)
		out = append(out, &block{h: f.lineH, text: runeCount(line), sig: true, draw: func(dst *image.RGBA, y int) {
			f.draw(dst, lx, y, line, c)
		}})
	}
	return out
}

// paragraph numbers a paragraph's lines for widow and orphan control.
func paragraph(bs []*block, id int) []*block {
	for i, b := range bs {
		b.para, b.line, b.lines = id, i, len(bs)
	}
	return bs
}

// Item lays out one item for this profile. Bad input gives an *ItemError
// naming the item and the problem; it never affects other items. An item
// with no body and no table is its title alone, not an error. When only a
// photo cannot be shown (unreadable, oversize, HEIC/WebP) the pages are
// returned too, with a visible notice in the photo's place, together with a
// Partial *ItemError so that publish-time checking refuses it.
func (r *Renderer) Item(v *content.Village, it *content.Item) ([]*Page, error) {
	if v == nil || it == nil {
		return nil, fmt.Errorf("render item: nil village or item")
	}
	if t := it.Table; t != nil && len(t.Rows) > maxTableRows {
		return nil, &ItemError{Item: it.ID, Problem: fmt.Sprintf("表格过长：%d 行，上限 %d 行，请拆分为多个公示事项", len(t.Rows), maxTableRows)}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.probs = r.probs[:0]
	var pages []*Page
	var err error
	switch {
	case r.marquee():
		var p *Page
		p, err = r.marqueeItem(v, it)
		pages = []*Page{p}
	case r.led():
		var p *Page
		p, err = r.ledItem(v, it)
		pages = []*Page{p}
	default:
		pages, err = r.tvItem(v, it)
	}
	if err != nil {
		return nil, &ItemError{Item: it.ID, Problem: err.Error()}
	}
	if len(r.probs) > 0 {
		return pages, &ItemError{Item: it.ID, Problem: problems(r.probs), Partial: true}
	}
	return pages, nil
}

// ledItem stacks title, body, table and its receipts into one tall strip.
// The first screen a passer-by sees is the title in the big face (after a
// red 紧急通知 band when urgent, inverted on mono boards) with its category
// under it; 公示期, 审核 and 编号 close the strip in the small face. The
// village's name is left out: the board stands in the village.
func (r *Renderer) ledItem(v *content.Village, it *content.Item) (*Page, error) {
	th, w := r.th, r.p.Width
	cat := th.category(it.Major())
	urgent := it.Priority == content.Urgent
	var bs []*block
	if urgent {
		cat = th.urgent
		badge := r.px16.wrap("紧急通知", w)
		hh := len(badge) * r.px16.lineH
		bs = append(bs, &block{h: hh + 2, text: runeCount("紧急通知"), draw: func(dst *image.RGBA, y int) {
			fillRect(dst, image.Rect(0, y, w, y+hh+1), th.urgent)
			for i, l := range badge {
				r.px16.draw(dst, 0, y+i*r.px16.lineH, l, th.urgentText)
			}
		}})
	}
	bs = append(bs, textBlocks(r.px16, shownTitle(it), 0, w, th.title)...)
	bs = append(bs, r.smallLines([]string{categoryText(it)}, w, cat, cat, true))
	bs = append(bs, spacer(4))
	bs = append(bs, r.bodyBlocks(v, it, 0, w, image.Pt(w, r.p.Height))...)
	if it.Table != nil {
		bs = append(bs, r.tableBlocks(it.Table, 0, w)...)
		bs = append(bs, r.voucherBlocks(v, it, 0, w, image.Pt(w, r.p.Height))...)
	}
	meta := []string{periodText(it)}
	if a := approvalText(it); a != "" {
		meta = append(meta, a)
	}
	meta = append(meta, "编号 "+itemCode(it))
	bs = append(bs, spacer(4), r.smallLines(meta, w, th.dim, cat, false))
	return r.ledPage(it.ID, bs)
}

// itemCode is the 编号 on screen; items built in code rather than loaded
// from a folder may leave Code empty.
func itemCode(it *content.Item) string {
	if it.Code != "" {
		return it.Code
	}
	return content.ItemCode(it.ID)
}

// shownTitle is the title under an urgent item's 紧急通知 badge: without
// the same words again when the clerk began the title with them.
func shownTitle(it *content.Item) string {
	if it.Priority != content.Urgent {
		return it.Title
	}
	rest := strings.TrimLeft(strings.TrimPrefix(it.Title, "紧急通知"), "：:，,　 ")
	if rest == "" || rest == it.Title {
		return it.Title
	}
	return rest
}

// smallLines is one block of lines in the small face, each wrapped to w
// (an id breaks anywhere, it has no words), with a rule in colour rule
// under them (below) or above them.
func (r *Renderer) smallLines(lines []string, w int, c, rule color.RGBA, below bool) *block {
	f := r.px12
	var ls []string
	text := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "编号 ") {
			ls = append(ls, wrapID(l, fixed.I(w), f.advance)...)
		} else {
			ls = append(ls, f.wrap(l, w)...)
		}
		text += runeCount(l)
	}
	h := len(ls)*f.lineH + 2
	return &block{h: h, text: text, draw: func(dst *image.RGBA, y int) {
		ly := y
		if below {
			fillRect(dst, image.Rect(0, y+h-2, w, y+h-1), rule)
		} else {
			fillRect(dst, image.Rect(0, y, w, y+1), rule)
			ly += 2
		}
		for _, l := range ls {
			f.draw(dst, 0, ly, l, c)
			ly += f.lineH
		}
	}}
}

func (r *Renderer) ledPage(id string, bs []*block) (*Page, error) {
	h := 0
	for _, b := range bs {
		h += b.h
	}
	h = max(h, r.p.Height)
	if int64(h)*int64(r.p.Width) > maxStripPixels {
		return nil, fmt.Errorf("内容过长：LED 长条 %d×%d 像素，上限 %d 万像素，请删减或拆分", r.p.Width, h, maxStripPixels/10000)
	}
	// Laid out now, drawn by Frame (see screens.go).
	bg := r.th.bg
	p := &Page{Item: id, view: r.p.Height, stripH: h, r: r}
	p.paint = func(img *image.RGBA) {
		fillRect(img, img.Rect, bg)
		y := 0
		for _, b := range bs {
			b.draw(img, y)
			y += b.h
		}
	}
	y, runes := 0, 0
	for _, b := range bs {
		runes += b.reading()
		if !b.photo.Empty() {
			p.photos = append(p.photos, b.photo.Add(image.Pt(0, y)))
		}
		if b.head == b && p.stickyH == 0 {
			p.stickyY, p.stickyH = y, b.h
		}
		y += b.h
	}
	reading := readingTime(runes)
	if n := p.scrollPx(); n > 0 {
		line := r.px16.lineH
		p.pauseTop, p.pauseBottom = 3*time.Second, 3*time.Second
		// A line every 1.5 s, slowed for dense text down to one every
		// 2.5 s: past that a passer-by gives up, and the strip comes
		// round again.
		lines := time.Duration(n) * time.Second / time.Duration(line)
		p.scroll = max(lines*3/2, min(reading-p.pauseTop-p.pauseBottom, lines*5/2))
	} else {
		p.pauseTop = min(max(minPage, reading), maxPage)
	}
	return p, nil
}

// readingTime: ~170 hanzi a minute for an older reader at a distance
// (runeCount reads a number as two hanzi).
func readingTime(runes int) time.Duration { return time.Duration(runes) * 350 * time.Millisecond }

// A standing page stays at least minPage, long enough to find one's way
// into it, and at most maxPage: a board loops through every item, and a
// villager waiting for the 低保 list should not wait an hour. Slower
// villages raise both with [schedule] dwell.
const (
	minPage = 8 * time.Second
	maxPage = 60 * time.Second
)

func categoryText(it *content.Item) string {
	if m := it.Minor(); m != "" {
		return it.Major() + " · " + m
	}
	return it.Major()
}

// approvalText names who approved the item and when (审核：古城街道农经站
// 2026-11-02), so villagers see that the township checked it.
func approvalText(it *content.Item) string {
	if it.ApprovedBy == "" {
		return ""
	}
	return "审核：" + it.ApprovedBy + " " + it.Approved.In(content.ChinaTime).Format("2006-01-02")
}

func periodText(it *content.Item) string {
	return "公示期：" + it.Publish.In(content.ChinaTime).Format("2006-01-02") + " 至 " +
		it.Until.In(content.ChinaTime).Format("2006-01-02")
}

// bodyBlocks lays out the Markdown body in a column x..x+w. photoBox is
// the area a TV photo page may fill; LED photos take the width and pan.
func (r *Renderer) bodyBlocks(v *content.Village, it *content.Item, x, w int, photoBox image.Point) []*block {
	th := r.th
	bodyF, headF, gap := r.px16, r.px16, 4
	if !r.led() {
		bodyF, headF, gap = r.body, r.heading, r.body.lineH/2
	}
	var bs []*block
	sig := signature(it.Body)
	for i, b := range it.Body {
		switch b.Kind {
		case content.Heading:
			bs = append(bs, spacer(gap))
			for _, l := range textBlocks(headF, b.Text, x, w, th.heading) {
				l.keepNext = true
				bs = append(bs, l)
			}
		case content.ListItem:
			bs = append(bs, spacer(gap/2))
			bullet := bodyF.width("•") + bodyF.width(" ")
			lines := textBlocks(bodyF, b.Text, x+bullet, w-bullet, th.text)
			if len(lines) > 0 {
				first := lines[0].draw
				lines[0].draw = func(dst *image.RGBA, y int) {
					bodyF.draw(dst, x, y, "•", th.dim)
					first(dst, y)
				}
			}
			bs = append(bs, paragraph(lines, i+1)...)
		case content.Image:
			bs = append(bs, r.photoBlock(v, b, x, w, photoBox))
		default:
			bs = append(bs, spacer(gap))
			text, right := b.Text, ""
			if k := sig[i]; k > 0 {
				ls := paraLines(b.Text)
				text = strings.Join(ls[:len(ls)-k], "\n")
				right = strings.Join(ls[len(ls)-k:], "\n")
			}
			if text != "" || right == "" {
				bs = append(bs, paragraph(textBlocks(bodyF, text, x, w, th.text), i+1)...)
			}
			if right != "" {
				bs = append(bs, rightBlocks(bodyF, right, x, w, th.text)...)
			}
		}
	}
	return bs
}

// tvItem paginates the flow into screens: the band (title, village,
// category, 公示期, 编号, page number, clock and the 我有疑问 QR code), then
// the content at the full title-safe width above the ticker band.
func (r *Renderer) tvItem(v *content.Village, it *content.Item) ([]*Page, error) {
	th, s := r.th, r.safe
	urgent := it.Priority == content.Urgent
	cat := th.category(it.Major())
	if urgent {
		cat = th.urgent
	}
	var code *qr.Code
	if v.Feedback != "" {
		code = qrCode(v.Feedback, it.Number)
	}
	segs := []string{v.Name + " · " + categoryText(it), periodText(it), "编号 " + itemCode(it)}
	if a := approvalText(it); a != "" {
		segs = append(segs, a) // its own segment: wrapped, never cut off
	}
	unit := ""
	if it.Table != nil && hasAmountColumn(it.Table) {
		unit = "金额单位：元　"
	}
	bd := r.layoutBandUnit(shownTitle(it), segs, code, urgent, true, unit)
	colX, colW := s.Min.X, s.Dx()
	flowTop := bd.h + r.px(8)
	flowH := r.tickTop() - r.px(6) - flowTop
	box := image.Pt(colW, flowH)
	flow := r.bodyBlocks(v, it, colX, colW, box)
	if it.Table != nil {
		flow = append(flow, spacer(r.px(12)))
		flow = append(flow, r.tableBlocks(it.Table, colX, colW)...)
		for _, b := range r.voucherBlocks(v, it, colX, colW, box) {
			if b.pic != nil {
				b.pic.voucher = true
			}
			flow = append(flow, b)
		}
	}
	// Continued pages and photo pages get a compact band (title, 编号,
	// page number, the QR code): the item's details were on its first
	// page, and on a 720×576 screen the full band takes two fifths of the
	// height.
	cont := r.layoutBandUnit(shownTitle(it), []string{"编号 " + itemCode(it)}, code, urgent, true, unit)
	contTop := cont.h + r.px(8)
	groups := paginate(flow, flowH)
	if contH := r.tickTop() - r.px(6) - contTop; len(groups) > 1 && contH > flowH {
		if rest := after(flow, groups[0]); len(rest) > 0 {
			// A table cut at the first page goes on under its header,
			// as it would have within one pagination.
			if h := rest[0].head; h != nil && h != rest[0] {
				rest = append([]*block{h}, rest...)
			}
			groups = append(groups[:1], paginate(rest, contH)...)
		}
	}
	if len(groups) > maxTVPages {
		return nil, fmt.Errorf("内容过长：%d 页，上限 %d 页，请删减或拆分为多个公示事项", len(groups), maxTVPages)
	}
	var pages []*Page
	labels := photoLabels(groups)
	for n, g := range groups {
		pageNo := strings.TrimSpace(unit)
		if len(groups) > 1 {
			pageNo = unit + fmt.Sprintf("第 %d / %d 页", n+1, len(groups))
		}
		if pic := pagePhoto(g); pic != nil {
			// As large as the screen allows, panned when taller.
			p := r.photoPage(it.ID, cont, cat, strings.TrimPrefix(pageNo, unit), pic, labels[pic])
			if n > 0 {
				pages[n-1].next = p
			}
			pages = append(pages, p)
			continue
		}
		// The header is read on an item's first page; later pages only
		// change their number.
		runes := runeCount(pageNo)
		if n == 0 {
			runes = r.bandRunes(bd, pageNo)
		}
		pb, top := bd, flowTop
		if n > 0 {
			pb, top = cont, contTop
		}
		p := &Page{Item: it.ID, view: r.p.Height, clock: r.clock, clockAt: pb.clockAt, r: r}
		p.paint = func(img *image.RGBA) {
			fillRect(img, img.Rect, th.bg)
			r.drawBand(img, pb, cat, pageNo)
			y := top
			for _, b := range g {
				b.draw(img, y)
				y += b.h
			}
		}
		// Photos are not among the blocks: each has a photo page.
		for _, b := range g {
			runes += b.reading()
		}
		p.pauseTop = min(max(minPage, readingTime(runes)+2*time.Second), maxPage)
		if n > 0 {
			pages[n-1].next = p
		}
		pages = append(pages, p)
	}
	return pages, nil
}

// after is what of flow comes after the blocks of page: pagination may
// add blocks of its own (a repeated table header), so the cut is after
// the last of flow's own blocks on the page.
func after(flow, page []*block) []*block {
	at := make(map[*block]int, len(flow))
	for i, b := range flow {
		at[b] = i
	}
	for i := len(page) - 1; i >= 0; i-- {
		if j, ok := at[page[i]]; ok {
			return flow[j+1:]
		}
	}
	return nil
}

// fitLine cuts s to one line of width w, marking the cut with an ellipsis.
func fitLine(f *face, s string, w int) string {
	if f.width(s) <= w {
		return s
	}
	rs := []rune(s)
	for len(rs) > 0 && f.width(string(rs)+"…") > w {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "…"
}

func newClockFont(f *face, c color.RGBA) *clockFont {
	const glyphs = "0123456789:"
	cw := 0
	for _, g := range glyphs {
		cw = max(cw, f.advance(g).Ceil())
	}
	cf := &clockFont{cw: cw, ch: f.lineH}
	cf.cells = image.NewRGBA(image.Rect(0, 0, cw*len(glyphs), f.lineH))
	for i, g := range glyphs {
		gw := f.advance(g).Ceil()
		f.draw(cf.cells, i*cw+(cw-gw)/2, 0, string(g), c)
	}
	return cf
}

// Idle is the fallback page when nothing is due: village name, date, 暂无公开内容.
func (r *Renderer) Idle(v *content.Village, now time.Time) *Page {
	r.mu.Lock()
	defer r.mu.Unlock()
	th := r.th
	name := ""
	if v != nil {
		name = v.Name
	}
	now = now.In(content.ChinaTime)
	date := now.Format("2006年1月2日") + " " + weekday[now.Weekday()]
	const none = "暂无公开内容"
	if r.marquee() {
		if p, err := r.marqueePage("", []seg{{flat(name), th.title}, {"　" + date + "　", th.dim}, {none, th.text}}); err == nil {
			return p
		}
		p, _ := r.marqueePage("", []seg{{none, th.text}})
		return p
	}
	if r.led() {
		w := r.p.Width
		var bs []*block
		bs = append(bs, textBlocks(r.px16, name, 0, w, th.title)...)
		bs = append(bs, spacer(2))
		bs = append(bs, textBlocks(r.px12, date, 0, w, th.dim)...)
		bs = append(bs, spacer(2))
		bs = append(bs, textBlocks(r.px16, none, 0, w, th.text)...)
		p, err := r.ledPage("", bs)
		if err != nil {
			// Only an absurd village name gets here: show the board blank.
			p, _ = r.ledPage("", nil)
		}
		return p
	}
	s := r.safe
	bd := r.layoutBand(name, []string{date}, nil, false, false)
	p := &Page{view: r.p.Height, pauseTop: 10 * time.Second, clock: r.clock, clockAt: bd.clockAt, r: r}
	p.paint = func(img *image.RGBA) {
		fillRect(img, img.Rect, th.bg)
		r.drawBand(img, bd, th.other, "")
		center := func(f *face, y int, t string, c color.RGBA) {
			t = fitLine(f, t, s.Dx())
			f.draw(img, (r.p.Width-f.width(t))/2, y, t, c)
		}
		mid := bd.h + (r.tickTop()-bd.h)/2
		center(r.title, mid-r.title.lineH-r.px(10), name, th.title)
		center(r.title, mid+r.px(10), none, th.dim)
	}
	return p
}

var weekday = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

func hasAmountColumn(t *content.Table) bool {
	for _, a := range t.Amount {
		if a {
			return true
		}
	}
	return false
}
