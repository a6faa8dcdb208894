// Package provision sets a board up for its village (`sunboard provision`)
// and checks a config before the agent runs (`sunboard config check`).
package provision

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/sunboard/sunboard/deploy"

	"rsc.io/qr"

	"github.com/sunboard/sunboard/agent"
)

// Defaults used when Opts leaves a path empty.
const (
	DefaultConfig = "/etc/sunboard/sunboard.toml"
	DefaultState  = "/var/lib/sunboard"
	DefaultRepo   = "/srv/county"
)

// Opts are the flags of `sunboard provision`.
type Opts struct {
	Village string // required: 370783-101-001
	Feed    string // required: the county's feed URL
	Root    string // required: the county's root.json (public/metadata/1.root.json) to pin
	Config  string // config to write; "" = DefaultConfig
	// RootDest is where the root is copied; "" = root.json beside Config
	// (/etc/sunboard/root.json).
	RootDest string
	State    string // "" = DefaultState
	Fleet    string // optional fleet server URL
	// Displays to configure; nil = one LED board (spi 128x64 led-rgb,
	// "square") and one TV (drm, "tv"). See ParseDisplay.
	Displays []agent.DisplayConfig
	// Force replaces an existing config (and root copy).
	Force bool
	// Repo is the county repository path printed in the `sunpub device add`
	// line; "" = DefaultRepo.
	Repo string
}

// DefaultDisplays is what a board gets without --display.
func DefaultDisplays() []agent.DisplayConfig {
	return []agent.DisplayConfig{
		{Name: "square", Kind: "spi", Size: "128x64", Profile: "led-rgb"},
		{Name: "tv", Kind: "drm", Profile: "tv"},
	}
}

// ParseDisplay parses a --display flag: name:kind[:size[:profile[:device]]],
// e.g. "square:spi:128x64:led-rgb", "tv:drm", "tv:fbdev::tv:/dev/fb1".
// fbdev and drm default to profile tv, LED kinds to led-rgb.
func ParseDisplay(s string) (agent.DisplayConfig, error) {
	f := strings.Split(s, ":")
	if len(f) < 2 || len(f) > 5 || f[0] == "" || f[1] == "" {
		return agent.DisplayConfig{}, fmt.Errorf("--display %q: want name:kind[:size[:profile[:device]]], e.g. square:spi:128x64:led-rgb or tv:drm", s)
	}
	for len(f) < 5 {
		f = append(f, "")
	}
	d := agent.DisplayConfig{Name: f[0], Kind: f[1], Size: f[2], Profile: f[3], Device: f[4]}
	if d.Profile == "" {
		if d.Kind == "drm" || d.Kind == "fbdev" {
			d.Profile = "tv"
		} else {
			d.Profile = "led-rgb"
		}
	}
	return d, nil
}

var villagePattern = regexp.MustCompile(`^[0-9]{6}-[0-9]{3}-[0-9]{3}$`)

