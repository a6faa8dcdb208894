package provision

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rsc.io/qr"

	"github.com/sunboard/sunboard/agent"
	"github.com/sunboard/sunboard/deploy"
)

const rootJSON = `{"signed":{"_type":"root","spec_version":"1.0.31","version":1},"signatures":[]}`

type env struct {
	dir, root, config, rootDest, state string
}

func newEnv(t *testing.T) env {
	t.Helper()
	dir := t.TempDir()
	e := env{
		dir:      dir,
		root:     filepath.Join(dir, "dl", "1.root.json"),
		config:   filepath.Join(dir, "etc", "sunboard", "sunboard.toml"),
		rootDest: filepath.Join(dir, "etc", "sunboard", "root.json"),
		state:    filepath.Join(dir, "var", "lib", "sunboard"),
	}
	if err := os.MkdirAll(filepath.Dir(e.root), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.root, []byte(rootJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e env) opts() Opts {
	return Opts{Village: "370783-101-001", Feed: "http://county.example:8400", Root: e.root, Config: e.config, State: e.state}
}

func TestProvision(t *testing.T) {
	e := newEnv(t)
	o := e.opts()
	o.Fleet = "http://county.example:8400/"
	var out bytes.Buffer
	if err := Provision(o, &out); err != nil {
		t.Fatal(err)
	}
	cfg, err := agent.LoadConfig(e.config)
	if err != nil {
		t.Fatalf("written config does not load: %v", err)
	}
	if cfg.Village != o.Village || cfg.Feed != "http://county.example:8400/" || cfg.Root != e.rootDest ||
		cfg.State != e.state || cfg.Fleet != o.Fleet {
		t.Errorf("config = %+v", cfg)
	}
	want := DefaultDisplays()
	if len(cfg.Display) != len(want) {
		t.Fatalf("displays = %+v", cfg.Display)
	}
	for i, d := range cfg.Display {
		if d.Name != want[i].Name || d.Kind != want[i].Kind || d.Size != want[i].Size || d.Profile != want[i].Profile {
			t.Errorf("display[%d] = %+v, want %+v", i, d, want[i])
		}
	}
	if b, err := os.ReadFile(e.rootDest); err != nil || string(b) != rootJSON {
		t.Errorf("root copy = %q, %v", b, err)
	}
	fi, err := os.Stat(e.state)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("state dir: %v %v", fi, err)
	}
	pem, err := agent.DevicePublicKey(e.state) // the same key, not a new one
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, w := range []string{string(pem), "sunpub device add --repo /srv/county --village 370783-101-001 --key 370783-101-001.pub", "█"} {
		if !strings.Contains(s, w) {
			t.Errorf("output lacks %q:\n%s", w, s)
		}
	}
	code, _ := QRText(string(pem))
	if !strings.Contains(s, code) {
		t.Error("output lacks the QR code of the key")
	}
}

func TestProvisionForce(t *testing.T) {
	e := newEnv(t)
	var out bytes.Buffer
	if err := Provision(e.opts(), &out); err != nil {
		t.Fatal(err)
	}
	pem1, _ := agent.DevicePublicKey(e.state)
	o := e.opts()
	o.Feed = "http://other.example/"
	err := Provision(o, &out)
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("second provision: err = %v, want refusal naming --force", err)
	}
	if cfg, _ := agent.LoadConfig(e.config); cfg.Feed != "http://county.example:8400/" {
		t.Errorf("refused provision changed the config: feed %s", cfg.Feed)
	}
	o.Force = true
	if err := Provision(o, &out); err != nil {
		t.Fatal(err)
	}
	if cfg, _ := agent.LoadConfig(e.config); cfg.Feed != "http://other.example/" {
		t.Errorf("forced: feed %s", cfg.Feed)
	}
	if pem2, _ := agent.DevicePublicKey(e.state); !bytes.Equal(pem1, pem2) {
		t.Error("re-provisioning replaced the device key")
	}
}

