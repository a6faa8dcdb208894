//go:build ws281x

package agent

import (
	"periph.io/x/conn/v3/display"

	"github.com/sunboard/sunboard/display/ws281x"
	"github.com/sunboard/sunboard/render"
)

func openWS281x(d DisplayConfig, prof render.Profile) (display.Drawer, error) {
	pin := d.Pin
	if pin == 0 {
		pin = 18 // PWM0, the wiring every WS281x HAT uses
	}
	return ws281x.Open(pin, &ws281x.Opts{Width: prof.Width, Height: prof.Height, Map: d.Map,
		Order: d.Order, Brightness: d.Brightness, MaxMilliamps: d.MaxMilliamps, SupplyAmps: d.SupplyAmps})
}
