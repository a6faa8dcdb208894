package agent

import (
	"context"
	"fmt"
	"log"
	"strconv"
	"strings"
	"sync"
	"time"

	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/host/v3"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/display/brightness"
)

// dimmer keeps one LED board at the level its schedule, sensor and quiet
// hours call for.
type dimmer struct {
	name  string
	board brightness.Board
	ctl   *brightness.Controller

	mu     sync.Mutex
	level  uint8
	reason string
}

// newDimmer returns nil when the display has nothing to dim by: no place
// (latitude/longitude), no quiet hours, no sensor.
func newDimmer(cfg *Config, d DisplayConfig, board brightness.Board) (*dimmer, error) {
	if cfg.Latitude == 0 && cfg.Longitude == 0 && d.Quiet == "" && d.Sensor == "" {
		return nil, nil
	}
	quiet, err := brightness.ParseQuiet(d.Quiet)
	if err != nil {
		return nil, fmt.Errorf("quiet: %w", err)
	}
	o := brightness.Opts{Latitude: cfg.Latitude, Longitude: cfg.Longitude, Day: d.Day, Night: d.Night,
		Quiet: quiet, Location: content.ChinaTime,
		OnError: func(err error) { log.Printf("display %s: light sensor: %v (following the sun schedule)", d.Name, err) }}
	if d.Sensor != "" {
		addr := uint16(brightness.BH1750Addr)
		if _, a, ok := strings.Cut(d.Sensor, "@"); ok {
			v, err := strconv.ParseUint(a, 0, 16)
			if err != nil {
				return nil, fmt.Errorf("sensor %q: bad address", d.Sensor)
			}
			addr = uint16(v)
		}
		if _, err := host.Init(); err != nil {
			return nil, fmt.Errorf("sensor: periph host: %w", err)
		}
		bus, err := i2creg.Open(d.I2C)
		if err != nil {
			return nil, fmt.Errorf("sensor: open I²C bus %q: %w", d.I2C, err)
		}
		o.Sensor = brightness.NewBH1750(bus, addr)
	}
	ctl, err := brightness.New(o)
	if err != nil {
		return nil, err
	}
	return &dimmer{name: d.Name, board: board, ctl: ctl}, nil
}

// run re-evaluates every minute: the sun moves slowly, and a sensor is
// smoothed by the controller anyway.
func (m *dimmer) run(ctx context.Context, now func() time.Time) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		level, reason := m.ctl.Level(now())
		m.mu.Lock()
		changed := level != m.level || reason != m.reason
		m.level, m.reason = level, reason
		m.mu.Unlock()
		if changed {
			if err := brightness.Apply(m.board, level); err != nil {
				log.Printf("display %s: brightness %d: %v", m.name, level, err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (m *dimmer) status() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return fmt.Sprintf("%s：亮度 %d（%s）", m.name, m.level, m.reason)
}
