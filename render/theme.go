package render

import (
	"image/color"
	"strings"
)

// theme is a profile's palette. LED palettes are few pure colours so a
// page can be checked pixel by pixel for stray grey; TV is dark on
// off-white (glare-free for old eyes) with a coloured header band.
type theme struct {
	bg, text, title, heading, dim  color.RGBA
	totalFG, totalBG               color.RGBA
	zebra, headRow, rule           color.RGBA
	bandText                       color.RGBA
	party, village, finance, other color.RGBA
	// urgent is the header band of an urgent item, urgentText its text;
	// badge/badgeText the 紧急通知 badge on TV.
	urgent, urgentText, badge, badgeText color.RGBA
	// ticker is the crawl band; urgentTicker the band of a 紧急 crawl.
	ticker, tickerText, urgentTicker color.RGBA
}

var (
	black = color.RGBA{0, 0, 0, 255}
	white = color.RGBA{255, 255, 255, 255}
	amber = color.RGBA{255, 176, 0, 255}
)

var ledRGBTheme = theme{
	bg: black, text: white, title: color.RGBA{255, 230, 0, 255}, heading: color.RGBA{0, 230, 255, 255},
	dim: amber, totalFG: color.RGBA{255, 230, 0, 255}, totalBG: black,
	zebra: black, headRow: black, rule: amber, bandText: white,
	party: color.RGBA{255, 40, 40, 255}, village: color.RGBA{0, 230, 80, 255},
	finance: amber, other: color.RGBA{0, 230, 255, 255},
	urgent: color.RGBA{255, 0, 0, 255}, urgentText: white,
}

// One colour, 1 bit: emphasis has to be inversion.
var ledMonoTheme = theme{
	bg: black, text: amber, title: amber, heading: amber, dim: amber,
	totalFG: black, totalBG: amber, zebra: black, headRow: black, rule: amber, bandText: amber,
	party: amber, village: amber, finance: amber, other: amber,
	urgent: amber, urgentText: black,
}

var tvTheme = theme{
	bg: color.RGBA{250, 247, 240, 255}, text: color.RGBA{20, 20, 20, 255},
	title: color.RGBA{20, 20, 20, 255}, heading: color.RGBA{120, 30, 10, 255},
	dim:     color.RGBA{70, 70, 70, 255},
	totalFG: color.RGBA{20, 20, 20, 255}, totalBG: color.RGBA{255, 232, 170, 255},
	zebra: color.RGBA{234, 229, 216, 255}, headRow: color.RGBA{222, 214, 196, 255},
	rule: color.RGBA{80, 80, 80, 255}, bandText: white,
	party: color.RGBA{170, 20, 20, 255}, village: color.RGBA{20, 90, 160, 255},
	finance: color.RGBA{150, 80, 0, 255}, other: color.RGBA{40, 60, 80, 255},
	// A red no category uses (党务 is a darker, browner red), with a yellow
	// badge: red + yellow reads as a warning even to colour-weak eyes.
	urgent: color.RGBA{215, 0, 0, 255}, urgentText: white,
	badge: color.RGBA{255, 221, 0, 255}, badgeText: color.RGBA{180, 0, 0, 255},
	ticker: color.RGBA{25, 35, 55, 255}, tickerText: white, urgentTicker: color.RGBA{215, 0, 0, 255},
}

// category picks the colour of the item's major category (党务 red, 村务
// blue/green, 财务 amber).
func (t *theme) category(major string) color.RGBA {
	switch {
	case strings.Contains(major, "党务"):
		return t.party
	case strings.Contains(major, "村务"):
		return t.village
	case strings.Contains(major, "财务"):
		return t.finance
	}
	return t.other
}
