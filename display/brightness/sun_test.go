package brightness

import (
	"math"
	"testing"
	"time"
)

var china = time.FixedZone("CST", 8*3600)

// Reference times from astronomy-engine 2.1.19 (Don Cross; VSOP87-based,
// npm "astronomy-engine"): SearchRiseSet for sunrise/sunset (upper limb with
// standard refraction) and SearchAltitude(-6) for civil dawn/dusk, observer
// at sea level, printed in UTC+8 (/tmp script: new Observer(lat, lon, 0),
// search start at local midnight). An independent, higher-precision model,
// not the NOAA series under test; the tolerance is 30 s (measured: within 3 s).
func TestSunTimes(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05", s, china)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		place                       string
		lat, lon                    float64
		day                         string
		dawn, sunrise, sunset, dusk string
	}{
		{"Shouguang", 36.88, 118.74, "2026-06-21", "04:15:11", "04:46:00", "19:27:33", "19:58:22"},
		{"Shouguang", 36.88, 118.74, "2026-12-21", "06:44:58", "07:13:57", "16:51:54", "17:20:54"},
		{"Shouguang", 36.88, 118.74, "2026-03-20", "05:43:28", "06:09:18", "18:16:26", "18:42:18"},
		{"Lianyuan", 27.69, 111.66, "2026-06-21", "05:11:35", "05:38:15", "19:31:57", "19:58:37"},
		{"Lianyuan", 27.69, 111.66, "2026-12-21", "06:53:50", "07:19:32", "17:42:59", "18:08:41"},
	} {
		t.Run(tc.place+" "+tc.day, func(t *testing.T) {
			// Any instant of the day gives that day's events.
			s := SunTimes(tc.lat, tc.lon, at(tc.day+" 23:59:00"))
			for _, ev := range []struct {
				name string
				got  time.Time
				want string
			}{{"dawn", s.Dawn, tc.dawn}, {"sunrise", s.Sunrise, tc.sunrise}, {"sunset", s.Sunset, tc.sunset}, {"dusk", s.Dusk, tc.dusk}} {
				want := at(tc.day + " " + ev.want)
				if d := ev.got.Sub(want); math.Abs(d.Seconds()) > 30 || ev.got.Location() != china {
					t.Errorf("%s = %v, want %v (off by %v)", ev.name, ev.got, want, d)
				}
			}
			if !(s.Dawn.Before(s.Sunrise) && s.Sunrise.Before(s.Noon) && s.Noon.Before(s.Sunset) && s.Sunset.Before(s.Dusk)) {
				t.Errorf("events out of order: %+v", s)
			}
			if e := Elevation(tc.lat, tc.lon, s.Sunrise); math.Abs(e-SunriseAltitude) > 0.02 {
				t.Errorf("Elevation at sunrise = %.3f°, want %.3f°", e, SunriseAltitude)
			}
		})
	}
}

func TestSunPolar(t *testing.T) {
	// Svalbard: midnight sun in June, polar night in December.
	june := SunTimes(78.2, 15.6, time.Date(2026, 6, 21, 12, 0, 0, 0, time.UTC))
	if !june.Sunrise.IsZero() || !june.Sunset.IsZero() || june.Noon.IsZero() {
		t.Errorf("Svalbard in June: %+v, want no sunrise or sunset", june)
	}
	if e := Elevation(78.2, 15.6, june.Noon.Add(12*time.Hour)); e < SunriseAltitude {
		t.Errorf("Svalbard June midnight elevation %.2f°, want above the horizon", e)
	}
	dec := SunTimes(78.2, 15.6, time.Date(2026, 12, 21, 12, 0, 0, 0, time.UTC))
	if !dec.Sunrise.IsZero() || !dec.Dawn.IsZero() {
		t.Errorf("Svalbard in December: %+v, want no dawn or sunrise", dec)
	}
}
