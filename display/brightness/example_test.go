package brightness_test

import (
	"fmt"
	"time"

	"github.com/sunboard/sunboard/display/brightness"
)

func Example() {
	quiet, err := brightness.ParseQuiet("22:30-05:30 off, 21:00-22:30 dim:40")
	if err != nil {
		panic(err)
	}
	cst := time.FixedZone("CST", 8*3600)
	c, err := brightness.New(brightness.Opts{
		Latitude: 36.88, Longitude: 118.74, // Shouguang
		Night: 30, Quiet: quiet, Location: cst,
	})
	if err != nil {
		panic(err)
	}
	for _, hm := range []string{"12:00", "17:05", "21:15", "23:00"} {
		now, _ := time.ParseInLocation("2006-01-02 15:04", "2026-12-21 "+hm, cst)
		level, reason := c.Level(now) // then brightness.Apply(dev, level)
		fmt.Println(hm, level, reason)
	}
	// Output:
	// 12:00 255 schedule: day, sun 29.7° (sunrise 07:14, sunset 16:52)
	// 17:05 155 schedule: civil twilight, sun -3.1° (sunrise 07:14, sunset 16:52)
	// 21:15 30 schedule: night, sun -51.6° (sunrise 07:14, sunset 16:52); quiet hours 21:00-22:30 dim:40
	// 23:00 0 quiet hours 22:30-05:30 off
}
