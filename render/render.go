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
	bandBig, bandSmall, title, body, heading, cell, cellBold, small *face
	scale                                                           float64
	safe                                                            image.Rectangle
	clock                                                           *clockFont

	photos map[photoKey]*image.RGBA
}

// New loads the faces a profile needs.
func New(p Profile) (*Renderer, error) {
	if p.Width <= 0 || p.Height <= 0 {
		return nil, fmt.Errorf("render profile %q: bad size %dx%d", p.Name, p.Width, p.Height)
	}
	r := &Renderer{p: p, photos: make(map[photoKey]*image.RGBA)}
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
		specs := []struct {
			dst  **face
			px   float64
			bold bool
		}{
			{&r.bandBig, 34, true}, {&r.bandSmall, 26, false}, {&r.title, 40, true},
			{&r.body, 32, false}, {&r.heading, 34, true}, {&r.cell, 28, false},
			{&r.cellBold, 28, true}, {&r.small, 24, false},
		}
		for _, s := range specs {
			f, err := fonts.Vector(s.px*r.scale, s.bold)
			if err != nil {
				return nil, fmt.Errorf("render %s: %w", p.Name, err)
			}
			// Noto's ascent+descent is already 1.45 em: enough leading for
			// CJK reading, no extra gap needed.
			*s.dst = newFace(f, 0)
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
	spacer bool            // dropped at a TV page top
	head   *block          // table header repeated on TV pages / pinned on LED
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

// Item lays out one item for this profile.
func (r *Renderer) Item(v *content.Village, it *content.Item) ([]*Page, error) {
	if v == nil || it == nil {
		return nil, fmt.Errorf("render item: nil village or item")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.led() {
		return []*Page{r.ledItem(v, it)}, nil
	}
	return r.tvItem(v, it), nil
}

// ledItem stacks header, title, body and table into one tall strip.
func (r *Renderer) ledItem(v *content.Village, it *content.Item) *Page {
	th, w := r.th, r.p.Width
	cat := th.category(it.Major())
	var bs []*block
	bs = append(bs, textBlocks(r.px12, v.Name, 0, w, th.bandText)...)
	bs = append(bs, textBlocks(r.px12, categoryText(it), 0, w, cat)...)
	bs = append(bs, textBlocks(r.px12, periodText(it), 0, w, th.bandText)...)
	bs = append(bs, textBlocks(r.px12, "编号 "+it.Number, 0, w, th.dim)...)
	bs = append(bs, &block{h: 3, draw: func(dst *image.RGBA, y int) {
		fillRect(dst, image.Rect(0, y+1, w, y+2), cat)
	}})
	bs = append(bs, textBlocks(r.px16, it.Title, 0, w, th.title)...)
	bs = append(bs, spacer(4))
	bs = append(bs, r.bodyBlocks(v, it, 0, w, image.Pt(w, r.p.Height))...)
	if it.Table != nil {
		bs = append(bs, r.tableBlocks(it.Table, 0, w)...)
	}
	return r.ledPage(it.ID, bs)
}

func (r *Renderer) ledPage(id string, bs []*block) *Page {
	h := 0
	for _, b := range bs {
		h += b.h
	}
	h = max(h, r.p.Height)
	img := image.NewRGBA(image.Rect(0, 0, r.p.Width, h))
	fillRect(img, img.Rect, r.th.bg)
	p := &Page{Item: id, Image: img, view: r.p.Height}
	y, runes := 0, 0
	for _, b := range bs {
		b.draw(img, y)
		runes += b.text
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
		p.scroll = max(time.Duration(n)*1500*time.Millisecond/time.Duration(line), reading-p.pauseTop-p.pauseBottom)
	} else {
		p.pauseTop = max(8*time.Second, reading)
	}
	return p
}

// readingTime: ~150 hanzi a minute for an older reader at a distance.
func readingTime(runes int) time.Duration { return time.Duration(runes) * 400 * time.Millisecond }

func categoryText(it *content.Item) string {
	if m := it.Minor(); m != "" {
		return it.Major() + " · " + m
	}
	return it.Major()
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
	for _, b := range it.Body {
		switch b.Kind {
		case content.Heading:
			bs = append(bs, spacer(gap))
			bs = append(bs, textBlocks(headF, b.Text, x, w, th.heading)...)
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
			bs = append(bs, lines...)
		case content.Image:
			bs = append(bs, r.photoBlock(v, b, x, w, photoBox))
		default:
			bs = append(bs, spacer(gap))
			bs = append(bs, textBlocks(bodyF, b.Text, x, w, th.text)...)
		}
	}
	return bs
}

// tvItem paginates the flow into screens: band, title, content, footer
// and the 我有疑问 column, all inside the title-safe area.
func (r *Renderer) tvItem(v *content.Village, it *content.Item) []*Page {
	th, s := r.th, r.safe
	bandH := s.Min.Y + r.bandBig.lineH + r.bandSmall.lineH + r.px(10)
	qrW := 0
	if v.Feedback != "" {
		qrW = r.px(210)
	}
	gapX := r.px(24)
	colX, colW := s.Min.X, s.Dx()-qrW
	if qrW > 0 {
		colW -= gapX
	}
	titleLines := r.title.wrap(it.Title, colW)
	titleH := len(titleLines)*r.title.lineH + r.px(12)
	flowTop := bandH + r.px(16) + titleH
	flowH := s.Max.Y - flowTop
	photoBox := image.Pt(colW, flowH)

	flow := r.bodyBlocks(v, it, colX, colW, photoBox)
	if it.Table != nil {
		flow = append(flow, spacer(r.px(12)))
		flow = append(flow, r.tableBlocks(it.Table, colX, colW)...)
	}
	groups := paginate(flow, flowH)
	cat := th.category(it.Major())
	var pages []*Page
	for n, g := range groups {
		img := image.NewRGBA(image.Rect(0, 0, r.p.Width, r.p.Height))
		fillRect(img, img.Rect, th.bg)
		// Page number and (without a QR panel) the item number share the
		// band's second line, right-aligned: a footer would cost table rows.
		right := ""
		if len(groups) > 1 {
			right = fmt.Sprintf("第 %d / %d 页", n+1, len(groups))
		}
		if qrW == 0 {
			right = strings.TrimSpace("编号 " + it.Number + "  " + right)
		}
		runes := r.drawBand(img, bandH, cat, v.Name+" · "+categoryText(it), periodText(it), right)
		y := bandH + r.px(16)
		for _, l := range titleLines {
			r.title.draw(img, colX, y, l, th.title)
			runes += runeCount(l)
			y += r.title.lineH
		}
		p := &Page{Item: it.ID, Image: img, view: r.p.Height, clock: r.clock,
			clockAt: image.Pt(s.Max.X-5*r.clock.cw, s.Min.Y)}
		y = flowTop
		photo := false
		for _, b := range g {
			b.draw(img, y)
			runes += b.text
			if !b.photo.Empty() {
				photo = true
				p.photos = append(p.photos, b.photo.Add(image.Pt(0, y)))
			}
			y += b.h
		}
		if qrW > 0 {
			r.drawQR(img, image.Rect(s.Max.X-qrW, bandH+r.px(16), s.Max.X, s.Max.Y), v.Feedback, it.Number, cat)
		}
		p.pauseTop = max(8*time.Second, readingTime(runes)+2*time.Second)
		if photo {
			p.pauseTop = max(p.pauseTop, 12*time.Second)
		}
		pages = append(pages, p)
	}
	return pages
}

// paginate fills pages of height h, repeating table headers at page tops,
// never leaving a header alone at a page bottom, and dropping spacers at
// page tops.
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
			var carry *block
			if last := cur[len(cur)-1]; last.head == last {
				carry, cur = last, cur[:len(cur)-1]
			}
			flush()
			if carry == nil && b.head != nil && b.head != b {
				carry = b.head
			}
			if carry != nil {
				cur, y = append(cur, carry), carry.h
			}
			if b.spacer {
				continue
			}
		}
		cur = append(cur, b)
		y += b.h
	}
	flush()
	if len(pages) == 0 {
		pages = [][]*block{nil}
	}
	return pages
}

