package render

import (
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
	"time"

	"github.com/sunboard/sunboard/content"
)

// TV photo pages. Villagers must be able to read every receipt and contract
// behind a figure, and a phone photo of an A4 page squeezed into the room
// under the band (~300 px wide at 720p) cannot be read. So on TV each photo
// gets a page on which it is as large as the screen allows: fitted to the
// content (title-safe) width, and when it is then taller than the room
// between the header and the crawl, the page pans down it slowly, pausing at
// its top and at its bottom, as Jiangyin's TV channel does (自动滚屏).
//
// The pan is the LED strips' mechanism (Page.offset, Frame copying rows
// from a strip drawn into the Renderer's screen cache): the strip is the
// header (the item's band and the photo's caption: which receipt, 凭证 3/12,
// and what it backs), the photo and a foot as tall as the crawl's band.
// The header stays pinned at the top as a table's header row does on LED
// (stickyY/stickyH) and the foot at the bottom (footH), so the photo moves
// only in the window between them and never under the crawl or outside the
// title-safe area.
//
// The photo is resampled straight into the strip (scaleInto), not through
// the photo cache: a fitted receipt is 7 MB at 720p and 16 MB at 1080p,
// more than the cache's whole budget. Stills (Page.Still) are painted
// outside the screen cache and compute only the photo rows the screen shows.

// photoRef is what a TV photo block carries to its page.
type photoRef struct {
	v       *content.Village
	src     string
	caption string // the block's text; a voucher's: one line per table row it backs
	voucher bool   // a table's voucher (凭证), not a photo of the body (照片)
	sw, sh  int    // the stored photo's upright size
}

const (
	// photoPauseTop lets a viewer find the caption and the photo's top
	// before it moves; photoPauseBottom holds the last lines (totals,
	// signatures, the stamp) before the next page.
	photoPauseTop    = 5 * time.Second
	photoPauseBottom = 4 * time.Second
	// photoPerScreen is the pan's speed: one window height in 3 s, the
	// slow end of what an older reader needs to follow a moving page.
	photoPerScreen = 3 * time.Second
	// photoStill is how long a photo that fits without panning stays,
	// as photo pages did before they panned.
	photoStill = 12 * time.Second
	// photoCaptionLines bounds the pinned caption: it shares the screen
	// with the photo. A photo backing more rows ends its caption with an
	// ellipsis; the table shows them all.
	photoCaptionLines = 3
	// photoMaxScreens caps a fitted photo at this many screens of pixels:
	// a 3:4 receipt at the content width is 1.9 screens, while a till roll
	// of 1:4 stored at MaxPhotoSide would be 5 at full width (a 40 MB strip
	// at 1080p). Such a photo is drawn narrower instead.
	photoMaxScreens = 2
)

// tvPhotoBlock is a body or voucher photo on TV: a block alone on its page
// (paginate) that tvItem turns into a photo page. Its layout needs only the
// photo's size (probes: one decode per process); the page decodes it when
// drawn. A photo that cannot be read becomes a visible notice, as on LED.
func (r *Renderer) tvPhotoBlock(v *content.Village, b content.Block, x, w int, box image.Point) *block {
	sw, sh, err := r.sourceSize(v, b.Src)
	if err != nil {
		r.probs = append(r.probs, err.Error())
		f := r.body
		lines := f.wrap("（照片无法显示："+b.Src+"）", w)
		if b.Text != "" {
			lines = append(lines, f.wrap(b.Text, w)...)
		}
		th := r.th
		return &block{h: len(lines) * f.lineH, own: true, draw: func(dst *image.RGBA, y int) {
			for i, l := range lines {
				f.draw(dst, x, y+i*f.lineH, l, th.text)
			}
		}}
	}
	return &block{h: box.Y, own: true, draw: func(*image.RGBA, int) {},
		pic: &photoRef{v: v, src: b.Src, caption: b.Text, sw: sw, sh: sh}}
}

// pagePhoto is the photo a paginated page consists of, nil if it is not a
// photo page.
func pagePhoto(g []*block) *photoRef {
	if len(g) == 1 {
		return g[0].pic
	}
	return nil
}

