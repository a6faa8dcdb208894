// Package render lays out disclosure items into pages for LED boards and TV:
// CJK line breaking, tables, photos, header band and the 我有疑问 QR code.
// It knows nothing of HTTP, disks (photos come from Village.FS) or displays;
// pages are plain *image.RGBA plus the motion that Frame plays back.
package render

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is the display family a page is laid out for.
type Kind int

const (
	LEDMono Kind = iota // one-colour LED board, 1 bit per pixel
	LEDRGB              // full-colour LED board, pixel fonts, no grey pixels
	TV                  // HDMI/composite household channel, vector fonts
)

func (k Kind) String() string {
	switch k {
	case LEDMono:
		return "led-mono"
	case LEDRGB:
		return "led-rgb"
	case TV:
		return "tv"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Profile is one display's layout target.
type Profile struct {
	Name          string
	Kind          Kind
	Width, Height int
}

// ParseProfile maps the config strings: profile "led-mono" | "led-rgb" | "tv", size "128x64".
func ParseProfile(profile, size string) (Profile, error) {
	var k Kind
	switch strings.ToLower(strings.TrimSpace(profile)) {
	case "led-mono":
		k = LEDMono
	case "led-rgb":
		k = LEDRGB
	case "tv":
		k = TV
	default:
		return Profile{}, fmt.Errorf("render profile %q: want led-mono, led-rgb or tv", profile)
	}
	ws, hs, ok := strings.Cut(strings.ToLower(strings.TrimSpace(size)), "x")
	if !ok {
		return Profile{}, fmt.Errorf("render size %q: want WIDTHxHEIGHT", size)
	}
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if err1 != nil || err2 != nil {
		return Profile{}, fmt.Errorf("render size %q: want WIDTHxHEIGHT", size)
	}
	// A single-line LED board may be 12 px tall (the 12 px face, shown as
	// a marquee); above 8K is a typo.
	if w < 32 || h < 12 || w > 8192 || h > 8192 {
		return Profile{}, fmt.Errorf("render size %q: out of range 32x12..8192x8192", size)
	}
	if k == TV && (w < 320 || h < 240) {
		return Profile{}, fmt.Errorf("render size %q: too small for tv (min 320x240)", size)
	}
	return Profile{Name: k.String() + "-" + ws + "x" + hs, Kind: k, Width: w, Height: h}, nil
}
