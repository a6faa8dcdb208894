// Package frame holds the Draw logic the display drivers share: clip like
// draw.Draw, but copy *image.RGBA rows directly instead of going through
// per-pixel interface calls.
package frame

import (
	"image"
	"image/draw"
)

// Draw draws src at sp into dst's rectangle r (clipped to dst and src, as
// draw.Draw does) and reports whether any pixel was written.
func Draw(dst *image.RGBA, r image.Rectangle, src image.Image, sp image.Point) bool {
	r, sp, ok := Clip(dst.Rect, r, src.Bounds(), sp)
	if !ok {
		return false
	}
	if s, ok := src.(*image.RGBA); ok {
		CopyRGBA(dst, r, s, sp)
	} else {
		draw.Draw(dst, r, src, sp, draw.Src)
	}
	return true
}

// Clip clips dstRect to bounds and to the source placed at sp, as
// draw.Draw does, returning the rectangle to write and the matching source
// point; ok is false when nothing is left.
func Clip(bounds, dstRect, srcBounds image.Rectangle, sp image.Point) (image.Rectangle, image.Point, bool) {
	r := dstRect.Intersect(bounds)
	sp = sp.Add(r.Min.Sub(dstRect.Min))
	sr := r.Sub(r.Min).Add(sp)
	clipped := sr.Intersect(srcBounds)
	if clipped.Empty() {
		return image.Rectangle{}, image.Point{}, false
	}
	return clipped.Add(r.Min.Sub(sr.Min)), clipped.Min, true
}

// CopyRGBA copies rectangle r of dst from src starting at sp; r must already
// be clipped to both images.
func CopyRGBA(dst *image.RGBA, r image.Rectangle, src *image.RGBA, sp image.Point) {
	n := r.Dx() * 4
	di := dst.PixOffset(r.Min.X, r.Min.Y)
	si := src.PixOffset(sp.X, sp.Y)
	if dst.Stride == n && src.Stride == n {
		// Whole rows on both sides: one copy.
		copy(dst.Pix[di:di+n*r.Dy()], src.Pix[si:si+n*r.Dy()])
		return
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		copy(dst.Pix[di:di+n], src.Pix[si:si+n])
		di += dst.Stride
		si += src.Stride
	}
}
