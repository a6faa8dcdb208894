package render

import (
	"image"
	"image/draw"
	"math"
)

// shrink scales src down to w×h with a Catmull-Rom kernel widened by the
// scale factor (so every source pixel contributes: no aliasing on receipts'
// fine print). Unlike imaging's and x/image's resamplers it accumulates in
// integers with weights computed once per axis, and every float product is
// rounded on its own by an explicit conversion: Go may fuse x*y+z into one
// FMA instruction on arm64 (and amd64 v3), which rounds differently, and a
// board must show exactly the pixels sunpub's preview showed.
func shrink(src image.Image, w, h int) *image.RGBA {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	// One source row at a time in RGBA: a phone photo converted whole would
	// cost 4 bytes a pixel more than the board has to spare.
	line := image.NewRGBA(image.Rect(0, 0, sw, 1))
	xw := resampleWeights(sw, w)
	yw := resampleWeights(sh, h)

	// Horizontal pass: sh rows of w pixels.
	mid := image.NewRGBA(image.Rect(0, 0, w, sh))
	for y := range sh {
		draw.Draw(line, line.Rect, src, image.Pt(b.Min.X, b.Min.Y+y), draw.Src)
		row := line.Pix
		out := mid.Pix[y*mid.Stride : y*mid.Stride+4*w]
		for x, taps := range xw {
			var r, g, bl, a int32
			for _, t := range taps.w {
				p := row[4*int(t.at):]
				r += int32(p[0]) * t.v
				g += int32(p[1]) * t.v
				bl += int32(p[2]) * t.v
				a += int32(p[3]) * t.v
			}
			storePremul(out[4*x:], r, g, bl, a)
		}
	}
	// Vertical pass.
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y, taps := range yw {
		out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x := range w {
			var r, g, bl, a int32
			for _, t := range taps.w {
				p := mid.Pix[int(t.at)*mid.Stride+4*x:]
				r += int32(p[0]) * t.v
				g += int32(p[1]) * t.v
				bl += int32(p[2]) * t.v
				a += int32(p[3]) * t.v
			}
			storePremul(out[4*x:], r, g, bl, a)
		}
	}
	return dst
}

// weightBits is the fixed-point precision of a tap weight: 14 bits keep
// 255 × the sum of positive lobes (< 1.2) far inside int32.
const weightBits = 14

type tap struct {
	at int32 // source index, clamped to the edge
	v  int32 // weight, 1<<weightBits in total
}

type taps struct{ w []tap }

// resampleWeights gives, for each of n output samples, the source samples
// of m it reads and their integer weights.
func resampleWeights(m, n int) []taps {
	scale := max(float64(m)/float64(n), 1)
	support := float64(2 * scale)
	out := make([]taps, n)
	fw := make([]float64, 0, int(2*support)+2)
	for i := range out {
		// The centre of output sample i in source coordinates, exactly:
		// ((2i+1)·m − n) / 2n.
		c := float64((2*i+1)*m-n) / float64(2*n)
		lo := int(math.Ceil(c - support))
		hi := int(math.Floor(c + support))
		fw = fw[:0]
		sum := 0.0
		for j := lo; j <= hi; j++ {
			v := catmullRom(float64(float64(j)-c) / scale)
			fw = append(fw, v)
			sum = float64(sum + v)
		}
		t := make([]tap, 0, len(fw))
		total, centre, best := int32(0), 0, -1.0
		for k, v := range fw {
			q := int32(math.Round(float64(float64(v/sum) * (1 << weightBits))))
			if q == 0 {
				continue
			}
			if v > best {
				best, centre = v, len(t)
			}
			t = append(t, tap{at: int32(min(max(lo+k, 0), m-1)), v: q})
			total += q
		}
		// Rounding leaves the sum a few units off: the centre tap takes it,
		// so flat areas stay exactly flat.
		t[centre].v += 1<<weightBits - total
		out[i] = taps{t}
	}
	return out
}

// catmullRom is the Catmull-Rom cubic (B=0, C=½) at x, with each product
// rounded on its own (see shrink).
func catmullRom(x float64) float64 {
	x = math.Abs(x)
	x2 := float64(x * x)
	x3 := float64(x2 * x)
	switch {
	case x < 1:
		return float64(float64(1.5*x3)-float64(2.5*x2)) + 1
	case x < 2:
		return float64(float64(float64(-0.5*x3)+float64(2.5*x2))-float64(4*x)) + 2
	}
	return 0
}

// storePremul rounds fixed-point sums to bytes, clamped so that colour never
// exceeds alpha (Catmull-Rom's negative lobes overshoot at edges).
func storePremul(p []byte, r, g, b, a int32) {
	const half = 1 << (weightBits - 1)
	av := clamp8((a + half) >> weightBits)
	p[0] = min(clamp8((r+half)>>weightBits), av)
	p[1] = min(clamp8((g+half)>>weightBits), av)
	p[2] = min(clamp8((b+half)>>weightBits), av)
	p[3] = av
}

func clamp8(v int32) uint8 {
	return uint8(min(max(v, 0), 255))
}