// TestProvisionOverPackagedExample: on a fresh .deb install the config is
// the packaged example; provisioning replaces it without --force.
func TestProvisionOverPackagedExample(t *testing.T) {
	e := newEnv(t)
	if err := os.MkdirAll(filepath.Dir(e.config), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.config, deploy.ExampleConfig, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Provision(e.opts(), &out); err != nil {
		t.Fatalf("provision over the packaged example: %v", err)
	}
	if cfg, err := agent.LoadConfig(e.config); err != nil || cfg.Feed != "http://county.example:8400/" {
		t.Errorf("config after provisioning: %+v, %v", cfg, err)
	}
	// One changed byte is a technician's edit: kept unless --force.
	edited := append(bytes.Clone(deploy.ExampleConfig), '#')
	if err := os.WriteFile(e.config, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Provision(e.opts(), &out); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("provision over an edited config: err = %v, want refusal naming --force", err)
	}
}

func TestProvisionErrors(t *testing.T) {
	e := newEnv(t)
	write := func(name, s string) string {
		p := filepath.Join(e.dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notJSON := write("bad.json", "{")
	targets := write("targets.json", `{"signed":{"_type":"targets"}}`)
	tests := []struct {
		name string
		edit func(*Opts)
		want string
	}{
		{"village", func(o *Opts) { o.Village = "东升村" }, "--village"},
		{"no feed", func(o *Opts) { o.Feed = "" }, "--feed"},
		{"no root", func(o *Opts) { o.Root = "" }, "--root"},
		{"missing root", func(o *Opts) { o.Root = filepath.Join(e.dir, "nope.json") }, "--root"},
		{"root not JSON", func(o *Opts) { o.Root = notJSON }, "not JSON"},
		{"root not root", func(o *Opts) { o.Root = targets }, `"targets"`},
		{"bad display kind", func(o *Opts) { o.Displays = []agent.DisplayConfig{{Name: "x", Kind: "hdmi", Profile: "tv"}} }, "display[0].kind"},
		{"bad display size", func(o *Opts) {
			o.Displays = []agent.DisplayConfig{{Name: "x", Kind: "spi", Size: "big", Profile: "led-rgb"}}
		}, "display[0]"},
		{"duplicate names", func(o *Opts) {
			o.Displays = []agent.DisplayConfig{{Name: "a", Kind: "drm", Profile: "tv"}, {Name: "a", Kind: "drm", Profile: "tv"}}
		}, "display[1].name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := e.opts()
			tc.edit(&o)
			err := Provision(o, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %q", err, tc.want)
			}
			if _, err := os.Stat(e.config); err == nil {
				t.Error("a failed provision wrote the config")
			}
			if _, err := os.Stat(e.state); err == nil {
				t.Error("a failed provision created the device key")
			}
		})
	}
}

func TestParseDisplay(t *testing.T) {
	tests := []struct {
		in   string
		want agent.DisplayConfig
		err  bool
	}{
		{in: "square:spi:128x64:led-rgb", want: agent.DisplayConfig{Name: "square", Kind: "spi", Size: "128x64", Profile: "led-rgb"}},
		{in: "tv:drm", want: agent.DisplayConfig{Name: "tv", Kind: "drm", Profile: "tv"}},
		{in: "tv:fbdev::tv:/dev/fb1", want: agent.DisplayConfig{Name: "tv", Kind: "fbdev", Profile: "tv", Device: "/dev/fb1"}},
		{in: "strip:ws281x:64x8", want: agent.DisplayConfig{Name: "strip", Kind: "ws281x", Size: "64x8", Profile: "led-rgb"}},
		{in: "tv", err: true},
		{in: ":drm", err: true},
		{in: "a:b:c:d:e:f", err: true},
	}
	for _, tc := range tests {
		got, err := ParseDisplay(tc.in)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("ParseDisplay(%q) = %+v, %v", tc.in, got, err)
		}
	}
	// Displays from flags end up in the config.
	e := newEnv(t)
	o := e.opts()
	d, _ := ParseDisplay("tv:fbdev::tv:/dev/fb1")
	o.Displays = []agent.DisplayConfig{d}
	if err := Provision(o, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	cfg, err := agent.LoadConfig(e.config)
	if err != nil || len(cfg.Display) != 1 || cfg.Display[0].Device != "/dev/fb1" {
		t.Fatalf("config %+v, %v", cfg, err)
	}
}

func TestTOMLStringRoundTrip(t *testing.T) {
	e := newEnv(t)
	o := e.opts()
	o.Feed = "http://county.example/a\"b\\c\td/"
	o.State = filepath.Join(e.dir, "状态 dir")
	if err := Provision(o, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	cfg, err := agent.LoadConfig(e.config)
	if err != nil || cfg.Feed != o.Feed || cfg.State != o.State {
		t.Fatalf("config %+v, %v", cfg, err)
	}
}

// TestQRText decodes the half-block drawing back into modules and
// compares them with the code itself, quiet zone included.
func TestQRText(t *testing.T) {
	text := "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n"
	s, err := QRText(text)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := qr.Encode(text, qr.M)
	n := c.Size + 8
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) != (n+1)/2 {
		t.Fatalf("%d lines, want %d", len(lines), (n+1)/2)
	}
	for row, line := range lines {
		r := []rune(line)
		if len(r) != n {
			t.Fatalf("line %d has %d columns, want %d", row, len(r), n)
		}
		for x, ch := range r {
			top := ch == '█' || ch == '▀'
			bot := ch == '█' || ch == '▄'
			if ch != ' ' && !top && !bot {
				t.Fatalf("unexpected rune %q", ch)
			}
			for i, light := range []bool{top, bot} {
				y := 2*row + i
				if y >= n {
					continue
				}
				if want := !c.Black(x-4, y-4); light != want {
					t.Fatalf("module (%d,%d): light=%v, want %v", x-4, y-4, light, want)
				}
			}
		}
	}
	if n > 80 {
		t.Errorf("QR is %d columns: too wide for an 80-column console", n)
	}
	t.Logf("QR of a device key: %d modules, %d columns × %d lines", c.Size, n, len(lines))
}

// TestProvisionRelativePaths: paths given relative to the current
// directory are written absolute, so the agent finds them from anywhere.
func TestProvisionRelativePaths(t *testing.T) {
	e := newEnv(t)
	t.Chdir(e.dir)
	o := e.opts()
	o.Config, o.State = filepath.Join("board", "sunboard.toml"), filepath.Join("board", "state")
	if err := Provision(o, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // elsewhere, as systemd or another shell would be
	cfg, err := agent.LoadConfig(filepath.Join(e.dir, "board", "sunboard.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(e.dir, "board", "root.json"); cfg.Root != want {
		t.Errorf("root = %q, want %q", cfg.Root, want)
	}
	if want := filepath.Join(e.dir, "board", "state"); cfg.State != want {
		t.Errorf("state = %q, want %q", cfg.State, want)
	}
}
