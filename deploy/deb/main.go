// Command deb builds the Debian packages a county technician installs:
//
//	go run ./deploy/deb -out dist -version 1.2.0
//
// writes, all pure Go (CGO_ENABLED=0):
//
//	sunboard_1.2.0_arm64.deb        Pi 3/4/5/Zero 2 W with a 64-bit OS (GOARCH=arm64)
//	sunboard_1.2.0_armhf.deb        Pi 2/3/4/Zero 2 W with a 32-bit OS (GOARM=7)
//	sunboard_1.2.0_armhf-armv6.deb  Pi 1/Zero/Zero W with Raspberry Pi OS 32-bit (GOARM=6)
//	sunpub_1.2.0_amd64.deb          the county's server
//
// Raspberry Pi OS 32-bit calls its ARMv6 hard-float port "armhf" too, so both
// 32-bit packages carry Architecture: armhf and only the file name tells
// them apart. The armv6 one runs on every 32-bit Pi; the armhf (GOARM=7) one
// is faster on ARMv7 and later but dies with SIGILL on an ARMv6 board.
//
// sunpub is a separate package because it runs on the county's amd64 server,
// not on the boards. Packages are written with the nfpm library (v2.48.0).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"
)

// Target is one board architecture.
type Target struct {
	Name    string // -arch name
	GOARCH  string
	GOARM   string // "" unless GOARCH=arm
	DebArch string // Architecture: in the control file
	Suffix  string // appended to the architecture in the file name
}

// Targets are the boards' packages, in build order.
var Targets = []Target{
	{Name: "arm64", GOARCH: "arm64", DebArch: "arm64"},
	{Name: "armhf", GOARCH: "arm", GOARM: "7", DebArch: "armhf"},
	{Name: "armv6", GOARCH: "arm", GOARM: "6", DebArch: "armhf", Suffix: "-armv6"},
}

const (
	maintainer = "sunboard maintainers <sunboard@example.gov.cn>"
	homepage   = "https://github.com/sunboard/sunboard"
)

func main() {
	out := flag.String("out", "dist", "directory for the .deb files")
	version := flag.String("version", "", "package version, e.g. 1.2.0 (a leading v is dropped)")
	arches := flag.String("arch", "arm64,armhf,armv6", "comma-separated board targets: arm64, armhf, armv6")
	sunpub := flag.Bool("sunpub", true, "also build the sunpub package for the county's amd64 server")
	flag.Parse()
	log.SetFlags(0)

	root, err := moduleRoot()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := run(ctx, root, *out, *version, strings.Split(*arches, ","), *sunpub); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, root, out, version string, arches []string, sunpub bool) error {
	if err := checkVersion(version); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "sunboard-deb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	for _, name := range arches {
		t, err := targetByName(strings.TrimSpace(name))
		if err != nil {
			return err
		}
		bin := filepath.Join(tmp, t.Name, "sunboard")
		if err := Build(ctx, root, "./cmd/sunboard", t.GOARCH, t.GOARM, version, bin); err != nil {
			return err
		}
		path, err := WriteDeb(AgentInfo(root, bin, t, version), out, t.Suffix)
		if err != nil {
			return err
		}
		log.Printf("wrote %s", path)
	}
	if sunpub {
		bin := filepath.Join(tmp, "amd64", "sunpub")
		if err := Build(ctx, root, "./cmd/sunpub", "amd64", "", version, bin); err != nil {
			return err
		}
		path, err := WriteDeb(SunpubInfo(root, bin, version), out, "")
		if err != nil {
			return err
		}
		log.Printf("wrote %s", path)
	}
	return nil
}

func targetByName(name string) (Target, error) {
	for _, t := range Targets {
		if t.Name == name {
			return t, nil
		}
	}
	return Target{}, fmt.Errorf("unknown -arch %q (want arm64, armhf or armv6)", name)
}

// checkVersion insists on a Debian-valid upstream version: dpkg refuses one
// that does not start with a digit, and a typo here would only show up on
// the Pi.
func checkVersion(v string) error {
	v = strings.TrimPrefix(v, "v")
	if v == "" || v[0] < '0' || v[0] > '9' {
		return fmt.Errorf("-version %q: want a version starting with a digit, e.g. 1.2.0", v)
	}
	if strings.ContainsAny(v, " _/") {
		return fmt.Errorf("-version %q: spaces, _ and / are not allowed in a Debian version", v)
	}
	return nil
}

