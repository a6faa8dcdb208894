package agent

import (
	"os"
	"strings"
	"testing"
)

func TestShippedConfigParses(t *testing.T) {
	raw, err := os.ReadFile("../deploy/sunboard.toml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseConfig("deploy/sunboard.toml", raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Display) != 2 || c.Poll.Seconds() != 60 {
		t.Errorf("parsed %+v", c)
	}
}

func TestTVSizeFromScreen(t *testing.T) {
	base := "village = \"370783-101-001\"\nfeed = \"http://x/\"\nroot = \"r.json\"\nstate = \"/tmp/s\"\n"
	c, err := ParseConfig("c.toml", []byte(base+"[[display]]\nname = \"tv\"\nkind = \"fbdev\"\nprofile = \"tv\"\n"))
	if err != nil || c.Display[0].Size != "" {
		t.Fatalf("fbdev without size: %v %+v", err, c)
	}
}

func TestConfigErrors(t *testing.T) {
	base := "village = \"370783-101-001\"\nfeed = \"http://x/\"\nroot = \"r.json\"\nstate = \"/tmp/s\"\n"
	disp := "[[display]]\nname = \"square\"\nkind = \"sim\"\nsize = \"128x64\"\nprofile = \"led-rgb\"\n"
	tests := []struct{ name, text, want string }{
		{"bad village", "village = \"1\"\n" + disp, "village: \"1\" is not a village id"},
		{"no feed", "village = \"370783-101-001\"\n" + disp, "feed: missing"},
		{"unknown key", base + "colour = 1\n" + disp, "unknown key \"colour\""},
		{"no display", base, "display: no [[display]]"},
		{"bad size", base + strings.Replace(disp, "128x64", "128by64", 1), "display[0]"},
		{"bad kind", base + strings.Replace(disp, "\"sim\"", "\"hub75\"", 1), "display[0].kind: \"hub75\""},
		{"dup name", base + disp + disp, "display[1].name: \"square\" must be unique"},
		{"bad poll", base + "poll = \"often\"\n" + disp, "not a duration"},
		{"syntax", base + "feed = \n" + disp, "c.toml:5"},
		{"fbdev needs tv", base + strings.Replace(disp, "\"sim\"", "\"fbdev\"", 1), "display[0].profile: \"led-rgb\": fbdev drives a TV"},
		{"bad quiet", base + disp + "quiet = \"late\"\n", "display[0].quiet"},
		{"bad place", base + "latitude = 137.0\n" + disp, "not a place on Earth"},
		{"apa102 order", base + strings.Replace(disp, "\"sim\"", "\"apa102\"", 1) + "order = \"RGB\"\n", "display[0].order: \"RGB\": apa102 always sends B, G, R"},
		{"record a real board", base + strings.Replace(disp, "\"sim\"", "\"spi\"", 1) + "record = \"x.gif\"\n", "display[0].record: only a sim display"},
		{"record too long", base + disp + "record = \"x.gif\"\nrecord_seconds = 3600\n", "display[0].record_seconds: 3600"},
		{"pitch on a TV", base + "[[display]]\nname = \"tv\"\nkind = \"sim\"\nsize = \"1280x720\"\nprofile = \"tv\"\npitch = 10\n", "display[0].pitch"},
		{"pitch absurd", base + disp + "pitch = 400\n", "display[0].pitch: 400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig("c.toml", []byte(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}
