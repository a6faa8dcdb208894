package render

import (
	"image"
	"image/color"
	"strings"

	"github.com/fogleman/gg"
	"rsc.io/qr"
)

// drawQR draws the 我有疑问 panel in rect: a white rounded panel (gg), the
// QR code in whole-pixel modules so phones scan it off a TV, and its label.
func (r *Renderer) drawQR(img *image.RGBA, rect image.Rectangle, feedback, number string, accent color.RGBA) {
	th := r.th
	url := strings.ReplaceAll(feedback, "{item}", number)
	pad := r.px(10)
	inner := rect.Dx() - 2*pad
	var lines []struct {
		f *face
		s string
	}
	add := func(f *face, s string) {
		for _, l := range f.wrap(s, inner) {
			lines = append(lines, struct {
				f *face
				s string
			}{f, l})
		}
	}
	add(r.cellBold, "我有疑问")
	add(r.cellBold, "扫码反馈")
	add(r.small, "编号 "+number)

	code, err := qr.Encode(url, qr.M)
	side, m := 0, 0
	if err == nil {
		// Two modules of quiet zone each side; the white panel adds more.
		m = inner / (code.Size + 4)
		side = m * (code.Size + 4)
	}
	labelH := 0
	for _, l := range lines {
		labelH += l.f.lineH
	}
	h := pad + side + r.px(6) + labelH + pad
	h = min(h, rect.Dy())

	// The stroke straddles the path: inset it so it stays inside rect
	// (and so inside the title-safe area).
	lw := float64(max(2, r.px(3)))
	dc := gg.NewContextForRGBA(img)
	dc.DrawRoundedRectangle(float64(rect.Min.X)+lw/2, float64(rect.Min.Y)+lw/2, float64(rect.Dx())-lw, float64(h)-lw, float64(r.px(12)))
	dc.SetColor(white)
	dc.FillPreserve()
	dc.SetColor(accent)
	dc.SetLineWidth(lw)
	dc.Stroke()

	if err == nil && m > 0 {
		ox, oy := rect.Min.X+pad+2*m, rect.Min.Y+pad+2*m
		for y := 0; y < code.Size; y++ {
			for x := 0; x < code.Size; x++ {
				if code.Black(x, y) {
					fillRect(img, image.Rect(ox+x*m, oy+y*m, ox+(x+1)*m, oy+(y+1)*m), black)
				}
			}
		}
	}
	y := rect.Min.Y + pad + side + r.px(6)
	for _, l := range lines {
		l.f.draw(img, rect.Min.X+(rect.Dx()-l.f.width(l.s))/2, y, l.s, th.text)
		y += l.f.lineH
	}
}
