//go:build !ws281x

package agent

import (
	"errors"

	"periph.io/x/conn/v3/display"

	"github.com/sunboard/sunboard/render"
)

// openWS281x: the default build is pure Go (CGO_ENABLED=0), and WS281x over
// PWM needs cgo and libws2811. Drive WS2812 through kind = "spi" instead, or
// build with -tags ws281x on the Pi.
func openWS281x(DisplayConfig, render.Profile) (display.Drawer, error) {
	return nil, errors.New(`kind "ws281x" needs a build with -tags ws281x (cgo + libws2811); use kind "spi" for WS2812 on the pure-Go build`)
}
