package render

import (
	"image"
	"testing"
	"time"
)

func TestMarquee(t *testing.T) {
	v := sampleVillage()
	cases := []struct {
		profile, size string
		item          int
		speed         int64 // px/s
	}{
		{"led-rgb", "192x16", 3, 40},  // 低保 table: names and amounts
		{"led-rgb", "192x16", 4, 40},  // urgent notice
		{"led-mono", "128x12", 1, 32}, // finance table, 12 px face (13 px pitch)
	}
	for _, tc := range cases {
		r := mustRenderer(t, tc.profile, tc.size)
		if !r.marquee() {
			t.Fatalf("%s %s: not a marquee board", tc.profile, tc.size)
		}
		it := v.Items[tc.item]
		ps, err := r.Item(v, it)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 1 {
			t.Fatalf("%d pages, want one strip", len(ps))
		}
		p := ps[0]
		name := tc.profile + "-" + tc.size + "-" + it.ID
		if p.Image != nil || p.paint == nil {
			t.Fatalf("%s: not lazy", name)
		}
		strip := p.Strip()
		if strip.Rect.Dy() != r.p.Height || strip.Rect.Dx() <= r.p.Width {
			t.Errorf("%s: strip %v", name, strip.Rect)
		}
		golden(t, name+"-strip", strip)
		if p.speed != tc.speed {
			t.Errorf("%s: %d px/s, want %d", name, p.speed, tc.speed)
		}
		dst := image.NewRGBA(image.Rect(0, 0, r.p.Width, r.p.Height))
		p.Frame(dst, marqueeHold+3*time.Second)
		golden(t, name+"-frame", dst)
		// The frame is the strip window at speed × 3 s.
		off := int(3 * tc.speed)
		for y := 0; y < r.p.Height; y++ {
			for x := 0; x < r.p.Width; x++ {
				if dst.RGBAAt(x, y) != strip.RGBAAt(off+x, y) {
					t.Fatalf("%s: frame pixel (%d,%d) is not strip (%d,%d)", name, x, y, off+x, y)
				}
			}
		}
		// Speed is independent of frame rate: the offset depends on t only,
		// so 25 and 60 fps sample the same line, and it moves right to left.
		for _, fps := range []int{25, 60, 144} {
			step := time.Second / time.Duration(fps)
			prev := 0
			for tt := time.Duration(0); tt < p.Duration(); tt += step {
				o := p.marqueeOffset(tt)
				if o < prev {
					t.Fatalf("%s at %d fps: offset went back %d -> %d", name, fps, prev, o)
				}
				prev = o
			}
		}
		if got, want := p.marqueeOffset(marqueeHold+2*time.Second), int(2*tc.speed); got != want {
			t.Errorf("%s: offset after 2 s = %d, want %d", name, got, want)
		}
		// The text has left the board when the page ends; ~150 hanzi/min.
		if o := p.marqueeOffset(p.Duration()); o < strip.Rect.Dx()-max(r.p.Width, 4*r.marqueeFace().width("中"))-1 {
			t.Errorf("%s: at the end offset %d of %d: text still on the board", name, o, strip.Rect.Dx())
		}
		// Wrap-around frames (the strip's end and start) are copied too.
		p.Frame(dst, marqueeHold+time.Duration(strip.Rect.Dx()-r.p.Width/2)*time.Second/time.Duration(tc.speed))
		settle(p)
		n := steadyAllocs(200, func() {
			p.Frame(dst, 5*time.Second)
		})
		if n != 0 {
			t.Errorf("%s: %v allocs/frame, want 0", name, n)
		}
	}
	// Idle on a single-line board is a marquee too.
	r := mustRenderer(t, "led-rgb", "128x16")
	idle := r.Idle(v, day(2026, 11, 22))
	if idle.speed == 0 || idle.Strip().Rect.Dy() != 16 {
		t.Errorf("idle on 128x16: speed %d, %v", idle.speed, idle.Strip().Rect)
	}
}

func BenchmarkFrameMarquee(b *testing.B) {
	v := sampleVillage()
	r := mustRenderer(b, "led-rgb", "192x16")
	ps, err := r.Item(v, v.Items[1])
	if err != nil {
		b.Fatal(err)
	}
	dst := image.NewRGBA(image.Rect(0, 0, 192, 16))
	tt := time.Duration(0)
	b.ReportAllocs()
	for b.Loop() {
		ps[0].Frame(dst, tt)
		tt += 20 * time.Millisecond
	}
}
