package provision

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	root := write("root.json", rootJSON)
	notRoot := write("timestamp.json", `{"signed":{"_type":"timestamp"}}`)
	notJSON := write("garbage.json", "<html>")
	aFile := write("file", "x")
	devRoot := filepath.Join(dir, "pi")
	write("pi/dev/spidev0.0", "")
	write("pi/dev/dri/card0", "")
	roDir := filepath.Join(dir, "ro")
	if err := os.MkdirAll(roDir, 0o500); err != nil {
		t.Fatal(err)
	}
	writable := os.Getuid() != 0 // root writes anywhere

	config := func(root, state, displays string) string {
		return fmt.Sprintf("village = \"370783-101-001\"\nfeed = \"http://c/\"\nroot = %q\nstate = %q\n%s", root, state, displays)
	}
	const ledTV = "[[display]]\nname = \"square\"\nkind = \"spi\"\nsize = \"128x64\"\nprofile = \"led-rgb\"\n" +
		"[[display]]\nname = \"tv\"\nkind = \"drm\"\nprofile = \"tv\"\n"
	const all = ledTV + "[[display]]\nname = \"fb\"\nkind = \"fbdev\"\nprofile = \"tv\"\n" +
		"[[display]]\nname = \"strip\"\nkind = \"ws281x\"\nsize = \"64x32\"\nprofile = \"led-rgb\"\n"
	const sim = "[[display]]\nname = \"s\"\nkind = \"sim\"\nsize = \"128x64\"\nprofile = \"led-rgb\"\n"
	yes, no := true, false
	state := filepath.Join(dir, "state")

	tests := []struct {
		name   string
		config string
		onPi   *bool
		// devRoot replaces the fake Pi's /dev (which has spidev0.0 and card0).
		devRoot string
		ok      bool
		want    []string // substrings of the output
		skip    bool
	}{
		{name: "ok on a Pi", config: config(root, state, ledTV), onPi: &yes, ok: true, want: []string{"配置检查通过 / config OK"}},
		{name: "sim creatable state", config: config(root, filepath.Join(dir, "new", "deeper", "state"), sim), ok: true, want: []string{"config OK"}},
		{name: "missing devices warn off a Pi", config: config(root, state, all), onPi: &no, ok: true,
			want: []string{"WARN", "/dev/fb0", "/dev/mem", "not a Raspberry Pi", "config OK"}},
		{name: "missing devices fail on a Pi", config: config(root, state, all), onPi: &yes,
			want: []string{"ERROR", `display[2] "fb" (kind fbdev): /dev/fb0`, `display[3] "strip" (kind ws281x): /dev/mem`}},
		{name: "device key", config: config(root, state, "[[display]]\nname = \"tv\"\nkind = \"fbdev\"\nprofile = \"tv\"\ndevice = \"/dev/fb1\"\n"), onPi: &yes,
			want: []string{"/dev/fb1"}},
		{name: "apa102 on its SPI bus", config: config(root, state, "[[display]]\nname = \"board\"\nkind = \"apa102\"\nsize = \"64x32\"\nprofile = \"led-rgb\"\n"), onPi: &yes, ok: true,
			want: []string{"config OK"}},
		{name: "apa102 without SPI", config: config(root, state, "[[display]]\nname = \"board\"\nkind = \"apa102\"\nsize = \"64x32\"\nprofile = \"led-rgb\"\n"), onPi: &yes,
			devRoot: filepath.Join(dir, "bare"), want: []string{`display[0] "board" (kind apa102): /dev/spidev0.0`, "dtparam=spi=on"}},
		{name: "loader error names the key", config: config(root, state, "[[display]]\nname = \"tv\"\nkind = \"hdmi\"\nprofile = \"tv\"\n"),
			want: []string{"display[0].kind"}},
		{name: "unknown key", config: config(root, state, sim) + "colour = 1\n", want: []string{`unknown key "display.colour"`}},
		{name: "every problem at once", config: config(filepath.Join(dir, "nope.json"), aFile, all), onPi: &yes,
			want: []string{"root: open", "state: ", "is not a directory", "/dev/fb0", "/dev/mem"}},
		{name: "root not JSON", config: config(notJSON, state, sim), want: []string{"not JSON"}},
		{name: "root not a root", config: config(notRoot, state, sim), want: []string{`"timestamp"`}},
		{name: "state not writable", config: config(root, roDir, sim), want: []string{"not writable"}, skip: !writable},
		{name: "state not creatable", config: config(root, filepath.Join(roDir, "sub"), sim), want: []string{"cannot create"}, skip: !writable},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip {
				t.Skip("running as root: every directory is writable")
			}
			path := write(fmt.Sprintf("c%d.toml", i), tc.config)
			var out bytes.Buffer
			dr := devRoot
			if tc.devRoot != "" {
				dr = tc.devRoot
			}
			err := CheckConfigOpts(path, &out, CheckOpts{DevRoot: dr, OnPi: tc.onPi})
			if (err == nil) != tc.ok {
				t.Errorf("err = %v, want ok=%v\n%s", err, tc.ok, out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if !tc.ok && strings.Contains(out.String(), "config OK") {
				t.Errorf("failed check says OK:\n%s", out.String())
			}
		})
	}
}

// A provisioned config passes the check (devices aside).
func TestProvisionThenCheck(t *testing.T) {
	e := newEnv(t)
	if err := Provision(e.opts(), &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	no := false
	var out bytes.Buffer
	if err := CheckConfigOpts(e.config, &out, CheckOpts{DevRoot: t.TempDir(), OnPi: &no}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "config OK") {
		t.Error(out.String())
	}
}
