// Package agent wires the village agent together: config, the sync loop
// (feed), the player and its displays, the local preview page. cmd/sunboard
// only parses flags and calls it.
package agent

import (
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/sunboard/sunboard/display/brightness"
	"github.com/sunboard/sunboard/player"

	"github.com/sunboard/sunboard/render"
)

// Config is the agent's TOML file.
type Config struct {
	Village string `toml:"village"` // "370783-101-001"
	Feed    string `toml:"feed"`    // base URL of the signed repository
	Root    string `toml:"root"`    // pinned trusted root.json
	State   string `toml:"state"`   // verified content, logs, keys
	// Listen is the local preview/status page; it stays on loopback unless
	// set otherwise, since it shows the board to whoever can reach it.
	Listen string `toml:"listen"`
	// Poll is the interval between syncs ("60s"); each wait is jittered so
	// a county's boards do not poll in step.
	Poll duration `toml:"poll"`
	// Doorbell is an optional MQTT broker (mqtt://host:1883) whose retained
	// message for this village triggers a sync at once: urgent notices
	// appear within seconds without every board polling fast.
	Doorbell string `toml:"doorbell"`
	// Fleet is the county's fleet server (sunpub serve): heartbeats,
	// screenshots and the proof-of-display log go there. Optional.
	Fleet string `toml:"fleet"`
	// Latitude and Longitude of the village square: LED boards dim after
	// sunset by the sun's position computed locally (no network needed).
	Latitude  float64         `toml:"latitude"`
	Longitude float64         `toml:"longitude"`
	Schedule  ScheduleConfig  `toml:"schedule"`
	Display   []DisplayConfig `toml:"display"`
	// MemoryLimitMB is the Go runtime's soft memory limit in MiB
	// (runtime/debug.SetMemoryLimit, set by ApplyMemoryLimit): as the heap
	// nears it the GC runs more often, instead of letting the heap grow to
	// twice what is live. 0 means DefaultMemoryLimitMB, -1 no limit; a
	// GOMEMLIMIT environment variable wins over both.
	MemoryLimitMB int `toml:"memory_limit_mb"`
}

// DefaultMemoryLimitMB keeps `sunboard render` of a 100-item village with
// 20 photos under 64 MB RSS on every display profile up to 1920x1080
// (go test -bench AgentRSS ./cmd/): a Pi Zero has 512 MB, shared with the
// GPU. A soft limit: when more is live the heap grows past it (the GC then
// takes at most about half the CPU), nothing fails.
const DefaultMemoryLimitMB = 40

// ApplyMemoryLimit sets the runtime's soft memory limit from
// MemoryLimitMB, unless GOMEMLIMIT is set, and returns the limit in force
// in bytes (math.MaxInt64: none).
func (c *Config) ApplyMemoryLimit() int64 {
	switch mb := c.MemoryLimitMB; {
	case os.Getenv("GOMEMLIMIT") != "":
	case mb < 0:
		debug.SetMemoryLimit(math.MaxInt64)
	case mb == 0:
		debug.SetMemoryLimit(DefaultMemoryLimitMB << 20)
	default:
		debug.SetMemoryLimit(int64(mb) << 20)
	}
	return debug.SetMemoryLimit(-1)
}

// DisplayConfig is one [[display]] table.
type DisplayConfig struct {
	Name    string `toml:"name"`
	Kind    string `toml:"kind"`    // sim | spi | apa102 | ws281x | fbdev | drm
	Size    string `toml:"size"`    // "128x64"
	Profile string `toml:"profile"` // led-mono | led-rgb | tv
	FPS     int    `toml:"fps"`
	// LED wiring (spi, apa102, ws281x).
	Bus          string  `toml:"bus"`           // spi, apa102: periph bus name, "" = first
	Pin          int     `toml:"pin"`           // ws281x: GPIO (18 = PWM0)
	Map          string  `toml:"map"`           // pixel mapping, e.g. "chain:2x1;serpentine"
	Order        string  `toml:"order"`         // colour order on the wire, default GRB
	Brightness   uint8   `toml:"brightness"`    // 1..255, 0 = full
	MaxMilliamps int     `toml:"max_milliamps"` // power supply budget
	SupplyAmps   float64 `toml:"supply_amps"`   // the supply's rating; frames are dimmed to stay under it
	// Brightness schedule (LED boards): day and night levels 1..255, quiet
	// hours like "22:00-06:00 off, 12:00-13:30 dim:40", and an optional
	// BH1750 light sensor on an I²C bus ("bh1750" or "bh1750@0x5c").
	Day    uint8  `toml:"day"`
	Night  uint8  `toml:"night"`
	Quiet  string `toml:"quiet"`
	Sensor string `toml:"sensor"`
	I2C    string `toml:"i2c"` // periph I²C bus name, "" = first
	// Device is the TV output's device: /dev/fb0 (fbdev) or /dev/dri/card0 (drm).
	Device string `toml:"device"`
	// Record (sim only) records what the display shows: a path ending in
	// .gif gets an animated GIF, any other path a directory of PNGs with
	// frames.csv. RecordSeconds is how long, 30 by default.
	Record        string `toml:"record"`
	RecordSeconds int    `toml:"record_seconds"`
	// Pitch is an LED board's distance between LED centres in mm (P10 =
	// 10): the preview draws sim boards to scale and gives their size.
	Pitch float64 `toml:"pitch"`
}