// photoLabels numbers an item's photo pages for their captions: 凭证 3/12
// for a table's vouchers, 照片 1/2 for the body's photos, so a viewer
// knows which receipt this is and how many remain.
func photoLabels(groups [][]*block) map[*photoRef]string {
	var vouchers, photos []*photoRef
	for _, g := range groups {
		switch pic := pagePhoto(g); {
		case pic == nil:
		case pic.voucher:
			vouchers = append(vouchers, pic)
		default:
			photos = append(photos, pic)
		}
	}
	labels := make(map[*photoRef]string, len(vouchers)+len(photos))
	for i, p := range vouchers {
		labels[p] = fmt.Sprintf("凭证 %d/%d", i+1, len(vouchers))
	}
	for i, p := range photos {
		labels[p] = fmt.Sprintf("照片 %d/%d", i+1, len(photos))
	}
	return labels
}

// photoFit is the size a sw×sh photo is drawn at on a photo page: the
// content width w (enlarged by a whole factor when that is 2 or more, so
// small scans stay sharp), within maxPx pixels. Integers only: the strip's
// size must be the same on every board.
func photoFit(sw, sh, w, maxPx int) (int, int) {
	nw, nh := w, max(1, (sh*w+sw/2)/sw)
	if k := w / sw; k >= 2 {
		nw, nh = sw*k, sh*k
		for k > 2 && nw*nh > maxPx {
			k--
			nw, nh = sw*k, sh*k
		}
	}
	if nw*nh > maxPx {
		// The widest nw with nw × nw·sh/sw within maxPx.
		nw = int(math.Sqrt(float64(maxPx) / float64(sh) * float64(sw)))
		for nw > 1 && nw*max(1, (sh*nw+sw/2)/sw) > maxPx {
			nw--
		}
		nw = max(1, nw)
		nh = max(1, (sh*nw+sw/2)/sw)
	}
	return nw, nh
}

// photoPage is a photo page's layout; draw paints it.
type photoPage struct {
	r       *Renderer
	bd      *band
	cat     color.RGBA
	pageNo  string
	pic     *photoRef
	label   string
	lines   []string // the caption, the first line starting with label
	capTop  int      // caption's first line
	hdrH    int      // header: band and caption, pinned at the top
	footH   int      // foot: the crawl's band and the gap above it, pinned at the bottom
	at      image.Point
	pw, ph  int // fitted photo size
	stripH  int // 0: the photo fits one screen
	windowH int // the rows the photo shows in on screen
}

// photoPage lays out item's page for pic under bd, the item's compact
// band (title, 编号, page number and the 我有疑问 code; its 公示期, 审核
// and category are on its first page): the caption and the photo at the
// content width. On a 576-line screen the full band takes 40 % of the
// height; the compact one leaves the photo a third more.
func (r *Renderer) photoPage(item string, bd *band, cat color.RGBA, pageNo string, pic *photoRef, label string) *Page {
	s, W, H := r.safe, r.p.Width, r.p.Height
	pp := &photoPage{r: r, bd: bd, cat: cat, pageNo: pageNo, pic: pic, label: label}
	pp.lines = r.photoCaption(label, pic, s.Dx())
	pp.capTop = bd.h + r.px(6)
	pp.hdrH = pp.capTop + len(pp.lines)*r.body.lineH + r.px(6)
	winBot := r.tickTop() - r.px(6)
	pp.footH = H - winBot
	pp.windowH = max(1, winBot-pp.hdrH)
	pp.pw, pp.ph = photoFit(pic.sw, pic.sh, s.Dx(), photoMaxScreens*W*H)
	gap := r.px(8)
	pp.at.X = s.Min.X + (s.Dx()-pp.pw)/2
	if pp.ph+2*gap <= pp.windowH {
		pp.at.Y = pp.hdrH + (pp.windowH-pp.ph)/2
	} else {
		pp.at.Y = pp.hdrH + gap
		pp.stripH = pp.at.Y + pp.ph + gap + pp.footH
	}

	p := &Page{Item: item, view: H, clock: r.clock, clockAt: bd.clockAt, r: r, stripH: pp.stripH}
	p.paint = func(img *image.RGBA) { pp.draw(img, 0) }
	p.paintAt = pp.draw
	p.photos = []image.Rectangle{{Min: pp.at, Max: pp.at.Add(image.Pt(pp.pw, pp.ph))}}
	if n := p.scrollPx(); n > 0 {
		p.stickyY, p.stickyH, p.footH = 0, pp.hdrH, pp.footH
		p.pauseTop, p.pauseBottom = photoPauseTop, photoPauseBottom
		p.scroll = time.Duration(n) * photoPerScreen / time.Duration(pp.windowH)
	} else {
		p.pauseTop = photoStill
	}
	return p
}

