package render

import (
	"image"
	"strings"

	"rsc.io/qr"
)

// qrCode encodes the item's 我有疑问 URL; nil when it cannot (a URL too
// long for a QR code is a county misconfiguration: the 编号 still shows).
func qrCode(feedback, number string) *qr.Code {
	code, err := qr.Encode(strings.ReplaceAll(feedback, "{item}", number), qr.M)
	if err != nil {
		return nil
	}
	return code
}

// qrQuiet is the quiet zone in modules. ISO asks for 4; phone decoders
// read 3 reliably, and each module saved is 2 × 3 px of band height.
const qrQuiet = 3

// qrModule is the module size: at least 3 px so a phone at sofa distance
// resolves it off a 720p TV, growing with the screen.
func (r *Renderer) qrModule() int { return max(3, r.px(3)) }

func (r *Renderer) qrSide(code *qr.Code) int { return (code.Size + 2*qrQuiet) * r.qrModule() }

// drawQR draws the code with its white quiet zone at top-left at, in
// whole-pixel modules (no scaling blur) so phones scan it off a TV.
func (r *Renderer) drawQR(img *image.RGBA, at image.Point, code *qr.Code) {
	m, side := r.qrModule(), r.qrSide(code)
	fillRect(img, image.Rectangle{at, at.Add(image.Pt(side, side))}, white)
	ox, oy := at.X+qrQuiet*m, at.Y+qrQuiet*m
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			if code.Black(x, y) {
				fillRect(img, image.Rect(ox+x*m, oy+y*m, ox+(x+1)*m, oy+(y+1)*m), black)
			}
		}
	}
}
