// Command initprog is /init of the systest initramfs. It does what a
// provisioned board does at boot, with the kernel as the only other
// software:
//
//  1. mounts /dev, /proc and /sys, loads the kernel modules named in
//     /lib/modules/order (finit_module: the NIC, and for DRM bochs and its
//     dependencies);
//  2. brings up lo and the first Ethernet interface as 10.0.2.15/24 with a
//     default route via 10.0.2.2, QEMU user networking's host;
//  3. runs the static agent, `/bin/sunboard sync --config
//     /etc/sunboard/sunboard.toml`, which fetches and verifies the village's
//     content from the county (`sunpub serve` on the host) against the
//     pinned root.json, and prints systest.Synced with the version it
//     verified;
//  4. opens the config's TV display (kind fbdev on /dev/fb0 or drm on
//     /dev/dri/card0), draws the first page of the synced content at
//     systest.At, prints systest.Marker and sleeps.
//
// Any failure is printed as "initprog: ..." on the console. Build it
// static: CGO_ENABLED=0 go build ./deploy/systest/initprog
package main

import (
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
	"periph.io/x/conn/v3/display"

	"github.com/sunboard/sunboard/agent"
	"github.com/sunboard/sunboard/deploy/systest"
	"github.com/sunboard/sunboard/display/drm"
	"github.com/sunboard/sunboard/display/fbdev"
)

// Config is where the test puts the agent's config in the initramfs.
const Config = "/etc/sunboard/sunboard.toml"

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
	if err := loadModules("/lib/modules/order"); err != nil {
		return err
	}
	if err := netUp(); err != nil {
		return err
	}

	// The agent, as `sunboard sync` on a board.
	start := time.Now()
	sync := exec.Command("/bin/sunboard", "sync", "--config", Config)
	sync.Stdout, sync.Stderr = os.Stdout, os.Stdout
	if err := sync.Run(); err != nil {
		return fmt.Errorf("sunboard sync: %w", err)
	}
	cfg, err := agent.LoadConfig(Config)
	if err != nil {
		return err
	}
	// The page clock stops at systest.At, as on the host; the store is
	// what the sync just verified (Open never touches the network).
	a, err := agent.Open(cfg, func() time.Time { return systest.At })
	if err != nil {
		return err
	}
	c, ok := a.Content()
	if !ok {
		return fmt.Errorf("sunboard sync succeeded but the store %s has no verified content", cfg.State)
	}
	fmt.Printf("%s version %d village %s %s in %s (guest clock %s)\n", systest.Synced, c.Version, c.Village.ID, cfg.Feed,
		time.Since(start).Round(time.Millisecond), time.Now().UTC().Format(time.RFC3339))

	if len(cfg.Display) != 1 {
		return fmt.Errorf("%s: want one [[display]], have %d", Config, len(cfg.Display))
	}
	d := cfg.Display[0]
	path := d.Device
	if path == "" {
		path = map[string]string{"fbdev": "/dev/fb0", "drm": "/dev/dri/card0"}[d.Kind]
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
	start = time.Now()
	var dev display.Drawer
	var format string
	switch d.Kind {
	case "drm":
		card, err := drm.Open(path, nil)
		if err != nil {
			return err
		}
		dev, format = card, card.Format()
	case "fbdev":
		fb, err := fbdev.Open(path, nil)
		if err != nil {
			return err
		}
		dev, format = fb, fb.Format().String()
	default:
		return fmt.Errorf("display kind %q: want fbdev or drm", d.Kind)
	}
	b := dev.Bounds()
	img, err := systest.Page(c.Village, b.Dx(), b.Dy())
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

// QEMU user networking: the guest is 10.0.2.15, the host 10.0.2.2.
var (
	guestIP = [4]byte{10, 0, 2, 15}
	netmask = [4]byte{255, 255, 255, 0}
	hostIP  = [4]byte{10, 0, 2, 2}
)

// netUp brings up lo and the first Ethernet interface with the address
// QEMU's DHCP would hand out, and a default route via the host.
func netUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	if err := ifUp(fd, "lo", [4]byte{127, 0, 0, 1}, [4]byte{255, 0, 0, 0}); err != nil {
		return err
	}
	// The NIC driver registers its interface while its module loads; wait
	// a little in case probing is deferred.
	var eth string
	for i := 0; eth == "" && i < 100; i++ {
		links, _ := filepath.Glob("/sys/class/net/*")
		for _, l := range links {
			if n := filepath.Base(l); n != "lo" {
				eth = n
				break
			}
		}
		if eth == "" {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if eth == "" {
		return fmt.Errorf("no network interface in /sys/class/net (NIC module not loaded?)")
	}
	if err := ifUp(fd, eth, guestIP, netmask); err != nil {
		return err
	}
	if err := addDefaultRoute(fd, hostIP); err != nil {
		return err
	}
	fmt.Printf("network: %s %d.%d.%d.%d/24 via %d.%d.%d.%d\n", eth,
		guestIP[0], guestIP[1], guestIP[2], guestIP[3], hostIP[0], hostIP[1], hostIP[2], hostIP[3])
	return nil
}

// ifUp sets an interface's IPv4 address and netmask and sets it up.
func ifUp(fd int, name string, addr, mask [4]byte) error {
	set := func(req uint, v [4]byte) error {
		ifr, err := unix.NewIfreq(name)
		if err != nil {
			return err
		}
		if err := ifr.SetInet4Addr(v[:]); err != nil {
			return err
		}
		return unix.IoctlIfreq(fd, req, ifr)
	}
	if err := set(unix.SIOCSIFADDR, addr); err != nil {
		return fmt.Errorf("%s: set address: %w", name, err)
	}
	if err := set(unix.SIOCSIFNETMASK, mask); err != nil {
		return fmt.Errorf("%s: set netmask: %w", name, err)
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("%s: get flags: %w", name, err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP | unix.IFF_RUNNING)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("%s: set up: %w", name, err)
	}
	return nil
}

// rtentry is struct rtentry of <linux/route.h> (SIOCADDRT); Go lays it out
// as C does on 64-bit Linux.
type rtentry struct {
	pad1    uint64
	dst     unix.RawSockaddrInet4
	gateway unix.RawSockaddrInet4
	genmask unix.RawSockaddrInet4
	flags   uint16
	pad2    int16
	pad3    uint64
	pad4    uintptr
	metric  int16
	dev     uintptr
	mtu     uint64
	window  uint64
	irtt    uint16
}

// addDefaultRoute adds 0.0.0.0/0 via gw (the interface follows from gw's
// subnet route).
func addDefaultRoute(fd int, gw [4]byte) error {
	const rtfUp, rtfGateway = 0x1, 0x2
	rt := rtentry{flags: rtfUp | rtfGateway}
	rt.dst.Family = unix.AF_INET
	rt.genmask.Family = unix.AF_INET
	rt.gateway.Family = unix.AF_INET
	rt.gateway.Addr = gw
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCADDRT, uintptr(unsafe.Pointer(&rt))); errno != 0 {
		return fmt.Errorf("default route via %v: %w", gw, errno)
	}
	return nil
}