// photoCaption is the pinned caption: the label, then what the photo
// shows (a voucher: each row it backs, without voucherCaption's leading
// 凭证, which the label already says), wrapped to w, at most
// photoCaptionLines lines.
func (r *Renderer) photoCaption(label string, pic *photoRef, w int) []string {
	var rows []string
	for _, row := range strings.Split(pic.caption, "\n") {
		if row = strings.TrimSpace(row); row == "" {
			continue
		}
		if pic.voucher {
			row = strings.TrimPrefix(row, "凭证 ")
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		rows = []string{""}
	}
	rows[0] = strings.TrimRight(label+"　"+rows[0], "　")
	var lines []string
	for _, row := range rows {
		// voucherCaption sets the amount off by two spaces (LED boards
		// break there): it goes on the line's end only when it fits whole,
		// so 支出 is never parted from its figure.
		text, amount, ok := strings.Cut(row, "  ")
		ls := r.body.wrap(text, w)
		if ok {
			if last := len(ls) - 1; last >= 0 && r.body.width(ls[last]+"　"+amount) <= w {
				ls[last] += "　" + amount
			} else {
				ls = append(ls, r.body.wrap(amount, w)...)
			}
		}
		lines = append(lines, ls...)
	}
	if len(lines) > photoCaptionLines {
		rest := strings.Join(lines[photoCaptionLines-1:], "　")
		lines = append(lines[:photoCaptionLines-1], fitLine(r.body, rest, w))
	}
	return lines
}

// draw paints the page scrolled by off into dst: the whole strip when dst
// is the strip (off 0, for Frame's cache), else one screen as Frame shows
// it at that offset (header and foot in place, the photo's rows from off
// in the window between them), for stills. The photo is decoded for each
// call (r.mu held, as every paint).
func (pp *photoPage) draw(dst *image.RGBA, off int) {
	r, th := pp.r, pp.r.th
	fillRect(dst, dst.Rect, th.bg)
	r.drawBand(dst, pp.bd, pp.cat, pp.pageNo)
	s, f := r.safe, r.body
	for i, l := range pp.lines {
		x, y := s.Min.X, pp.capTop+i*f.lineH
		if i == 0 && strings.HasPrefix(l, pp.label) {
			f.draw(dst, x, y, pp.label, th.heading)
			x += f.width(pp.label)
			l = l[len(pp.label):]
		}
		f.draw(dst, x, y, l, th.text)
	}
	win := image.Rect(0, pp.hdrH, dst.Rect.Dx(), dst.Rect.Dy()-pp.footH).Intersect(dst.Rect)
	if win.Empty() {
		return
	}
	sub := dst.SubImage(win).(*image.RGBA)
	img, err := r.decodeRef(pp.pic)
	if err != nil {
		for i, l := range f.wrap("（照片无法显示："+pp.pic.src+"）", s.Dx()) {
			f.draw(sub, s.Min.X, win.Min.Y+r.px(8)+i*f.lineH, l, th.text)
		}
		return
	}
	scaleInto(sub, pp.at.Sub(image.Pt(0, off)), img, pp.pw, pp.ph)
}

// decodeRef decodes a photo page's photo, upright. Not cached: see the
// comment at the top of this file.
func (r *Renderer) decodeRef(pic *photoRef) (image.Image, error) {
	data, err := r.photoData(pic.v, pic.src)
	if err != nil {
		return nil, err
	}
	im, err := decodePhoto(sha256.Sum256(data), data)
	if err != nil {
		return nil, photoError(pic.src, err)
	}
	return im, nil
}