// ScheduleConfig is the [schedule] table: how the loop runs.
type ScheduleConfig struct {
	// Weights per major category, e.g. { "财务公开" = 2 }: finances come
	// round twice as often.
	Weights map[string]float64 `toml:"weights"`
	// UrgentEvery: how often urgent notices return between items ("3m").
	UrgentEvery duration `toml:"urgent_every"`
	// Dwell scales time on screen: 1.5 gives slower readers half again as
	// long on every page.
	Dwell float64 `toml:"dwell"`
}

func (s ScheduleConfig) schedule() player.Schedule {
	return player.Schedule{Weights: s.Weights, UrgentEvery: s.UrgentEvery.Duration, Dwell: s.Dwell}
}

type duration struct{ time.Duration }

func (d *duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like 60s or 5m", b)
	}
	d.Duration = v
	return nil
}

var (
	villagePattern = regexp.MustCompile(`^[0-9]{6}-[0-9]{3}-[0-9]{3}$`)
	namePattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
)

// LoadConfig reads and checks the config file, naming the key at fault.
func LoadConfig(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return ParseConfig(path, raw)
}

// ParseConfig parses config text; name is used in error messages.
func ParseConfig(name string, raw []byte) (*Config, error) {
	var c Config
	md, err := toml.Decode(string(raw), &c)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return nil, fmt.Errorf("%s:%d: %s", name, perr.Position.Line, perr.Message)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, k := range md.Undecoded() {
		return nil, fmt.Errorf("%s: unknown key %q", name, k.String())
	}
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("%s: %s: %s", name, key, fmt.Sprintf(format, args...))
	}
	switch {
	case !villagePattern.MatchString(c.Village):
		return nil, bad("village", "%q is not a village id like 370783-101-001", c.Village)
	case c.Feed == "":
		return nil, bad("feed", "missing (the URL `sunpub serve` publishes at)")
	case c.Root == "":
		return nil, bad("root", "missing (the pinned root.json from the county)")
	case c.State == "":
		return nil, bad("state", "missing (a directory on the SD card, e.g. /var/lib/sunboard)")
	}
	if c.Latitude < -90 || c.Latitude > 90 || c.Longitude < -180 || c.Longitude > 180 {
		return nil, bad("latitude/longitude", "%v,%v is not a place on Earth", c.Latitude, c.Longitude)
	}
	if c.MemoryLimitMB < -1 || c.MemoryLimitMB > 0 && c.MemoryLimitMB < 16 {
		return nil, bad("memory_limit_mb", "%d: use 16 or more (MiB), 0 for the default %d, -1 for none", c.MemoryLimitMB, DefaultMemoryLimitMB)
	}
	if c.Schedule.Dwell != 0 && (c.Schedule.Dwell < 0.5 || c.Schedule.Dwell > 5) {
		return nil, bad("schedule.dwell", "%v: use 0.5 to 5 (1 = the default reading time)", c.Schedule.Dwell)
	}
	for k, w := range c.Schedule.Weights {
		if w < 0 || w > 20 {
			return nil, bad("schedule.weights."+k, "%v: use 0 to 20", w)
		}
	}
	if c.Feed[len(c.Feed)-1] != '/' {
		c.Feed += "/"
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8401"
	}
	if c.Poll.Duration == 0 {
		c.Poll.Duration = time.Minute
	}
	if len(c.Display) == 0 {
		return nil, bad("display", "no [[display]] configured")
	}
	seen := map[string]bool{}
	for i, d := range c.Display {
		key := fmt.Sprintf("display[%d]", i)
		if !namePattern.MatchString(d.Name) || seen[d.Name] {
			return nil, bad(key+".name", "%q must be unique, letters/digits/-/_", d.Name)
		}
		seen[d.Name] = true
		switch d.Kind {
		case "sim", "spi", "apa102", "ws281x", "fbdev", "drm":
		default:
			return nil, bad(key+".kind", "%q: use sim, spi, apa102, ws281x, fbdev or drm", d.Kind)
		}
		if (d.Record != "" || d.RecordSeconds != 0) && d.Kind != "sim" {
			return nil, bad(key+".record", "only a sim display can be recorded, not %s", d.Kind)
		}
		if d.RecordSeconds < 0 || d.RecordSeconds > 600 {
			return nil, bad(key+".record_seconds", "%d: use 1 to 600", d.RecordSeconds)
		}
		if d.Pitch != 0 && (strings.EqualFold(strings.TrimSpace(d.Profile), "tv") || !(d.Pitch >= 0.5 && d.Pitch <= 100)) {
			return nil, bad(key+".pitch", "%v: an LED board's pitch in mm, 0.5 to 100 (P10 = 10)", d.Pitch)
		}
		if d.Kind == "apa102" && d.Order != "" {
			return nil, bad(key+".order", "%q: apa102 always sends B, G, R; leave order out", d.Order)
		}
		screen := d.Kind == "fbdev" || d.Kind == "drm"
		if screen && d.Profile != "tv" {
			return nil, bad(key+".profile", "%q: %s drives a TV, use profile \"tv\"", d.Profile, d.Kind)
		}
		// A TV output may leave the size to the screen it finds.
		if !(screen && d.Size == "") {
			if _, err := render.ParseProfile(d.Profile, d.Size); err != nil {
				return nil, bad(key, "%v", err)
			}
		}
		if _, err := brightness.ParseQuiet(d.Quiet); d.Quiet != "" && err != nil {
			return nil, bad(key+".quiet", "%v", err)
		}
		if d.Sensor != "" && !strings.HasPrefix(d.Sensor, "bh1750") {
			return nil, bad(key+".sensor", "%q: only bh1750 is supported", d.Sensor)
		}
	}
	return &c, nil
}
