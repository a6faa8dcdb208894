package render

import (
	"image"
	"image/color"

	"github.com/fogleman/gg"
	"rsc.io/qr"
)

// qrLabel runs down beside the QR code, one hanzi under the other:
// vertical text is ordinary in Chinese and costs one column, not a row.
const qrLabel = "我有疑问"

const badgeText = "紧急通知"

// band is the laid-out TV header band. It holds everything a viewer needs
// to place the page (title, village, category, 公示期, 编号, page number,
// clock) and the 我有疑问 QR code in its right corner, so the content
// below gets the full title-safe width.
type band struct {
	h       int
	title   []string
	titleX  int
	small   [][]string // lines of segments, separated by segGap
	smallY  int
	textR   int // right edge of the text column
	segGap  int
	pageW   int // room kept for 第 n / m 页 at the end of the last small line
	badge   image.Rectangle
	code    *qr.Code
	qrAt    image.Point
	labelX  int
	clockAt image.Point
	urgent  bool
}

// layoutBand lays out the band. pages keeps room for a page number.
func (r *Renderer) layoutBand(title string, segs []string, code *qr.Code, urgent, pages bool) *band {
	return r.layoutBandUnit(title, segs, code, urgent, pages, "")
}

// layoutBandUnit is layoutBand with a unit note (金额单位：元) that goes
// before the page number, so money tables keep the note the disclosure
// forms print without spending a table row on it.
func (r *Renderer) layoutBandUnit(title string, segs []string, code *qr.Code, urgent, pages bool, unit string) *band {
	s := r.safe
	b := &band{code: code, urgent: urgent, segGap: r.px(32)}
	right := s.Max.X
	if code != nil {
		side := r.qrSide(code)
		b.qrAt = image.Pt(s.Max.X-side, s.Min.Y)
		b.labelX = b.qrAt.X - r.px(8) - r.cellBold.width("问")
		right = b.labelX - r.px(20)
	}
	b.textR = right
	b.clockAt = image.Pt(right-5*r.clock.cw, s.Min.Y+(r.title.lineH-r.clock.ch)/2)
	b.titleX = s.Min.X
	if urgent {
		bw := r.bandBig.width(badgeText) + 2*r.px(12)
		b.badge = image.Rect(s.Min.X, s.Min.Y, s.Min.X+bw, s.Min.Y+r.title.lineH)
		b.titleX += bw + r.px(16)
	}
	b.title = r.title.wrap(title, b.clockAt.X-r.px(24)-b.titleX)
	b.smallY = s.Min.Y + len(b.title)*r.title.lineH + r.px(4)
	if pages {
		b.pageW = r.bandSmall.width(unit + "第 99 / 99 页")
	}
	lineW := right - s.Min.X
	var cur []string
	curW := 0
	for _, seg := range segs {
		w := r.bandSmall.width(seg)
		if len(cur) > 0 && curW+b.segGap+w > lineW {
			b.small = append(b.small, cur)
			cur, curW = nil, 0
		}
		if len(cur) == 0 {
			seg = fitLine(r.bandSmall, seg, lineW)
			cur, curW = []string{seg}, r.bandSmall.width(seg)
			continue
		}
		cur = append(cur, seg)
		curW += b.segGap + w
	}
	if b.pageW > 0 && len(cur) > 0 && curW+b.segGap+b.pageW > lineW {
		b.small = append(b.small, cur)
		cur = nil
	}
	if len(cur) > 0 || b.pageW > 0 {
		b.small = append(b.small, cur)
	}
	bottom := b.smallY + len(b.small)*r.bandSmall.lineH
	if code != nil {
		bottom = max(bottom, b.qrAt.Y+r.qrSide(code))
	}
	b.h = bottom + r.px(8)
	if urgent {
		// A yellow warning stripe under the red band.
		b.h += r.px(8)
	}
	return b
}

// bandRunes counts what drawBand shows for reading time, without drawing.
func (r *Renderer) bandRunes(b *band, pageNo string) int {
	n := 0
	if b.urgent {
		n += runeCount(badgeText)
	}
	for _, l := range b.title {
		n += runeCount(l)
	}
	for i, line := range b.small {
		for _, seg := range line {
			n += runeCount(seg)
		}
		if i == len(b.small)-1 && pageNo != "" {
			n += runeCount(pageNo)
		}
	}
	if b.code != nil {
		n += len([]rune(qrLabel))
	}
	return n
}

// drawBand paints the full-bleed band; its text and code stay inside the
// title-safe area. It returns the runes a viewer reads there.
func (r *Renderer) drawBand(img *image.RGBA, b *band, c color.RGBA, pageNo string) int {
	s, th := r.safe, r.th
	fillRect(img, image.Rect(0, 0, r.p.Width, b.h), c)
	runes := 0
	if b.urgent {
		fillRect(img, image.Rect(0, b.h-r.px(8), r.p.Width, b.h), th.badge)
		dc := gg.NewContextForRGBA(img)
		br := b.badge
		dc.DrawRoundedRectangle(float64(br.Min.X), float64(br.Min.Y), float64(br.Dx()), float64(br.Dy()), float64(r.px(8)))
		dc.SetColor(th.badge)
		dc.Fill()
		r.bandBig.draw(img, br.Min.X+r.px(12), br.Min.Y+(br.Dy()-r.bandBig.lineH)/2, badgeText, th.badgeText)
		runes += runeCount(badgeText)
	}
	for i, l := range b.title {
		r.title.draw(img, b.titleX, s.Min.Y+i*r.title.lineH, l, th.bandText)
		runes += runeCount(l)
	}
	for i, line := range b.small {
		x, y := s.Min.X, b.smallY+i*r.bandSmall.lineH
		for _, seg := range line {
			r.bandSmall.draw(img, x, y, seg, th.bandText)
			x += r.bandSmall.width(seg) + b.segGap
			runes += runeCount(seg)
		}
		if i == len(b.small)-1 && pageNo != "" {
			r.bandSmall.draw(img, b.textR-r.bandSmall.width(pageNo), y, pageNo, th.bandText)
			runes += runeCount(pageNo)
		}
	}
	if b.code != nil {
		r.drawQR(img, b.qrAt, b.code)
		side := r.qrSide(b.code)
		n := len([]rune(qrLabel))
		for i, ch := range []rune(qrLabel) {
			y := b.qrAt.Y + i*side/n + (side/n-r.cellBold.lineH)/2
			r.cellBold.draw(img, b.labelX, y, string(ch), th.bandText)
		}
		runes += n
	}
	return runes
}
