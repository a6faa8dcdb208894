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
