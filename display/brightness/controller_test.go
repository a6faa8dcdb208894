package brightness

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/physic"
)

type fakeSensor struct {
	lux  []float64
	errs []error
	n    int
}

func (f *fakeSensor) Lux() (float64, error) {
	i := f.n
	f.n++
	return f.lux[i], f.errs[i]
}

func shouguang(t *testing.T, o Opts) *Controller {
	t.Helper()
	o.Latitude, o.Longitude, o.Location = 36.88, 118.74, china
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func june(hm string) time.Time {
	v, err := time.ParseInLocation("2006-01-02 15:04", "2026-06-21 "+hm, china)
	if err != nil {
		panic(err)
	}
	return v
}

func TestSchedule(t *testing.T) {
	c := shouguang(t, Opts{Day: 200, Night: 20})
	for _, tc := range []struct {
		at     string
		lo, hi uint8
		reason string
	}{
		{"02:00", 20, 20, "night"},
		{"04:14", 20, 20, "night"}, // civil dawn 04:15
		{"04:30", 80, 140, "civil twilight"},
		{"04:47", 200, 200, "day"}, // sunrise 04:46
		{"12:00", 200, 200, "day, sun 76"},
		{"19:43", 80, 140, "civil twilight"}, // halfway sunset 19:27 → dusk 19:58
		{"20:00", 20, 20, "night"},
	} {
		level, reason := c.Level(june(tc.at))
		if level < tc.lo || level > tc.hi || !strings.Contains(reason, tc.reason) {
			t.Errorf("Level(%s) = %d, %q; want %d..%d and %q", tc.at, level, reason, tc.lo, tc.hi, tc.reason)
		}
	}
	if _, reason := c.Level(june("12:00")); !strings.Contains(reason, "sunrise 04:45") && !strings.Contains(reason, "sunrise 04:46") {
		t.Errorf("reason %q does not give the day's sunrise", reason)
	}
	// A UTC instant is judged in the board's zone too.
	if l, _ := c.Level(june("12:00").UTC()); l != 200 {
		t.Errorf("Level(noon as UTC) = %d, want 200", l)
	}
}

func TestSensor(t *testing.T) {
	var reported []error
	s := &fakeSensor{
		lux:  []float64{10000, 10000, 100, 0.5, 0, 0, 50000, 0},
		errs: []error{nil, nil, nil, nil, errors.New("i2c nack"), errors.New("i2c nack"), nil, errors.New("bus gone")},
	}
	c := shouguang(t, Opts{Sensor: s, OnError: func(err error) { reported = append(reported, err) }})
	at := june("02:00") // night by the schedule: the sensor rules while it works
	for i, want := range []struct {
		level  uint8
		reason string
		err    bool
	}{
		{255, "ambient 10000 lx", false},
		{255, "ambient 10000 lx", false},
		{255, "ambient 10000 lx", false}, // median of 10000, 10000, 100
		{101, "ambient 100 lx", false},   // of 10000, 100, 0.5: 24 + (255-24)/3
		{24, "schedule (sensor failed): night", true},
		{24, "schedule (sensor failed): night", true},
		{255, "ambient 50000 lx", false},
		{24, "schedule (sensor failed)", true},
	} {
		level, reason := c.Level(at)
		if level != want.level || !strings.HasPrefix(reason, want.reason) || (c.Err() != nil) != want.err {
			t.Errorf("reading %d: Level = %d, %q, Err %v; want %d, %q, error %v", i, level, reason, c.Err(), want.level, want.reason, want.err)
		}
	}
	// Each run of failures is reported once.
	if len(reported) != 2 || reported[0].Error() != "i2c nack" || reported[1].Error() != "bus gone" {
		t.Errorf("reported %v, want [i2c nack, bus gone]", reported)
	}
}

func TestSensorFailsOverI2C(t *testing.T) {
	// A BH1750 on a bus that answers nothing: schedule, error reported once.
	var reported int
	bus := &failBus{}
	c := shouguang(t, Opts{Sensor: NewBH1750(bus, 0), OnError: func(error) { reported++ }})
	for range 3 {
		if l, r := c.Level(june("12:00")); l != 255 || !strings.Contains(r, "sensor failed") {
			t.Errorf("Level = %d, %q; want 255 by schedule", l, r)
		}
	}
	if reported != 1 || bus.n != 3 {
		t.Errorf("reported %d times after %d bus transactions, want 1 after 3", reported, bus.n)
	}
}

func TestQuiet(t *testing.T) {
	q, err := ParseQuiet("22:00-06:00 off; 11:00-13:00 DIM:10, 19:00-22:00 dim:100")
	if err != nil {
		t.Fatal(err)
	}
	c := shouguang(t, Opts{Quiet: q})
	for _, tc := range []struct {
		at     string
		level  uint8
		reason string
	}{
		{"23:00", 0, "quiet hours 22:00-06:00 off"},
		{"05:59", 0, "quiet hours 22:00-06:00 off"},
		{"06:00", 255, "schedule: day"},
		{"12:00", 10, "schedule: day, sun 76.5° (sunrise 04:46, sunset 19:28); quiet hours 11:00-13:00 dim:10"},
		{"19:10", 100, "quiet hours 19:00-22:00 dim:100"},
		{"21:00", 24, "night"}, // night is below the dim cap
	} {
		level, reason := c.Level(june(tc.at))
		if level != tc.level || !strings.Contains(reason, tc.reason) {
			t.Errorf("Level(%s) = %d, %q; want %d, %q", tc.at, level, reason, tc.level, tc.reason)
		}
	}
	if got := q[0].String() + " " + q[1].String(); got != "22:00-06:00 off 11:00-13:00 dim:10" {
		t.Errorf("String = %q", got)
	}
	for _, bad := range []string{"22:00 off", "22:00-06:00", "22:00-06:00 dim:0", "22:00-06:00 dim:256", "25:00-06:00 off", "22:00-22:00 off", "22:60-06:00 off", "x-y off"} {
		if _, err := ParseQuiet(bad); err == nil {
			t.Errorf("ParseQuiet(%q) = nil error", bad)
		}
	}
	if q, err := ParseQuiet(""); err != nil || q != nil {
		t.Errorf("ParseQuiet(\"\") = %v, %v", q, err)
	}
}

func TestNewErrors(t *testing.T) {
	for _, o := range []Opts{
		{Latitude: 91},
		{Longitude: -181},
		{DarkLux: 100, BrightLux: 10},
		{Quiet: []Quiet{{From: time.Hour, To: time.Hour}}},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) = nil error", o)
		}
	}
}

