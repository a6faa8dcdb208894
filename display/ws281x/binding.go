//go:build ws281x

package ws281x

import (
	"fmt"

	ws2811 "github.com/rpi-ws281x/rpi-ws281x-go"
)

// Open initialises libws2811 with channel 0 on gpioPin (18 is PWM0, the
// usual choice) and, when opts.LEDs[1] > 0, channel 1 on opts.Pin1 (13 by
// default), and returns the matrix. The library passes colours through
// untouched (RGB order, full brightness, identity gamma table): order, gamma
// and brightness are done by Dev so they behave the same on every driver.
// Close releases the library.
func Open(gpioPin int, opts *Opts) (*Dev, error) {
	if opts == nil {
		return nil, fmt.Errorf("ws281x: nil Opts")
	}
	n := opts.LEDs
	if n == [2]int{} {
		n[0] = opts.Width * opts.Height
	}
	pin1 := opts.Pin1
	if pin1 == 0 {
		pin1 = 13
	}
	linear := make([]byte, 256)
	for i := range linear {
		linear[i] = byte(i)
	}
	// A fresh Channels slice: DefaultOptions' is shared.
	o := ws2811.Option{Frequency: ws2811.TargetFreq, DmaNum: ws2811.DefaultDmaNum, Channels: []ws2811.ChannelOption{
		{GpioPin: gpioPin, LedCount: n[0], Brightness: 255, StripeType: ws2811.WS2811StripRGB, Gamma: linear},
		{LedCount: 0},
	}}
	if n[1] > 0 {
		o.Channels[1] = ws2811.ChannelOption{GpioPin: pin1, LedCount: n[1], Brightness: 255, StripeType: ws2811.WS2811StripRGB, Gamma: linear}
	}
	s, err := ws2811.MakeWS2811(&o)
	if err != nil {
		return nil, fmt.Errorf("ws281x: make device on GPIO %d: %w", gpioPin, err)
	}
	if err := s.Init(); err != nil {
		return nil, fmt.Errorf("ws281x: init %d+%d LEDs on GPIO %d/%d: %w", n[0], n[1], gpioPin, pin1, err)
	}
	d, err := New(s, opts)
	if err != nil {
		s.Fini()
		return nil, err
	}
	return d, nil
}

var _ Strip = (*ws2811.WS2811)(nil)
