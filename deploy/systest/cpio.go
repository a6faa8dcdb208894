package systest

import (
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// CPIO writes a cpio archive in the "newc" format the kernel unpacks as an
// initramfs. Entries need no real files and no root: device nodes are just
// headers.
type CPIO struct {
	w   io.Writer
	ino uint32
	err error
}

// NewCPIO writes an archive to w; call Close to finish it.
func NewCPIO(w io.Writer) *CPIO { return &CPIO{w: w, ino: 1} }

// Dir adds a directory.
func (c *CPIO) Dir(name string, perm fs.FileMode) error {
	return c.entry(name, 0o040000|uint32(perm.Perm()), 0, 0, nil)
}

// File adds a regular file.
func (c *CPIO) File(name string, perm fs.FileMode, data []byte) error {
	return c.entry(name, 0o100000|uint32(perm.Perm()), 0, 0, data)
}

// CharDev adds a character device node, e.g. dev/console (5, 1).
func (c *CPIO) CharDev(name string, perm fs.FileMode, major, minor uint32) error {
	return c.entry(name, 0o020000|uint32(perm.Perm()), major, minor, nil)
}

// Close writes the trailer.
func (c *CPIO) Close() error { return c.entry("TRAILER!!!", 0, 0, 0, nil) }

func (c *CPIO) entry(name string, mode, rmaj, rmin uint32, data []byte) error {
	if c.err != nil {
		return c.err
	}
	name = strings.TrimPrefix(name, "/")
	nlink := uint32(1)
	if mode&0o170000 == 0o040000 {
		nlink = 2
	}
	ino := c.ino
	if name == "TRAILER!!!" {
		ino, nlink = 0, 1
	}
	c.ino++
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rmaj, rmin, len(name)+1, 0)
	buf := make([]byte, 0, len(hdr)+len(name)+4)
	buf = append(buf, hdr...)
	buf = append(buf, name...)
	buf = append(buf, 0)
	buf = pad4(buf)
	if _, c.err = c.w.Write(buf); c.err != nil {
		return fmt.Errorf("cpio: write header of %q: %w", name, c.err)
	}
	if len(data) > 0 {
		if _, c.err = c.w.Write(data); c.err != nil {
			return fmt.Errorf("cpio: write %d bytes of %q: %w", len(data), name, c.err)
		}
		if n := (4 - len(data)%4) % 4; n > 0 {
			if _, c.err = c.w.Write(make([]byte, n)); c.err != nil {
				return fmt.Errorf("cpio: pad %q: %w", name, c.err)
			}
		}
	}
	return nil
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}
