package fbdev

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ioctl numbers from <linux/fb.h>.
const (
	fbioGetVScreenInfo = 0x4600
	fbioGetFScreenInfo = 0x4602
	fbioWaitForVSync   = 0x40044620 // _IOW('F', 0x20, __u32)
)

// fbFile is a framebuffer device node.
type fbFile struct {
	f   *os.File
	mem []byte
}

func openFile(path string) (device, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	return &fbFile{f: f}, nil
}

func (d *fbFile) ioctl(req uintptr, arg unsafe.Pointer) error {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, d.f.Fd(), req, uintptr(arg))
	if errno != 0 {
		return errno
	}
	return nil
}

func (d *fbFile) info() (fixScreenInfo, varScreenInfo, error) {
	var fix fixScreenInfo
	var v varScreenInfo
	if err := d.ioctl(fbioGetFScreenInfo, unsafe.Pointer(&fix)); err != nil {
		return fix, v, fmt.Errorf("FBIOGET_FSCREENINFO: %w", err)
	}
	if err := d.ioctl(fbioGetVScreenInfo, unsafe.Pointer(&v)); err != nil {
		return fix, v, fmt.Errorf("FBIOGET_VSCREENINFO: %w", err)
	}
	return fix, v, nil
}

func (d *fbFile) mmap(n int) ([]byte, error) {
	m, err := unix.Mmap(int(d.f.Fd()), 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	d.mem = m
	return m, nil
}

func (d *fbFile) waitVSync() error {
	var crtc uint32
	if err := d.ioctl(fbioWaitForVSync, unsafe.Pointer(&crtc)); err != nil {
		return fmt.Errorf("FBIO_WAITFORVSYNC: %w", err)
	}
	return nil
}

func (d *fbFile) close() error {
	var err error
	if d.mem != nil {
		err = unix.Munmap(d.mem)
		d.mem = nil
	}
	if cerr := d.f.Close(); err == nil {
		err = cerr
	}
	return err
}
