package led

import (
	"bytes"
	"image"
	"testing"
)

func TestTable(t *testing.T) {
	full := Table(255)
	if full[0] != 0 || full[255] != 255 {
		t.Errorf("Table(255) ends = %d, %d; want 0, 255", full[0], full[255])
	}
	for v := 1; v < 256; v++ {
		if full[v] < full[v-1] {
			t.Fatalf("Table(255) not monotonic at %d: %d < %d", v, full[v], full[v-1])
		}
	}
	// L* 50 is Y 0.184: mid grey input lights the LED at ~18 %, not 50 %.
	if got := full[128]; got < 45 || got > 49 {
		t.Errorf("Table(255)[128] = %d, want ≈ 47", got)
	}
	if half := Table(128); half[255] != full[128] {
		t.Errorf("Table(128)[255] = %d, want Table(255)[128] = %d", half[255], full[128])
	}
}

func frame2x2() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	copy(img.Pix, []byte{
		255, 0, 0, 255 /**/, 0, 255, 0, 255,
		0, 0, 255, 255 /**/, 255, 255, 255, 255,
	})
	return img
}

func TestWire(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Opts
		want []byte
	}{
		{"default GRB", Opts{}, []byte{0, 255, 0 /**/, 255, 0, 0 /**/, 0, 0, 255 /**/, 255, 255, 255}},
		{"RGB", Opts{Order: "rgb"}, []byte{255, 0, 0 /**/, 0, 255, 0 /**/, 0, 0, 255 /**/, 255, 255, 255}},
		{"BGR serpentine", Opts{Order: "BGR", Map: "serpentine"}, []byte{0, 0, 255 /**/, 0, 255, 0 /**/, 255, 255, 255 /**/, 255, 0, 0}},
		{"half brightness", Opts{Order: "RGB", Brightness: 128}, []byte{47, 0, 0 /**/, 0, 47, 0 /**/, 0, 0, 47 /**/, 47, 47, 47}},
		// 6 channels at 255 = 120 mA; a 60 mA cap halves every byte.
		{"current cap", Opts{Order: "RGB", MaxMilliamps: 60}, []byte{127, 0, 0 /**/, 0, 127, 0 /**/, 0, 0, 127 /**/, 127, 127, 127}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Width, tc.opts.Height = 2, 2
			p, err := New(&tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 3*p.Len())
			p.Wire(got, frame2x2())
			if !bytes.Equal(got, tc.want) {
				t.Errorf("Wire = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	for _, o := range []Opts{
		{Width: 2, Height: 2, Order: "RGGB"},
		{Width: 2, Height: 2, Order: "RRB"},
		{Width: 2, Height: 2, Map: "rotate:45"},
		{Width: 0, Height: 2},
		{Width: 2, Height: 2, MaxMilliamps: -1},
	} {
		if _, err := New(&o); err == nil {
			t.Errorf("New(%+v) = nil error", o)
		}
	}
}

func TestPowerBudget(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     Opts
		first    byte // wire byte of full red after the limit
		limited  uint64
		scale    float64
		lastmA   int
		budgetmA int
	}{
		// 2×2 frame: red, green, blue, white = 6 channels at 255.
		{"no cap", Opts{}, 255, 0, 1, 120, 0},
		{"cap not reached", Opts{MaxMilliamps: 120}, 255, 0, 1, 120, 120},
		{"MaxMilliamps halves", Opts{MaxMilliamps: 60}, 127, 1, 0.5, 120, 60},
		{"SupplyAmps halves", Opts{SupplyAmps: 0.06}, 127, 1, 0.5, 120, 60},
		{"smaller of the two", Opts{SupplyAmps: 1, MaxMilliamps: 30}, 63, 1, 0.25, 120, 30},
		// 30 mA per LED = 10 mA per channel: 60 mA estimated, fits 60.
		{"30 mA per LED", Opts{MilliampsPerLED: 30, MaxMilliamps: 60}, 255, 0, 1, 60, 60},
		// 4 LEDs idle at 5 mA = 20 mA off a 80 mA budget leaves 60 for 120.
		{"idle current", Opts{IdleMilliampsPerLED: 5, MaxMilliamps: 80}, 127, 1, 0.5, 140, 80},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Width, tc.opts.Height, tc.opts.Order = 2, 2, "RGB"
			p, err := New(&tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 3*p.Len())
			p.Wire(got, frame2x2())
			p.Wire(got, frame2x2())
			st := p.Stats()
			if got[0] != tc.first || st.Frames != 2 || st.Limited != 2*tc.limited || st.LastScale != tc.scale ||
				st.LastMilliamps != tc.lastmA || st.PeakMilliamps != tc.lastmA || st.BudgetMilliamps != tc.budgetmA {
				t.Errorf("red byte %d, stats %+v; want %d, limited %d, scale %g, %d mA, budget %d",
					got[0], st, tc.first, 2*tc.limited, tc.scale, tc.lastmA, tc.budgetmA)
			}
			// A black frame is never limited and resets LastScale.
			p.Wire(got, image.NewRGBA(image.Rect(0, 0, 2, 2)))
			if st := p.Stats(); st.LastScale != 1 || st.Limited != 2*tc.limited || st.PeakMilliamps != tc.lastmA {
				t.Errorf("after a black frame: %+v", st)
			}
		})
	}
	if _, err := New(&Opts{Width: 2, Height: 2, MaxMilliamps: 4, IdleMilliampsPerLED: 1}); err == nil {
		t.Error("budget below the idle current: nil error")
	}
	if _, err := New(&Opts{Width: 2, Height: 2, SupplyAmps: -1}); err == nil {
		t.Error("negative SupplyAmps: nil error")
	}
}
