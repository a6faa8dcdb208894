//go:build ws281x

package ws281x

import (
	"fmt"

	ws2811 "github.com/rpi-ws281x/rpi-ws281x-go"
)

// Open initialises libws2811 on gpioPin (18 is PWM0, the usual choice) with
// one channel of Width×Height LEDs and returns the matrix. The library is set
// to pass colours through untouched (RGB order, full brightness, linear):
// order, gamma and brightness are done by Dev so they behave the same on
// every driver. Close releases the library.
func Open(gpioPin int, opts *Opts) (*Dev, error) {
	if opts == nil {
		return nil, fmt.Errorf("ws281x: nil Opts")
	}
	o := ws2811.DefaultOptions
	o.Channels[0].GpioPin = gpioPin
	o.Channels[0].LedCount = opts.Width * opts.Height
	o.Channels[0].Brightness = 255
	o.Channels[0].StripeType = ws2811.WS2811StripRGB
	s, err := ws2811.MakeWS2811(&o)
	if err != nil {
		return nil, fmt.Errorf("ws281x: make device on GPIO %d: %w", gpioPin, err)
	}
	if err := s.Init(); err != nil {
		return nil, fmt.Errorf("ws281x: init %d LEDs on GPIO %d: %w", o.Channels[0].LedCount, gpioPin, err)
	}
	d, err := New(s, opts)
	if err != nil {
		s.Fini()
		return nil, err
	}
	return d, nil
}

var _ Strip = (*ws2811.WS2811)(nil)