type failBus struct{ n int }

func (b *failBus) String() string { return "failbus" }
func (b *failBus) Tx(addr uint16, w, r []byte) error {
	b.n++
	return errors.New("no ACK")
}
func (b *failBus) SetSpeed(f physic.Frequency) error { return nil }

func TestSensorMedian(t *testing.T) {
	// Night, 2 lx; a car's headlights give one reading of 3000 lx; then dawn:
	// the median of 2, 500, 20000 lx is 500: 24 + log(50)/log(1000)·231 = 155.
	s := &fakeSensor{lux: []float64{2, 3000, 2, 2, 500, 20000, 20000}, errs: make([]error, 7)}
	c := shouguang(t, Opts{Sensor: s})
	var got []uint8
	for range 7 {
		l, _ := c.Level(june("02:00"))
		got = append(got, l)
	}
	if want := []uint8{24, 24, 24, 24, 24, 155, 255}; !slices.Equal(got, want) {
		t.Errorf("levels %v, want %v", got, want)
	}
}

func FuzzParseQuiet(f *testing.F) {
	for _, s := range []string{"22:00-06:00 off", "21:00-22:00 dim:10, 22:00-05:30 off", "24:00-01:00 dim:255", "22:00 off", "x-y off", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		qs, err := ParseQuiet(s)
		if err != nil {
			return
		}
		var parts []string
		for _, q := range qs {
			parts = append(parts, q.String())
		}
		again, err := ParseQuiet(strings.Join(parts, ", "))
		if err != nil || !slices.Equal(again, qs) {
			t.Errorf("ParseQuiet(%q) = %v; its String %q parses to %v, %v", s, qs, parts, again, err)
		}
		if _, err := New(Opts{Quiet: qs}); err != nil {
			t.Errorf("New rejects parsed quiet hours %v: %v", qs, err)
		}
	})
}