// Provision writes the config and the pinned root, creates the device key
// and prints its public key, a QR code of it and the `sunpub device add`
// line for the county. Nothing is fetched from the network.
func Provision(o Opts, out io.Writer) error {
	if !villagePattern.MatchString(o.Village) {
		return fmt.Errorf("--village %q is not a village id like 370783-101-001", o.Village)
	}
	if o.Feed == "" {
		return errors.New("--feed URL is required (where `sunpub serve` publishes)")
	}
	if o.Root == "" {
		return errors.New("--root FILE is required (public/metadata/1.root.json of the county repository)")
	}
	if o.Config == "" {
		o.Config = DefaultConfig
	}
	if o.RootDest == "" {
		o.RootDest = filepath.Join(filepath.Dir(o.Config), "root.json")
	}
	if o.State == "" {
		o.State = DefaultState
	}
	if o.Repo == "" {
		o.Repo = DefaultRepo
	}
	if o.Displays == nil {
		o.Displays = DefaultDisplays()
	}
	// The agent reads the paths as written, from whatever directory
	// systemd or an operator starts it in: relative ones would point
	// elsewhere (and a sync would grow a stray state dir there).
	for _, p := range []*string{&o.Config, &o.RootDest, &o.State} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return err
		}
		*p = abs
	}
	root, err := os.ReadFile(o.Root)
	if err != nil {
		return fmt.Errorf("--root: %w", err)
	}
	if err := checkRoot(root); err != nil {
		return fmt.Errorf("--root %s: %w", o.Root, err)
	}
	text := configText(o)
	// The agent's own parser is the judge: what is written must load.
	if _, err := agent.ParseConfig(o.Config, text); err != nil {
		return err
	}
	if !o.Force {
		if old, err := os.ReadFile(o.Config); err == nil {
			if !bytes.Equal(old, deploy.ExampleConfig) {
				return fmt.Errorf("%s already exists and is not the packaged example (an earlier provisioning or hand edits): pass --force to replace it", o.Config)
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if old, err := os.ReadFile(o.RootDest); err == nil && !bytes.Equal(old, root) {
			return fmt.Errorf("%s already exists with another root: pass --force to replace it", o.RootDest)
		}
	}
	if err := writeFile(o.RootDest, root, 0o644); err != nil {
		return err
	}
	if err := writeFile(o.Config, text, 0o644); err != nil {
		return err
	}
	pem, err := agent.DevicePublicKey(o.State)
	if err != nil {
		return err
	}
	code, err := QRText(string(pem))
	if err != nil {
		return err
	}
	keyFile := o.Village + ".pub"
	fmt.Fprintf(out, "wrote %s and %s; device key in %s\n\n", o.Config, o.RootDest, o.State)
	fmt.Fprintf(out, "设备公钥 / device public key:\n%s\n", pem)
	fmt.Fprintf(out, "%s\n", code)
	fmt.Fprintf(out, "县里登记 / register at the county (save the key above as %s):\n", keyFile)
	fmt.Fprintf(out, "  sunpub device add --repo %s --village %s --key %s\n", o.Repo, o.Village, keyFile)
	fmt.Fprintf(out, "then: sunboard config check --config %s && systemctl start sunboard\n", o.Config)
	return nil
}

// configText renders the config TOML.
func configText(o Opts) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s — written by `sunboard provision`. See /usr/share/doc/sunboard/README.md.\n", filepath.Base(o.Config))
	fmt.Fprintf(&b, "village = %s\n", tomlString(o.Village))
	fmt.Fprintf(&b, "feed    = %s\n", tomlString(o.Feed))
	fmt.Fprintf(&b, "root    = %s\n", tomlString(o.RootDest))
	fmt.Fprintf(&b, "state   = %s\n", tomlString(o.State))
	b.WriteString("listen  = \"127.0.0.1:8401\"\npoll    = \"60s\"\n")
	if o.Fleet != "" {
		fmt.Fprintf(&b, "fleet   = %s\n", tomlString(o.Fleet))
	}
	for _, d := range o.Displays {
		b.WriteString("\n[[display]]\n")
		kv := func(k, v string) {
			if v != "" {
				fmt.Fprintf(&b, "%-7s = %s\n", k, tomlString(v))
			}
		}
		kv("name", d.Name)
		kv("kind", d.Kind)
		kv("size", d.Size)
		kv("profile", d.Profile)
		kv("device", d.Device)
	}
	return b.Bytes()
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// writeFile writes atomically (temp file, fsync, rename), creating the
// directory.
func writeFile(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// checkRoot checks that raw is a TUF root: {"signed": {"_type": "root"}}.
func checkRoot(raw []byte) error {
	var m struct {
		Signed *struct {
			Type string `json:"_type"`
		} `json:"signed"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	if m.Signed == nil {
		return errors.New(`no "signed" object: not TUF metadata`)
	}
	if m.Signed.Type != "root" {
		return fmt.Errorf(`"_type" is %q, want "root" (use public/metadata/1.root.json)`, m.Signed.Type)
	}
	return nil
}

// QRText draws text as a QR code (level M) with Unicode half blocks, two
// modules per character row, with a 4-module quiet zone. Light modules
// are drawn as blocks and dark ones as spaces, so it scans on the usual
// light-on-dark console (and from a photo of it).
func QRText(text string) (string, error) {
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		return "", err
	}
	const quiet = 4
	n := c.Size + 2*quiet
	light := func(x, y int) bool {
		return !c.Black(x-quiet, y-quiet) // outside the code Black is false: quiet zone is light
	}
	var b strings.Builder
	for y := 0; y < n; y += 2 {
		for x := 0; x < n; x++ {
			top := light(x, y)
			bot := y+1 < n && light(x, y+1)
			switch {
			case top && bot:
				b.WriteRune('█')
			case top:
				b.WriteRune('▀')
			case bot:
				b.WriteRune('▄')
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteByte('\n')
	}
	return b.String(), nil
}
