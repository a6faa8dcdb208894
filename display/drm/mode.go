package drm

import (
	"fmt"
	"strings"
)

// Mode is one display timing a connector offers.
type Mode struct {
	Width, Height int
	Refresh       int // Hz
	Interlaced    bool
	Preferred     bool // the monitor's own choice (EDID)
	Name          string
}

func (m Mode) String() string {
	s := fmt.Sprintf("%dx%d@%d", m.Width, m.Height, m.Refresh)
	if m.Interlaced {
		s += "i"
	}
	return s
}

// defaultSizes are tried in order when Opts names no size: 720p is enough
// for big CJK text and cheap to fill, 1080p next, then PAL 576 (composite
// and old TVs).
var defaultSizes = [][2]int{{1280, 720}, {1920, 1080}, {720, 576}}

// pickMode returns the index of the mode to use: width×height when given
// (an error when the connector lacks it), else the first of defaultSizes
// the connector offers, else its preferred mode, else its first. Among
// modes of one size the preferred one wins, then the first progressive one.
func pickMode(modes []Mode, width, height int) (int, error) {
	if len(modes) == 0 {
		return -1, fmt.Errorf("connector offers no modes")
	}
	find := func(w, h int) int {
		best := -1
		for i, m := range modes {
			if m.Width != w || m.Height != h {
				continue
			}
			switch {
			case best < 0:
				best = i
			case m.Preferred && !modes[best].Preferred:
				best = i
			case m.Preferred == modes[best].Preferred && modes[best].Interlaced && !m.Interlaced:
				best = i
			}
		}
		return best
	}
	if width > 0 || height > 0 {
		if i := find(width, height); i >= 0 {
			return i, nil
		}
		var have []string
		for _, m := range modes {
			have = append(have, m.String())
		}
		return -1, fmt.Errorf("no %dx%d mode; the connector offers %s", width, height, strings.Join(have, ", "))
	}
	for _, s := range defaultSizes {
		if i := find(s[0], s[1]); i >= 0 {
			return i, nil
		}
	}
	for i, m := range modes {
		if m.Preferred {
			return i, nil
		}
	}
	return 0, nil
}
