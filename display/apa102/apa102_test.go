package apa102

import (
	"bytes"
	"image"
	"image/color"
	"path/filepath"
	"strings"
	"testing"

	"periph.io/x/conn/v3/conntest"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spitest"
)

// wire is what an APA102 chain reads for LEDs given as R, G, B triples in
// strip order: a zero start frame, 0xFF (global brightness 31) then B, G, R
// per LED, and an end frame of n/16+1 bytes of 0xFF.
func wire(rgb ...byte) []byte {
	out := []byte{0, 0, 0, 0}
	n := len(rgb) / 3
	for i := range n {
		out = append(out, 0xFF, rgb[3*i+2], rgb[3*i+1], rgb[3*i])
	}
	return append(out, bytes.Repeat([]byte{0xFF}, n/16+1)...)
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
		rgb  []byte // LED colours in strip order
	}{
		{"plain", Opts{}, []byte{255, 0, 0 /**/, 0, 255, 0 /**/, 0, 0, 255 /**/, 255, 255, 255}},
		{"serpentine", Opts{Map: "serpentine"}, []byte{255, 0, 0 /**/, 0, 255, 0 /**/, 255, 255, 255 /**/, 0, 0, 255}},
		{"rotate 90", Opts{Map: "rotate:90"}, []byte{0, 0, 255 /**/, 255, 0, 0 /**/, 255, 255, 255 /**/, 0, 255, 0}},
		{"dim", Opts{Brightness: 128}, []byte{47, 0, 0 /**/, 0, 47, 0 /**/, 0, 0, 47 /**/, 47, 47, 47}},
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
			if want := wire(tc.rgb...); !bytes.Equal(rec.Ops[0].W, want) {
				t.Errorf("SPI bytes\n got % x\nwant % x", rec.Ops[0].W, want)
			}
		})
	}
}

// TestPlayback replays the exact transfers of a draw, a partial draw, a
// non-RGBA draw and Close: Playback panics on any other byte.
func TestPlayback(t *testing.T) {
	halt := []byte{0, 0, 0, 0, 0xE1, 0, 0, 0, 0xE1, 0, 0, 0, 0xE1, 0, 0, 0, 0xE1, 0, 0, 0, 0xFF}
	pb := &spitest.Playback{Playback: conntest.Playback{Ops: []conntest.IO{
		{W: wire(255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255)},
		{W: wire(255, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255)},
		{W: wire(0x0F, 0x2A, 0x4A, 0x0F, 0x2A, 0x4A, 0x0F, 0x2A, 0x4A, 0x0F, 0x2A, 0x4A)},
		{W: halt},
	}}}
	d, err := New(pb, &Opts{Width: 2, Height: 2, Brightness: 255})
	if err != nil {
		t.Fatal(err)
	}
	// Lightness correction is the identity only at 0 and 255: 0x4B, 0x79,
	// 0x9B (L* 29.4, 47.5, 60.8) leave as 0x0F, 0x2A, 0x4A.
	if err := d.Draw(d.Bounds(), img2x2(), image.Point{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Draw(image.Rect(1, 0, 2, 1), &image.Uniform{color.Black}, image.Point{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Draw(d.Bounds(), &image.Uniform{color.NRGBA{0x4B, 0x79, 0x9B, 0xFF}}, image.Point{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pb.Close(); err != nil {
		t.Fatal(err)
	}
}

// port records how the driver connects.
type port struct {
	spitest.Record
	f     physic.Frequency
	mode  spi.Mode
	limit physic.Frequency
}

func (p *port) Connect(f physic.Frequency, mode spi.Mode, bits int) (spi.Conn, error) {
	p.f, p.mode = f, mode
	return p.Record.Connect(f, mode, bits)
}

func (p *port) LimitSpeed(f physic.Frequency) error { p.limit = f; return nil }

func TestConnectAndSpeed(t *testing.T) {
	p := &port{}
	d, err := New(p, &Opts{Width: 8, Height: 4, Hz: 4 * physic.MegaHertz})
	if err != nil {
		t.Fatal(err)
	}
	if p.mode != spi.Mode3 || p.f != 20*physic.MegaHertz || p.limit != 4*physic.MegaHertz {
		t.Errorf("connected at %s mode %v, limited to %s; want 20MHz mode 3 limited to 4MHz", p.f, p.mode, p.limit)
	}
	if err := d.Draw(d.Bounds(), &image.Uniform{color.White}, image.Point{}); err != nil {
		t.Fatal(err)
	}
	// 32 LEDs: 4 + 128 bytes, then 32/16+1 = 3 bytes of end frame.
	if got := p.Ops[0].W; len(got) != 135 || !bytes.Equal(got[132:], []byte{0xFF, 0xFF, 0xFF}) {
		t.Errorf("frame of %d bytes ending % x", len(got), got[len(got)-3:])
	}
	if !strings.Contains(d.String(), "8x4") {
		t.Errorf("String() = %s", d)
	}
}

func TestPowerBudgetAndBlank(t *testing.T) {
	rec := &spitest.Record{}
	// 6 channels at full = 120 mA at 60 mA per LED; a 0.06 A supply halves it.
	d, err := New(rec, &Opts{Width: 2, Height: 2, SupplyAmps: 0.06})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Draw(d.Bounds(), img2x2(), image.Point{}); err != nil {
		t.Fatal(err)
	}
	if want := wire(127, 0, 0, 0, 127, 0, 0, 0, 127, 127, 127, 127); !bytes.Equal(rec.Ops[0].W, want) {
		t.Errorf("limited frame\n got % x\nwant % x", rec.Ops[0].W, want)
	}
	if n, s := d.Limited(); n != 1 || s >= 1 {
		t.Errorf("Limited() = %d, %g", n, s)
	}
	if err := d.Blank(true); err != nil {
		t.Fatal(err)
	}
	_ = d.Draw(d.Bounds(), &image.Uniform{color.RGBA{0, 0, 40, 255}}, image.Point{}) // L* 15.7: 5 of 255
	_ = d.SetBrightness(10)
	if len(rec.Ops) != 2 || rec.Ops[1].W[4] != 0xE1 {
		t.Fatalf("%d transfers while blank, want the first frame and one dark one", len(rec.Ops))
	}
	if err := d.SetBrightness(0); err != nil {
		t.Fatal(err)
	}
	if err := d.Blank(false); err != nil {
		t.Fatal(err)
	}
	if want := wire(0, 0, 5, 0, 0, 5, 0, 0, 5, 0, 0, 5); len(rec.Ops) != 3 || !bytes.Equal(rec.Ops[2].W, want) {
		t.Errorf("after Blank(false): %d transfers, last % x, want % x", len(rec.Ops), rec.Ops[len(rec.Ops)-1].W, want)
	}
}

func TestNewErrors(t *testing.T) {
	for _, o := range []Opts{
		{Width: 2, Height: 2, Map: "mirror:q"},
		{Width: -1, Height: 2},
		{Width: 2, Height: 2, SupplyAmps: -1},
	} {
		if _, err := New(&spitest.Record{}, &o); err == nil {
			t.Errorf("New(%+v) = nil error", o)
		}
	}
	if _, err := New(nil, &Opts{Width: 1, Height: 1}); err == nil {
		t.Error("New(nil port) = nil error")
	}
	if err := (&Dev{}).Draw(image.Rect(0, 0, 1, 1), nil, image.Point{}); err == nil {
		t.Error("Draw(nil) = nil error")
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
