package ws281x

import (
	"errors"
	"image"
	"image/color"
	"slices"
	"testing"
	"time"

	"periph.io/x/conn/v3/display"
)

// fakeStrip records what each Render would have sent on channel 0 (renders)
// and channel 1 (renders1), and when.
type fakeStrip struct {
	leds, leds1 []uint32
	renders     [][]uint32
	renders1    [][]uint32
	at          []time.Duration // fake time of each render, if clock is set
	clock       *fakeClock
	failNext    error
	waits       int
	fini        bool
}

func (f *fakeStrip) Leds(ch int) []uint32 {
	switch ch {
	case 0:
		return f.leds
	case 1:
		return f.leds1
	}
	return nil
}

func (f *fakeStrip) Render() error {
	if err := f.failNext; err != nil {
		f.failNext = nil
		return err
	}
	f.renders = append(f.renders, slices.Clone(f.leds))
	f.renders1 = append(f.renders1, slices.Clone(f.leds1))
	if f.clock != nil {
		f.at = append(f.at, f.clock.now.Sub(f.clock.t0))
	}
	return nil
}
func (f *fakeStrip) Wait() error { f.waits++; return nil }
func (f *fakeStrip) Fini()       { f.fini = true }

func img2x2() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	copy(img.Pix, []byte{
		255, 0, 0, 255 /**/, 0, 255, 0, 255,
		0, 0, 255, 255 /**/, 255, 255, 255, 255,
	})
	return img
}

func TestDraw(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Opts
		want []uint32
	}{
		{"default GRB", Opts{}, []uint32{0x00ff00, 0xff0000, 0x0000ff, 0xffffff}},
		{"RGB", Opts{Order: "RGB"}, []uint32{0xff0000, 0x00ff00, 0x0000ff, 0xffffff}},
		{"serpentine", Opts{Order: "RGB", Map: "serpentine"}, []uint32{0xff0000, 0x00ff00, 0xffffff, 0x0000ff}},
		{"rotate 90", Opts{Order: "RGB", Map: "rotate:90"}, []uint32{0x0000ff, 0xff0000, 0xffffff, 0x00ff00}},
		{"mirror h", Opts{Order: "RGB", Map: "mirror:h"}, []uint32{0x00ff00, 0xff0000, 0xffffff, 0x0000ff}},
		{"dim", Opts{Order: "RGB", Brightness: 128}, []uint32{0x2f0000, 0x002f00, 0x00002f, 0x2f2f2f}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &fakeStrip{leds: make([]uint32, 5)} // one spare LED stays dark
			tc.opts.Width, tc.opts.Height = 2, 2
			d, err := New(s, &tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Draw(d.Bounds(), img2x2(), image.Point{}); err != nil {
				t.Fatal(err)
			}
			want := append(slices.Clone(tc.want), 0)
			if len(s.renders) != 1 || !slices.Equal(s.renders[0], want) {
				t.Errorf("rendered %06x, want %06x", s.renders, want)
			}
		})
	}
}

func TestPartialDrawHaltBrightness(t *testing.T) {
	s := &fakeStrip{leds: make([]uint32, 4)}
	d, err := New(s, &Opts{Width: 2, Height: 2, Order: "RGB"})
	if err != nil {
		t.Fatal(err)
	}
	var _ display.Drawer = d
	if err := d.Draw(d.Bounds(), img2x2(), image.Point{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(d.FramePeriod()) // the wire is free again
	// A draw.Draw-path source into the bottom-right pixel only.
	if err := d.Draw(image.Rect(1, 1, 2, 2), &image.Uniform{color.RGBA{0, 0, 0, 255}}, image.Point{}); err != nil {
		t.Fatal(err)
	}
	if got, want := s.renders[1], []uint32{0xff0000, 0x00ff00, 0x0000ff, 0}; !slices.Equal(got, want) {
		t.Errorf("after partial draw %06x, want %06x", got, want)
	}
	time.Sleep(d.FramePeriod())
	if err := d.SetBrightness(128); err != nil {
		t.Fatal(err)
	}
	if got := s.renders[2][0]; got != 0x2f0000 {
		t.Errorf("after SetBrightness(128) LED 0 = %06x, want 2f0000", got)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if got := s.renders[3]; !slices.Equal(got, make([]uint32, 4)) || s.waits != 1 || !s.fini {
		t.Errorf("Close: last render %06x, waits %d, fini %v", got, s.waits, s.fini)
	}
}

func TestErrors(t *testing.T) {
	if _, err := New(&fakeStrip{leds: make([]uint32, 3)}, &Opts{Width: 2, Height: 2}); err == nil {
		t.Error("New with a strip too short: nil error")
	}
	if _, err := New(&fakeStrip{leds: make([]uint32, 4)}, &Opts{Width: 2, Height: 2, Map: "chain:3x1"}); err == nil {
		t.Error("New with bad map: nil error")
	}
	if _, err := New(nil, &Opts{Width: 2, Height: 2}); err == nil {
		t.Error("New(nil strip): nil error")
	}
	s := &fakeStrip{leds: make([]uint32, 4)}
	d, _ := New(s, &Opts{Width: 2, Height: 2})
	s.failNext = errors.New("dma busy")
	if err := d.Draw(d.Bounds(), img2x2(), image.Point{}); err == nil {
		t.Error("Draw with failing Render: nil error")
	}
	if err := d.Draw(d.Bounds(), nil, image.Point{}); err == nil {
		t.Error("Draw(nil): nil error")
	}
}

type nopStrip struct{ leds []uint32 }

func (n *nopStrip) Leds(int) []uint32 { return n.leds }
func (n *nopStrip) Render() error     { return nil }
func (n *nopStrip) Wait() error       { return nil }
func (n *nopStrip) Fini()             {}
