package brightness

import (
	"fmt"
	"log"
	"math"
	"slices"
	"sync"
	"time"
)

// Opts configures a Controller.
type Opts struct {
	// Latitude and Longitude of the board in degrees, north and east positive.
	Latitude, Longitude float64
	// Day is the level in daylight (0 means 255), Night the level after
	// civil dusk (0 means 24). The schedule ramps linearly between them
	// while the sun is between -6° and sunrise altitude.
	Day, Night uint8
	// Sensor, when set, decides the level while it works: DarkLux or less
	// gives Night, BrightLux or more gives Day, logarithmic in between.
	// Defaults 10 lx (dusk) and 10,000 lx (overcast daylight). The level
	// follows the median of the last three readings (the lower of two), so
	// one car's headlights or a shadow does not flash the board.
	Sensor             Sensor
	DarkLux, BrightLux float64
	// Quiet hours in Location (see ParseQuiet).
	Quiet []Quiet
	// Location is the time zone of quiet hours and of the times in reasons;
	// nil means time.Local.
	Location *time.Location
	// OnError is told the first error of each run of sensor failures; nil
	// logs it. Until the sensor reads again, the schedule decides.
	OnError func(error)
}

// Controller picks a board's brightness. It is safe for concurrent use.
type Controller struct {
	o Opts

	mu     sync.Mutex
	err    error     // the sensor's last error, nil while it works
	recent []float64 // the last readings since the sensor last failed, ≤ 3
}

// New validates o and returns a Controller.
func New(o Opts) (*Controller, error) {
	if !(o.Latitude >= -90 && o.Latitude <= 90 && o.Longitude >= -180 && o.Longitude <= 180) {
		return nil, fmt.Errorf("brightness: latitude %g, longitude %g out of range", o.Latitude, o.Longitude)
	}
	if o.Day == 0 {
		o.Day = 255
	}
	if o.Night == 0 {
		o.Night = 24
	}
	if o.DarkLux == 0 {
		o.DarkLux = 10
	}
	if o.BrightLux == 0 {
		o.BrightLux = 10000
	}
	if !(o.DarkLux > 0 && o.BrightLux > o.DarkLux) || math.IsInf(o.BrightLux, 0) {
		return nil, fmt.Errorf("brightness: want 0 < DarkLux < BrightLux, got %g, %g", o.DarkLux, o.BrightLux)
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	for _, q := range o.Quiet {
		if q.From < 0 || q.To < 0 || q.From > 24*time.Hour || q.To > 24*time.Hour || q.From == q.To {
			return nil, fmt.Errorf("brightness: bad quiet hours %v", q)
		}
	}
	if o.OnError == nil {
		o.OnError = func(err error) {
			log.Printf("brightness: ambient-light sensor failed, using the sun schedule: %v", err)
		}
	}
	return &Controller{o: o}, nil
}

// Level returns the brightness for now, 1..255, or 0 when the board should
// be off, and a short reason for logs and the operator's console.
func (c *Controller) Level(now time.Time) (level uint8, reason string) {
	level, reason = c.ambient(now)
	tod := now.In(c.o.Location)
	since := time.Duration(tod.Hour())*time.Hour + time.Duration(tod.Minute())*time.Minute + time.Duration(tod.Second())*time.Second
	for _, q := range c.o.Quiet {
		if !q.contains(since) {
			continue
		}
		if q.Level == 0 {
			return 0, "quiet hours " + q.String()
		}
		if q.Level < level {
			level = q.Level
		}
		reason += "; quiet hours " + q.String()
		break
	}
	return level, reason
}

// Err returns the sensor's last error, nil while it works or if there is none.
func (c *Controller) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *Controller) ambient(now time.Time) (uint8, string) {
	if c.o.Sensor == nil {
		return c.schedule(now, "")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	lux, err := c.o.Sensor.Lux()
	if err == nil && (math.IsNaN(lux) || lux < 0) {
		err = fmt.Errorf("implausible reading %g lx", lux)
	}
	if err != nil {
		if c.err == nil {
			c.o.OnError(err)
		}
		c.err = err
		c.recent = c.recent[:0]
		return c.schedule(now, " (sensor failed)")
	}
	c.err = nil
	if len(c.recent) == 3 {
		c.recent = c.recent[1:]
	}
	c.recent = append(c.recent, lux)
	sorted := slices.Sorted(slices.Values(c.recent))
	lux = sorted[(len(sorted)-1)/2]
	f := (math.Log(max(lux, c.o.DarkLux)) - math.Log(c.o.DarkLux)) / (math.Log(c.o.BrightLux) - math.Log(c.o.DarkLux))
	return c.mix(f), fmt.Sprintf("ambient %.0f lx", lux)
}

func (c *Controller) schedule(now time.Time, note string) (uint8, string) {
	e := Elevation(c.o.Latitude, c.o.Longitude, now)
	f := (e - CivilAltitude) / (SunriseAltitude - CivilAltitude)
	var what string
	switch {
	case f >= 1:
		what = "day"
	case f <= 0:
		what = "night"
	default:
		what = "civil twilight"
	}
	s := SunTimes(c.o.Latitude, c.o.Longitude, now.In(c.o.Location))
	hm := func(t time.Time) string {
		if t.IsZero() {
			return "none"
		}
		return t.Round(time.Minute).Format("15:04")
	}
	return c.mix(f), fmt.Sprintf("schedule%s: %s, sun %.1f° (sunrise %s, sunset %s)", note, what, e, hm(s.Sunrise), hm(s.Sunset))
}

// mix interpolates between Night (f ≤ 0) and Day (f ≥ 1); never 0.
func (c *Controller) mix(f float64) uint8 {
	f = max(0, min(1, f))
	v := math.Round(float64(c.o.Night) + f*(float64(c.o.Day)-float64(c.o.Night)))
	return uint8(max(1, v))
}

// Board is a display whose brightness Apply sets; the ws281x and spi Devs
// implement it.
type Board interface {
	SetBrightness(level uint8) error
	// Blank(true) keeps the board dark, whatever is drawn, until Blank(false).
	Blank(off bool) error
}

// Apply puts level on b: 0 blanks the board, any other level sets it and
// unblanks the board, sending the picture once.
func Apply(b Board, level uint8) error {
	if level == 0 {
		return b.Blank(true)
	}
	if err := b.SetBrightness(level); err != nil {
		return err
	}
	return b.Blank(false)
}
