// Command initprog is /init of the systest initramfs: it mounts /dev, /proc
// and /sys, draws the sample village's first TV page on /dev/fb0 with
// display/fbdev, prints systest.Marker on the console and sleeps. Build it
// static: CGO_ENABLED=0 go build ./deploy/systest/initprog
package main

import (
	"fmt"
	"image"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sunboard/sunboard/deploy/systest"
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
	path := "/dev/fb0"
	if len(os.Args) > 1 {
		path = os.Args[1]
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
	dev, err := fbdev.Open(path, nil)
	if err != nil {
		return err
	}
	b := dev.Bounds()
	img, err := systest.SamplePage(b.Dx(), b.Dy())
	if err != nil {
		return err
	}
	rendered := time.Since(start)
	if err := dev.Draw(b, img, image.Point{}); err != nil {
		return err
	}
	fmt.Printf("%s %dx%d %s %s render=%s total=%s\n", systest.Marker, b.Dx(), b.Dy(), dev.Format(), dev, rendered.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	return nil
}