// drawBand paints the full-bleed category band; its text stays inside the
// title-safe area. It returns the runes a viewer reads there.
func (r *Renderer) drawBand(img *image.RGBA, bandH int, c color.RGBA, line1, line2, right string) int {
	s, th := r.safe, r.th
	fillRect(img, image.Rect(0, 0, r.p.Width, bandH), c)
	w := s.Dx() - 5*r.clock.cw - r.px(24)
	l1 := fitLine(r.bandBig, line1, w)
	r.bandBig.draw(img, s.Min.X, s.Min.Y, l1, th.bandText)
	rw := 0
	if right != "" {
		rw = r.bandSmall.width(right)
		r.bandSmall.draw(img, s.Max.X-rw, s.Min.Y+r.bandBig.lineH, right, th.bandText)
		rw += r.px(24)
	}
	l2 := fitLine(r.bandSmall, line2, s.Dx()-rw)
	r.bandSmall.draw(img, s.Min.X, s.Min.Y+r.bandBig.lineH, l2, th.bandText)
	return runeCount(l1) + runeCount(l2) + runeCount(right)
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
	if r.led() {
		w := r.p.Width
		var bs []*block
		bs = append(bs, textBlocks(r.px16, name, 0, w, th.title)...)
		bs = append(bs, spacer(2))
		bs = append(bs, textBlocks(r.px12, date, 0, w, th.dim)...)
		bs = append(bs, spacer(2))
		bs = append(bs, textBlocks(r.px16, none, 0, w, th.text)...)
		return r.ledPage("", bs)
	}
	s := r.safe
	img := image.NewRGBA(image.Rect(0, 0, r.p.Width, r.p.Height))
	fillRect(img, img.Rect, th.bg)
	bandH := s.Min.Y + r.bandBig.lineH + r.bandSmall.lineH + r.px(10)
	r.drawBand(img, bandH, th.other, name, date, "")
	center := func(f *face, y int, t string, c color.RGBA) {
		t = fitLine(f, t, s.Dx())
		f.draw(img, (r.p.Width-f.width(t))/2, y, t, c)
	}
	mid := bandH + (s.Max.Y-bandH)/2
	center(r.title, mid-r.title.lineH-r.px(10), name, th.title)
	center(r.title, mid+r.px(10), none, th.dim)
	return &Page{Image: img, view: r.p.Height, pauseTop: 10 * time.Second, clock: r.clock,
		clockAt: image.Pt(s.Max.X-5*r.clock.cw, s.Min.Y)}
}

var weekday = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}
