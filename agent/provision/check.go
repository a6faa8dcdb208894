package provision

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/sunboard/sunboard/agent"
)

// CheckOpts adjusts CheckConfigOpts for tests.
type CheckOpts struct {
	// DevRoot prefixes the device paths checked (/dev/fb0 → DevRoot/dev/fb0); "" = /.
	DevRoot string
	// OnPi says whether missing devices are errors. nil = guess from the
	// machine (/proc/device-tree/model says Raspberry Pi); off a Pi
	// they are warnings.
	OnPi *bool
}

// devicePaths are what each display kind opens when no device is set.
var devicePaths = map[string]string{
	"spi":    "/dev/spidev0.0",
	"apa102": "/dev/spidev0.0",
	"fbdev":  "/dev/fb0",
	"drm":    "/dev/dri/card0",
	"ws281x": "/dev/mem",
}

// CheckConfig is `sunboard config check`: it loads the config as the agent
// does, then checks what the loader cannot (the root file, the state
// directory, the display devices), printing every problem at once. It
// returns an error when anything failed; warnings alone pass.
func CheckConfig(path string, out io.Writer) error {
	return CheckConfigOpts(path, out, CheckOpts{})
}

// CheckConfigOpts is CheckConfig with test hooks.
func CheckConfigOpts(path string, out io.Writer, o CheckOpts) error {
	cfg, err := agent.LoadConfig(path)
	if err != nil {
		fmt.Fprintf(out, "错误 / ERROR: %v\n", err)
		return fmt.Errorf("config check failed: 1 error")
	}
	var errs, warns []string
	fail := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	warn := func(format string, a ...any) { warns = append(warns, fmt.Sprintf(format, a...)) }

	if raw, err := os.ReadFile(cfg.Root); err != nil {
		fail("%s: root: %v (copy public/metadata/1.root.json of the county repository there)", path, err)
	} else if err := checkRoot(raw); err != nil {
		fail("%s: root: %s: %v", path, cfg.Root, err)
	}
	if err := checkWritable(cfg.State); err != nil {
		fail("%s: state: %v", path, err)
	}
	onPi := isPi()
	if o.OnPi != nil {
		onPi = *o.OnPi
	}
	for i, d := range cfg.Display {
		dev := d.Device
		if dev == "" || (d.Kind != "fbdev" && d.Kind != "drm") {
			dev = devicePaths[d.Kind]
		}
		if dev == "" {
			continue // sim
		}
		if _, err := os.Stat(filepath.Join(o.DevRoot, dev)); err != nil {
			msg := fmt.Sprintf("%s: display[%d] %q (kind %s): %s: %v%s", path, i, d.Name, d.Kind, dev, unwrapPath(err), hint(d.Kind))
			if onPi {
				errs = append(errs, msg)
			} else {
				warn("%s (not a Raspberry Pi: ignored)", msg)
			}
		}
	}
	for _, w := range warns {
		fmt.Fprintf(out, "警告 / WARN: %s\n", w)
	}
	for _, e := range errs {
		fmt.Fprintf(out, "错误 / ERROR: %s\n", e)
	}
	if len(errs) > 0 {
		return fmt.Errorf("config check failed: %d error(s)", len(errs))
	}
	fmt.Fprintln(out, "配置检查通过 / config OK")
	return nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func hint(kind string) string {
	switch kind {
	case "spi", "apa102":
		return " (enable SPI: dtparam=spi=on in config.txt)"
	case "fbdev", "drm":
		return " (dtoverlay=vc4-kms-v3d,composite in config.txt)"
	case "ws281x":
		return " (the ws281x build needs /dev/mem, as root)"
	}
	return ""
}

// checkWritable checks that dir exists and takes a file, or that its
// nearest existing parent would let it be created.
func checkWritable(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	case err == nil:
		f, err := os.CreateTemp(dir, ".config-check-*")
		if err != nil {
			return fmt.Errorf("%s is not writable: %v", dir, unwrapPath(err))
		}
		f.Close()
		return os.Remove(f.Name())
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	parent := filepath.Dir(dir)
	for {
		fi, err := os.Stat(parent)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("cannot create %s: %s is not a directory", dir, parent)
			}
			f, err := os.CreateTemp(parent, ".config-check-*")
			if err != nil {
				return fmt.Errorf("cannot create %s: %s is not writable: %v", dir, parent, unwrapPath(err))
			}
			f.Close()
			return os.Remove(f.Name())
		}
		if !errors.Is(err, fs.ErrNotExist) || parent == filepath.Dir(parent) {
			return fmt.Errorf("cannot create %s: %v", dir, err)
		}
		parent = filepath.Dir(parent)
	}
}

// isPi reports whether this machine is a Raspberry Pi.
func isPi() bool {
	if runtime.GOOS != "linux" || (runtime.GOARCH != "arm" && runtime.GOARCH != "arm64") {
		return false
	}
	b, _ := os.ReadFile("/proc/device-tree/model")
	return strings.Contains(string(b), "Raspberry Pi")
}
