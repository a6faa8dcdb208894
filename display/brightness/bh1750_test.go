package brightness

import (
	"testing"
	"time"

	"periph.io/x/conn/v3/i2c/i2ctest"
)

func TestBH1750(t *testing.T) {
	bus := &i2ctest.Playback{Ops: []i2ctest.IO{
		{Addr: 0x23, W: []byte{0x01}},       // power on
		{Addr: 0x23, W: []byte{0x10}},       // continuous high-res mode
		{Addr: 0x23, R: []byte{0x83, 0x90}}, // 33680 / 1.2 = 28066.67 lx
		{Addr: 0x23, R: []byte{0x00, 0x0c}}, // 12 / 1.2 = 10 lx
	}, DontPanic: true}
	s := NewBH1750(bus, 0)
	var slept []time.Duration
	s.sleep = func(d time.Duration) { slept = append(slept, d) }
	for _, want := range []float64{33680 / 1.2, 10} {
		got, err := s.Lux()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("Lux() = %g, want %g", got, want)
		}
	}
	if len(slept) != 1 || slept[0] != 180*time.Millisecond {
		t.Errorf("slept %v, want once 180ms after setting the mode", slept)
	}
	if err := bus.Close(); err != nil {
		t.Error(err)
	}
}

func TestBH1750ErrorReinit(t *testing.T) {
	bus := &i2ctest.Playback{Ops: []i2ctest.IO{
		{Addr: 0x5c, W: []byte{0x01}},
		{Addr: 0x5c, W: []byte{0x10}},
		{Addr: 0x5c, R: []byte{0x00, 0x78}}, // 120 / 1.2 = 100 lx
	}, DontPanic: true}
	s := NewBH1750(bus, BH1750AltAddr)
	s.sleep = func(time.Duration) {}
	if got, err := s.Lux(); err != nil || got != 100 {
		t.Fatalf("Lux() = %g, %v; want 100", got, err)
	}
	// The bus now fails (Playback is exhausted): an error naming the sensor,
	// and the next try starts over with power-on.
	if _, err := s.Lux(); err == nil {
		t.Fatal("Lux() on a failing bus: nil error")
	}
	bus.Ops = append(bus.Ops,
		i2ctest.IO{Addr: 0x5c, W: []byte{0x01}},
		i2ctest.IO{Addr: 0x5c, W: []byte{0x10}},
		i2ctest.IO{Addr: 0x5c, R: []byte{0xff, 0xff}})
	if got, err := s.Lux(); err != nil || got != 65535/1.2 {
		t.Errorf("Lux() after recovery = %g, %v; want %g", got, err, 65535/1.2)
	}
}
