package spi

import (
	"bytes"
	"image"
	"image/color"
	"path/filepath"
	"strings"
	"testing"

	"periph.io/x/conn/v3/spi/spitest"
)

// nrz encodes bytes the way a WS2812 reads them off a 2.5 MHz SPI line: each
// bit is four SPI bits, 1110 for a one and 1000 for a zero, MSB first, with
// three zero bytes of latch before and after.
func nrz(wire ...byte) []byte {
	out := []byte{0, 0, 0}
	for _, b := range wire {
		var v uint32
		for i := 7; i >= 0; i-- {
			v <<= 4
			if b>>i&1 == 1 {
				v |= 0xe
			} else {
				v |= 0x8
			}
		}
		out = append(out, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return append(out, 0, 0, 0)
}

func img2x2() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	copy(img.Pix, []byte{
		255, 0, 0, 255 /**/, 0, 255, 0, 255,
		0, 0, 255, 255 /**/, 255, 255, 255, 255,
	})
	return img
}

func TestDrawBytes(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Opts
		wire []byte // colour bytes in strip order, before NRZ
	}{
		{"default GRB", Opts{}, []byte{0, 255, 0 /**/, 255, 0, 0 /**/, 0, 0, 255 /**/, 255, 255, 255}},
		{"RGB", Opts{Order: "RGB"}, []byte{255, 0, 0 /**/, 0, 255, 0 /**/, 0, 0, 255 /**/, 255, 255, 255}},
		{"BRG serpentine", Opts{Order: "brg", Map: "serpentine"}, []byte{0, 255, 0 /**/, 0, 0, 255 /**/, 255, 255, 255 /**/, 255, 0, 0}},
		{"dim GRB", Opts{Brightness: 128}, []byte{0, 47, 0 /**/, 47, 0, 0 /**/, 0, 0, 47 /**/, 47, 47, 47}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &spitest.Record{}
			tc.opts.Width, tc.opts.Height = 2, 2
			d, err := New(rec, &tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Draw(d.Bounds(), img2x2(), image.Point{}); err != nil {
				t.Fatal(err)
			}
			if len(rec.Ops) != 1 {
				t.Fatalf("%d SPI transfers, want 1", len(rec.Ops))
			}
			if want := nrz(tc.wire...); !bytes.Equal(rec.Ops[0].W, want) {
				t.Errorf("SPI bytes\n got % x\nwant % x", rec.Ops[0].W, want)
			}
		})
	}
}

func TestHaltPartialClose(t *testing.T) {
	rec := &spitest.Record{}
	d, err := New(rec, &Opts{Width: 2, Height: 2, Order: "RGB"})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Draw(d.Bounds(), img2x2(), image.Point{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Draw(image.Rect(0, 0, 1, 1), &image.Uniform{color.Black}, image.Point{}); err != nil {
		t.Fatal(err)
	}
	if want := nrz(0, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255); !bytes.Equal(rec.Ops[1].W, want) {
		t.Errorf("after partial draw\n got % x\nwant % x", rec.Ops[1].W, want)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if want := nrz(make([]byte, 12)...); !bytes.Equal(rec.Ops[2].W, want) {
		t.Errorf("after Close\n got % x\nwant % x", rec.Ops[2].W, want)
	}
}

func TestNewErrors(t *testing.T) {
	for _, o := range []Opts{
		{Width: 2, Height: 2, Order: "RGBW"},
		{Width: 2, Height: 2, Map: "mirror:q"},
		{Width: -1, Height: 2},
	} {
		if _, err := New(&spitest.Record{}, &o); err == nil {
			t.Errorf("New(%+v) = nil error", o)
		}
	}
	if _, err := New(nil, &Opts{Width: 1, Height: 1}); err == nil {
		t.Error("New(nil port) = nil error")
	}
}

// TestOpenNoBus runs the real periph host path; build machines have no SPI.
func TestOpenNoBus(t *testing.T) {
	if m, _ := filepath.Glob("/dev/spidev*"); len(m) > 0 {
		t.Skipf("machine has SPI devices %v; not touching real hardware", m)
	}
	_, err := Open("SPI9.9", &Opts{Width: 2, Height: 2})
	if err == nil || !strings.Contains(err.Error(), `"SPI9.9"`) {
		t.Errorf("Open(SPI9.9) = %v, want an error naming the bus", err)
	}
}

func TestPowerBudget(t *testing.T) {
	rec := &spitest.Record{}
	// 6 channels at full = 120 mA at 60 mA per LED; a 0.06 A supply halves it.
	d, err := New(rec, &Opts{Width: 2, Height: 2, Order: "RGB", SupplyAmps: 0.06})
	if err != nil {
		t.Fatal(err)
	}
	if n, s := d.Limited(); n != 0 || s != 1 {
		t.Errorf("before any frame Limited() = %d, %g; want 0, 1", n, s)
	}
	if err := d.Draw(d.Bounds(), img2x2(), image.Point{}); err != nil {
		t.Fatal(err)
	}
	if want := nrz(127, 0, 0, 0, 127, 0, 0, 0, 127, 127, 127, 127); !bytes.Equal(rec.Ops[0].W, want) {
		t.Errorf("limited frame\n got % x\nwant % x", rec.Ops[0].W, want)
	}
	if err := d.Draw(d.Bounds(), &image.Uniform{color.RGBA{255, 0, 0, 255}}, image.Point{}); err != nil {
		t.Fatal(err) // 4 red LEDs = 80 mA: still over 60
	}
	if err := d.Draw(d.Bounds(), &image.Uniform{color.Black}, image.Point{}); err != nil {
		t.Fatal(err)
	}
	n, s := d.Limited()
	st := d.PowerStats()
	if n != 2 || s != 1 || st.Frames != 3 || st.PeakMilliamps != 120 || st.BudgetMilliamps != 60 {
		t.Errorf("Limited() = %d, %g, stats %+v; want 2 limited of 3, scale 1 after black, peak 120 mA, budget 60", n, s, st)
	}
}

func TestBlank(t *testing.T) {
	rec := &spitest.Record{}
	d, err := New(rec, &Opts{Width: 2, Height: 2, Order: "RGB"})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Draw(d.Bounds(), img2x2(), image.Point{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Blank(true); err != nil {
		t.Fatal(err)
	}
	_ = d.Draw(d.Bounds(), &image.Uniform{color.White}, image.Point{})
	_ = d.SetBrightness(10)
	_ = d.Blank(true)
	if len(rec.Ops) != 2 || !bytes.Equal(rec.Ops[1].W, nrz(make([]byte, 12)...)) {
		t.Fatalf("%d transfers while blank, want the first frame and one dark one", len(rec.Ops))
	}
	if err := d.SetBrightness(255); err != nil {
		t.Fatal(err)
	}
	if err := d.Blank(false); err != nil {
		t.Fatal(err)
	}
	if want := nrz(bytes.Repeat([]byte{255}, 12)...); len(rec.Ops) != 3 || !bytes.Equal(rec.Ops[2].W, want) {
		t.Errorf("after Blank(false): %d transfers, want 3 ending in the white picture", len(rec.Ops))
	}
}
