// Command initprog is /init of the systest initramfs: it mounts /dev, /proc
// and /sys, draws the sample village's first TV page on /dev/fb0 with
// display/fbdev, prints systest.Marker on the console and sleeps. With
// sunboard.drm on the kernel command line it first loads the modules named
// in /lib/modules/order (finit_module) and draws on /dev/dri/card0 with
// display/drm instead. Build it static:
// CGO_ENABLED=0 go build ./deploy/systest/initprog
package main

import (
	"fmt"
	"image"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
	"periph.io/x/conn/v3/display"

	"github.com/sunboard/sunboard/deploy/systest"
	"github.com/sunboard/sunboard/display/drm"
	"github.com/sunboard/sunboard/display/fbdev"
)

func main() {
	if err := run(); err != nil {
		fmt.Println("initprog:", err)
	}
	for {
		time.Sleep(time.Hour)
	}
}

func run() error {
	for _, m := range []struct{ src, dir, fstype string }{
		{"devtmpfs", "/dev", "devtmpfs"}, {"proc", "/proc", "proc"}, {"sysfs", "/sys", "sysfs"},
	} {
		if err := os.MkdirAll(m.dir, 0o755); err != nil {
			return err
		}
		if err := unix.Mount(m.src, m.dir, m.fstype, 0, ""); err != nil {
			return fmt.Errorf("mount %s on %s: %w", m.fstype, m.dir, err)
		}
	}
	cmdline, err := os.ReadFile("/proc/cmdline")
	if err != nil {
		return err
	}
	useDRM := strings.Contains(string(cmdline), "sunboard.drm")
	path := "/dev/fb0"
	if useDRM {
		path = "/dev/dri/card0"
		if err := loadModules("/lib/modules/order"); err != nil {
			return err
		}
	}
	// The framebuffer driver may register after init starts.
	for i := 0; ; i++ {
		if _, err := os.Stat(path); err == nil || i == 100 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Stop the text console drawing its cursor over the picture.
	if tty, err := os.OpenFile("/dev/tty0", os.O_RDWR, 0); err == nil {
		const kdSetMode, kdGraphics = 0x4B3A, 1
		_, _, _ = unix.Syscall(unix.SYS_IOCTL, tty.Fd(), kdSetMode, uintptr(kdGraphics))
		defer tty.Close()
	}
	start := time.Now()
	var dev display.Drawer
	var format string
	if useDRM {
		d, err := drm.Open(path, nil)
		if err != nil {
			return err
		}
		dev, format = d, d.Format()
	} else {
		d, err := fbdev.Open(path, nil)
		if err != nil {
			return err
		}
		dev, format = d, d.Format().String()
	}
	b := dev.Bounds()
	img, err := systest.SamplePage(b.Dx(), b.Dy())
	if err != nil {
		return err
	}
	rendered := time.Since(start)
	// Twice: with DRM that shows both buffers, each after a page flip.
	for range 2 {
		if err := dev.Draw(b, img, image.Point{}); err != nil {
			return err
		}
	}
	fmt.Printf("%s %dx%d %s %s render=%s total=%s\n", systest.Marker, b.Dx(), b.Dy(), format, dev, rendered.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	return nil
}

// loadModules loads the kernel modules listed, one path a line, in order.
func loadModules(list string) error {
	b, err := os.ReadFile(list)
	if err != nil {
		return fmt.Errorf("read module list: %w", err)
	}
	for _, p := range strings.Fields(string(b)) {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("open module: %w", err)
		}
		err = unix.FinitModule(int(f.Fd()), "", 0)
		f.Close()
		if err != nil && err != unix.EEXIST {
			return fmt.Errorf("finit_module %s: %w", p, err)
		}
	}
	return nil
}
