package systest

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

func TestCPIOHeader(t *testing.T) {
	var buf bytes.Buffer
	c := NewCPIO(&buf)
	if err := c.File("/init", 0o755, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// 110-byte header + "init\0" (115) padded to 116, then 5 data bytes
	// padded to 8, then the trailer.
	const hdr = "070701" + "00000001" + "000081ED" + "00000000" + "00000000" + "00000001" + "00000000" +
		"00000005" + "00000000" + "00000000" + "00000000" + "00000000" + "00000005" + "00000000"
	if got := string(b[:110]); got != hdr {
		t.Fatalf("header\n got %s\nwant %s", got, hdr)
	}
	if got := string(b[110:124]); got != "init\x00\x00hello\x00\x00\x00" {
		t.Fatalf("name and data %q", got)
	}
	if !bytes.Contains(b[124:], []byte("TRAILER!!!\x00")) || len(b)%4 != 0 {
		t.Fatalf("trailer or padding: %d bytes, %q", len(b), b[124:])
	}
}

// TestCPIOReadable lists an archive with GNU cpio when it is installed.
func TestCPIOReadable(t *testing.T) {
	cpio, err := exec.LookPath("cpio")
	if err != nil {
		t.Skip("cpio not installed")
	}
	var buf bytes.Buffer
	c := NewCPIO(&buf)
	for _, err := range []error{
		c.Dir("dev", 0o755),
		c.CharDev("dev/console", 0o600, 5, 1),
		c.File("init", 0o755, []byte("#!/bin/true\n")),
		c.File("lib/odd", 0o644, []byte("abc")),
		c.Close(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(cpio, "-itv", "--quiet")
	cmd.Stdin = &buf
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cpio -itv: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := []struct{ mode, name string }{{"drwxr-xr-x", "dev"}, {"crw-------", "dev/console"}, {"-rwxr-xr-x", "init"}, {"-rw-r--r--", "lib/odd"}}
	if len(lines) != len(want) {
		t.Fatalf("cpio lists %d entries, want %d:\n%s", len(lines), len(want), out)
	}
	for i, w := range want {
		f := strings.Fields(lines[i])
		if f[0] != w.mode || f[len(f)-1] != w.name {
			t.Errorf("entry %d: %q, want %s %s", i, lines[i], w.mode, w.name)
		}
	}
}
