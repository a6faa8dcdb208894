// Package brightness decides how bright an outdoor LED board should be: from
// an ambient-light sensor (a BH1750 over I²C) when it works, else from a
// day/night schedule computed from the village's latitude and longitude,
// with ramps through civil twilight; quiet hours turn a board off or dim it.
//
// The agent calls Controller.Level once a minute and passes the level to the
// board's SetBrightness; level 0 means the board should be off (Halt).
package brightness

import (
	"math"
	"time"
)

// Sun altitudes (degrees) of the events SunTimes computes: the centre of the
// sun at -0.833° is sunrise/sunset (34′ of refraction plus the 16′ radius),
// at -6° civil dawn/dusk.
const (
	SunriseAltitude = -0.833
	CivilAltitude   = -6
)

// Sun holds one day's events. An event that does not happen that day (polar
// day or night) is the zero Time.
type Sun struct {
	Dawn, Sunrise, Noon, Sunset, Dusk time.Time
}

// SunTimes computes the sun's events on the calendar day of day in its
// location, for latitude lat (north positive) and longitude lon (east
// positive), with NOAA's solar calculator equations (Meeus, "Astronomical
// Algorithms", low-precision series; good to about a minute between ±72°).
// The times are in day's location.
func SunTimes(lat, lon float64, day time.Time) Sun {
	loc := day.Location()
	y, m, d := day.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	// Solar noon near the local day: UTC midnight of the same date plus
	// (720 - 4·lon) minutes, refined with the equation of time.
	noon := midnight.Add(minutes(720 - 4*lon))
	for range 2 {
		_, eot := solar(noon)
		noon = midnight.Add(minutes(720 - 4*lon - eot))
	}
	s := Sun{Noon: noon.In(loc)}
	s.Dawn = event(lat, lon, midnight, noon, CivilAltitude, -1, loc)
	s.Sunrise = event(lat, lon, midnight, noon, SunriseAltitude, -1, loc)
	s.Sunset = event(lat, lon, midnight, noon, SunriseAltitude, +1, loc)
	s.Dusk = event(lat, lon, midnight, noon, CivilAltitude, +1, loc)
	return s
}

// event finds when the sun crosses alt before (dir -1) or after (+1) noon,
// recomputing the sun's position at the estimate twice.
func event(lat, lon float64, midnight, noon time.Time, alt float64, dir float64, loc *time.Location) time.Time {
	t := noon
	for range 3 {
		decl, eot := solar(t)
		ha, ok := hourAngle(lat, decl, alt)
		if !ok {
			return time.Time{}
		}
		t = midnight.Add(minutes(720 - 4*lon - eot + dir*4*ha))
	}
	return t.In(loc)
}

// hourAngle returns the hour angle in degrees at which the sun of
// declination decl stands at altitude alt; ok is false if it never does.
func hourAngle(lat, decl, alt float64) (float64, bool) {
	c := (math.Sin(rad(alt)) - math.Sin(rad(lat))*math.Sin(rad(decl))) / (math.Cos(rad(lat)) * math.Cos(rad(decl)))
	if c < -1 || c > 1 {
		return 0, false
	}
	return deg(math.Acos(c)), true
}

// Elevation returns the sun's geometric altitude in degrees at t (no
// refraction: compare with SunriseAltitude and CivilAltitude).
func Elevation(lat, lon float64, t time.Time) float64 {
	decl, eot := solar(t)
	u := t.UTC()
	mins := float64(u.Hour()*60+u.Minute()) + float64(u.Second())/60 + float64(u.Nanosecond())/6e10
	ha := (mins+eot+4*lon)/4 - 180
	s := math.Sin(rad(lat))*math.Sin(rad(decl)) + math.Cos(rad(lat))*math.Cos(rad(decl))*math.Cos(rad(ha))
	return deg(math.Asin(max(-1, min(1, s))))
}

// solar returns the sun's declination (degrees) and the equation of time
// (minutes) at t, from the NOAA spreadsheet's series.
func solar(t time.Time) (decl, eot float64) {
	jd := float64(t.UnixNano())/86400e9 + 2440587.5
	jc := (jd - 2451545) / 36525
	l0 := math.Mod(280.46646+jc*(36000.76983+jc*0.0003032), 360)
	m := 357.52911 + jc*(35999.05029-0.0001537*jc)
	e := 0.016708634 - jc*(0.000042037+0.0000001267*jc)
	c := math.Sin(rad(m))*(1.914602-jc*(0.004817+0.000014*jc)) +
		math.Sin(rad(2*m))*(0.019993-0.000101*jc) + math.Sin(rad(3*m))*0.000289
	omega := 125.04 - 1934.136*jc
	appLong := l0 + c - 0.00569 - 0.00478*math.Sin(rad(omega))
	meanObliq := 23 + (26+(21.448-jc*(46.815+jc*(0.00059-jc*0.001813)))/60)/60
	obliq := meanObliq + 0.00256*math.Cos(rad(omega))
	decl = deg(math.Asin(math.Sin(rad(obliq)) * math.Sin(rad(appLong))))
	y := math.Pow(math.Tan(rad(obliq/2)), 2)
	eot = 4 * deg(y*math.Sin(rad(2*l0))-2*e*math.Sin(rad(m))+4*e*y*math.Sin(rad(m))*math.Cos(rad(2*l0))-
		0.5*y*y*math.Sin(rad(4*l0))-1.25*e*e*math.Sin(rad(2*m)))
	return decl, eot
}

func rad(d float64) float64 { return d * math.Pi / 180 }
func deg(r float64) float64 { return r * 180 / math.Pi }
func minutes(m float64) time.Duration {
	return time.Duration(math.Round(m * float64(time.Minute)))
}