// moduleRoot is the directory of go.mod, so the program works from any
// directory inside the checkout (go run ./deploy/deb, go test).
func moduleRoot() (string, error) {
	out, err := exec.Command(goTool(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the sunboard module (go env GOMOD = %q)", mod)
	}
	return filepath.Dir(mod), nil
}

func goTool() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

// Build cross-compiles one command for linux/goarch, pure Go, stripped and
// with -trimpath so the packages do not carry the builder's paths. version
// (a leading v dropped) is what `sunboard version` prints (-X main.version):
// self-update compares it with the county's releases.
func Build(ctx context.Context, root, pkg, goarch, goarm, version, out string) error {
	ldflags := "-s -w"
	if v := strings.TrimPrefix(version, "v"); v != "" {
		ldflags += " -X main.version=" + v
	}
	cmd := exec.CommandContext(ctx, goTool(), "build", "-trimpath", "-ldflags", ldflags, "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	if goarm != "" {
		cmd.Env = append(cmd.Env, "GOARM="+goarm)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s for %s GOARM=%q: %w\n%s", pkg, goarch, goarm, err, stderr.Bytes())
	}
	log.Printf("built %s for %s%s in %s", pkg, goarch, goarm, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// AgentInfo describes the board package: the agent, its unit, example
// config (a conffile: upgrades keep the technician's edits), udev rule,
// Pi setup checker and the fonts' licences.
func AgentInfo(root, bin string, t Target, version string) *nfpm.Info {
	d := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	contents := files.Contents{
		{Source: bin, Destination: "/usr/bin/sunboard", FileInfo: &files.ContentFileInfo{Mode: 0o755}},
		{Source: d("deploy/sunboard.service"), Destination: "/lib/systemd/system/sunboard.service", FileInfo: &files.ContentFileInfo{Mode: 0o644}},
		{Source: d("deploy/sunboard.toml"), Destination: "/etc/sunboard/sunboard.toml", Type: files.TypeConfigNoReplace, FileInfo: &files.ContentFileInfo{Mode: 0o644}},
		{Source: d("deploy/deb/files/60-sunboard.rules"), Destination: "/lib/udev/rules.d/60-sunboard.rules", FileInfo: &files.ContentFileInfo{Mode: 0o644}},
		{Source: d("deploy/pi-setup.sh"), Destination: "/usr/share/sunboard/pi-setup.sh", FileInfo: &files.ContentFileInfo{Mode: 0o755}},
		{Source: d("deploy/README.md"), Destination: "/usr/share/doc/sunboard/README.md", FileInfo: &files.ContentFileInfo{Mode: 0o644}},
		{Source: d("deploy/ws281x.conf"), Destination: "/usr/share/doc/sunboard/examples/ws281x.conf", FileInfo: &files.ContentFileInfo{Mode: 0o644}},
		// Fonts are embedded in the binary; their licences (GPL-2 with the
		// font embedding exception, OFL-1.1) ask for the text to travel along.
		{Source: d("fonts/LICENSE-*.txt"), Destination: "/usr/share/doc/sunboard/fonts/", FileInfo: &files.ContentFileInfo{Mode: 0o644}},
		// Where provisioning writes root.json; owned by the package so that
		// purge removes it when empty.
		{Destination: "/etc/sunboard", Type: files.TypeDir, FileInfo: &files.ContentFileInfo{Mode: 0o755}},
	}
	info := &nfpm.Info{
		Name:       "sunboard",
		Arch:       t.DebArch,
		Platform:   "linux",
		Version:    version,
		Section:    "misc",
		Priority:   "optional",
		Maintainer: maintainer,
		Homepage:   homepage,
		Description: "village disclosure board agent (阳光村务)\n" +
			"Syncs TUF-signed disclosure content for one village from the county,\n" +
			"verifies and keeps it, and shows it on LED boards and a TV output.\n" +
			"Built for " + t.GOARCH + goarmLabel(t.GOARM) + ".",
		Overridables: nfpm.Overridables{
			Contents: contents,
			// groupadd (passwd) and udevadm are used by postinst when present.
			Recommends: []string{"systemd"},
			Scripts: nfpm.Scripts{
				PostInstall: d("deploy/deb/files/postinst"),
				PreRemove:   d("deploy/deb/files/prerm"),
				PostRemove:  d("deploy/deb/files/postrm"),
			},
		},
	}
	return nfpm.WithDefaults(info)
}

func goarmLabel(goarm string) string {
	if goarm == "" {
		return ""
	}
	return " GOARM=" + goarm
}

// SunpubInfo describes the county's package: only the sunpub binary and its
// documentation (run it from cron or a unit of the county's own).
func SunpubInfo(root, bin, version string) *nfpm.Info {
	info := &nfpm.Info{
		Name:       "sunpub",
		Arch:       "amd64",
		Platform:   "linux",
		Version:    version,
		Section:    "misc",
		Priority:   "optional",
		Maintainer: maintainer,
		Homepage:   homepage,
		Description: "county publisher for sunboard village disclosure boards (阳光村务)\n" +
			"Validates content folders, signs them with TUF and serves the repository.",
		Overridables: nfpm.Overridables{
			Contents: files.Contents{
				{Source: bin, Destination: "/usr/bin/sunpub", FileInfo: &files.ContentFileInfo{Mode: 0o755}},
				{Source: filepath.Join(root, "README.md"), Destination: "/usr/share/doc/sunpub/README.md", FileInfo: &files.ContentFileInfo{Mode: 0o644}},
			},
		},
	}
	return nfpm.WithDefaults(info)
}

// WriteDeb packages info into dir under Debian's conventional file name,
// with suffix appended to the architecture (sunboard_1.2.0_armhf-armv6.deb),
// and returns the path.
func WriteDeb(info *nfpm.Info, dir, suffix string) (string, error) {
	if err := nfpm.PrepareForPackager(info, "deb"); err != nil {
		return "", fmt.Errorf("prepare %s %s: %w", info.Name, info.Arch, err)
	}
	p := deb.Default
	name := p.ConventionalFileName(info)
	if suffix != "" {
		name = strings.TrimSuffix(name, ".deb") + suffix + ".deb"
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if err := p.Package(info, f); err != nil {
		f.Close()
		return "", fmt.Errorf("package %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	// Rename last: a failed run never leaves a truncated .deb that looks done.
	if err := os.Rename(f.Name(), path); err != nil {
		return "", err
	}
	return path, nil
}
