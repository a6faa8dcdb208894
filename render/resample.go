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
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	rs := newResampler(src, resampleWeights(src.Bounds().Dx(), w), resampleWeights(src.Bounds().Dy(), h))
	for y := range h {
		o := dst.PixOffset(0, y)
		rs.row(dst.Pix[o:o+4*w], y)
	}
	return dst
}

// scaleInto draws src scaled to w×h, its top-left at at, into dst over
// what dst holds there (a TV photo page's background), clipped to
// dst.Rect: only the output rows dst shows are computed, and only the
// source rows they need are read, so drawing the one screen of a tall
// photo that a still shows costs that screen. Whole enlargements of 2 or
// more are nearest-neighbour (small scans stay sharp, as fitDims keeps
// them); anything else is the Catmull-Rom of shrink, which also enlarges
// (by less than 2) with the same integer weights.
func scaleInto(dst *image.RGBA, at image.Point, src image.Image, w, h int) {
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	if w <= 0 || h <= 0 || sw <= 0 || sh <= 0 {
		return
	}
	vis := image.Rect(at.X, at.Y, at.X+w, at.Y+h).Intersect(dst.Rect)
	if vis.Empty() {
		return
	}
	var xw, yw []taps
	if k := w / sw; k >= 2 && w == k*sw && h == k*sh {
		xw, yw = nearestWeights(sw, w), nearestWeights(sh, h)
	} else {
		xw, yw = resampleWeights(sw, w), resampleWeights(sh, h)
	}
	rs := newResampler(src, xw, yw)
	row := make([]byte, 4*w)
	x0, x1 := vis.Min.X-at.X, vis.Max.X-at.X
	for y := vis.Min.Y; y < vis.Max.Y; y++ {
		rs.row(row, y-at.Y)
		o := dst.PixOffset(vis.Min.X, y)
		over(dst.Pix[o:o+4*(x1-x0)], row[4*x0:4*x1])
	}
}

// over composites premultiplied s onto d in place (Porter-Duff over), in
// integers; an opaque pixel, a photo's usual one, is copied.
func over(d, s []byte) {
	for i := 0; i+3 < len(s); i += 4 {
		a := int32(s[i+3])
		if a == 255 {
			copy(d[i:i+4], s[i:i+4])
			continue
		}
		k := 255 - a
		for c := range 4 {
			d[i+c] = uint8(int32(s[i+c]) + (int32(d[i+c])*k+127)/255)
		}
	}
}

// resampler produces output rows of a separable resample one at a time.
// The horizontal pass of each source row is kept in a ring of as many rows
// as one output row reads (a few, not the whole height: the mid image of a
// 1440×1920 photo fitted to 1728 px is 13 MB), so memory is the output
// width by the kernel's height whatever the photo's size. Both passes are
// those of the former two-pass shrink, in the same order: the pixels are
// identical.
type resampler struct {
	src   image.Image
	xw    []taps
	yw    []taps
	line  *image.RGBA // one source row in RGBA
	ring  []byte      // horizontally resampled source rows, w*4 bytes each
	rowOf []int       // the source row each ring slot holds, -1 if none
	rows  [][]byte    // the ring rows of the output row being computed
}

func newResampler(src image.Image, xw, yw []taps) *resampler {
	// The ring must hold every source row one output row reads at once:
	// their span, since rows are taken modulo the ring size.
	span := 1
	most := 1
	for _, t := range yw {
		lo, hi := t.w[0].at, t.w[0].at
		for _, tp := range t.w {
			lo, hi = min(lo, tp.at), max(hi, tp.at)
		}
		span = max(span, int(hi-lo)+1)
		most = max(most, len(t.w))
	}
	rs := &resampler{
		src:   src,
		xw:    xw,
		yw:    yw,
		line:  image.NewRGBA(image.Rect(0, 0, src.Bounds().Dx(), 1)),
		ring:  make([]byte, span*4*len(xw)),
		rowOf: make([]int, span),
		rows:  make([][]byte, 0, most),
	}
	for i := range rs.rowOf {
		rs.rowOf[i] = -1
	}
	return rs
}

// mid returns source row sy resampled horizontally, computing it unless
// the ring still holds it.
func (rs *resampler) mid(sy int) []byte {
	n := 4 * len(rs.xw)
	slot := sy % len(rs.rowOf)
	out := rs.ring[slot*n : (slot+1)*n]
	if rs.rowOf[slot] == sy {
		return out
	}
	rs.rowOf[slot] = sy
	b := rs.src.Bounds()
	// One source row at a time in RGBA: a phone photo converted whole would
	// cost 4 bytes a pixel more than the board has to spare.
	draw.Draw(rs.line, rs.line.Rect, rs.src, image.Pt(b.Min.X, b.Min.Y+sy), draw.Src)
	row := rs.line.Pix
	for x, taps := range rs.xw {
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
	return out
}

// row writes output row y (premultiplied RGBA, 4*w bytes) into out.
func (rs *resampler) row(out []byte, y int) {
	taps := rs.yw[y].w
	rs.rows = rs.rows[:0]
	for _, t := range taps {
		rs.rows = append(rs.rows, rs.mid(int(t.at)))
	}
	for x := range len(rs.xw) {
		var r, g, bl, a int32
		for i, t := range taps {
			p := rs.rows[i][4*x:]
			r += int32(p[0]) * t.v
			g += int32(p[1]) * t.v
			bl += int32(p[2]) * t.v
			a += int32(p[3]) * t.v
		}
		storePremul(out[4*x:], r, g, bl, a)
	}
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

// nearestWeights gives each of n output samples the one source sample of
// m under its centre, at full weight: a whole enlargement (n = k·m) that
// repeats each pixel k times, as imaging's NearestNeighbor does.
func nearestWeights(m, n int) []taps {
	out := make([]taps, n)
	for i := range out {
		out[i] = taps{[]tap{{at: int32(min((2*i+1)*m/(2*n), m-1)), v: 1 << weightBits}}}
	}
	return out
}
