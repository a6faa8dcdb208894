//go:build systest

package systest

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestQEMU boots the host's Debian kernel under qemu-system-x86_64 with an
// initramfs whose /init (initprog) draws the sample page, then compares
// QEMU's screendump with the same page rendered here: subtest fbdev on
// vesafb's /dev/fb0 (-vga std, vga=0x318: 1024x768 packed 24 bpp), subtest
// drm on /dev/dri/card0 of -device bochs-display (bochs.ko and its deps
// loaded by initprog). Needs:
//
//	apt-get install -y qemu-system-x86 linux-image-amd64 cpio
//
// Set SUNBOARD_SYSTEST_OUT=dir to keep the screendump PNGs.
func TestQEMU(t *testing.T) {
	begin := time.Now()
	qemu, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		t.Fatalf("qemu-system-x86_64 not found (apt-get install -y qemu-system-x86 linux-image-amd64 cpio): %v", err)
	}
	kernels, _ := filepath.Glob("/boot/vmlinuz-*")
	if len(kernels) == 0 {
		t.Fatal("no /boot/vmlinuz-* (apt-get install -y linux-image-amd64)")
	}
	kernel := kernels[len(kernels)-1]
	release := strings.TrimPrefix(filepath.Base(kernel), "vmlinuz-")
	init := buildInit(t)
	t.Logf("kernel %s, initprog built in %s", kernel, time.Since(begin).Round(time.Millisecond))
	t.Cleanup(func() { t.Logf("total %s", time.Since(begin).Round(time.Millisecond)) })
	// The two guests boot side by side.
	t.Run("fbdev", func(t *testing.T) {
		t.Parallel()
		initrd := writeInitramfs(t, init, "", nil)
		boot(t, qemu, kernel, initrd, []string{"-vga", "std"}, "vga=0x318")
	})
	t.Run("drm", func(t *testing.T) {
		t.Parallel()
		mods, err := moduleChain("/lib/modules/"+release, "kernel/drivers/gpu/drm/tiny/bochs.ko")
		if err != nil {
			t.Fatal(err)
		}
		initrd := writeInitramfs(t, init, "/lib/modules/"+release, mods)
		boot(t, qemu, kernel, initrd, []string{"-vga", "none", "-device", "bochs-display,vgamem=64M"}, "sunboard.drm")
	})
}

// boot runs one guest until it prints Marker, then checks its screen.
func boot(t *testing.T, qemu, kernel, initrd string, devArgs []string, appendArgs string) {
	begin := time.Now()
	dir := t.TempDir()
	mon := filepath.Join(dir, "monitor.sock")
	args := append([]string{"-m", "512", "-nographic", "-no-reboot"}, devArgs...)
	args = append(args, "-kernel", kernel, "-initrd", initrd,
		"-append", "console=ttyS0 panic=-1 "+appendArgs,
		"-monitor", "unix:"+mon+",server,nowait")
	cmd := exec.Command(qemu, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", qemu, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	// Read the serial console until the marker line (or QEMU exits).
	var console bytes.Buffer
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var marker string
	timeout := time.After(50 * time.Second)
wait:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("QEMU exited before %s; console:\n%s", Marker, console.String())
			}
			console.WriteString(l + "\n")
			if strings.Contains(l, "initprog:") {
				t.Fatalf("guest failed: %s\nconsole:\n%s", l, console.String())
			}
			if i := strings.Index(l, Marker); i >= 0 {
				marker = l[i:]
				break wait
			}
		case <-timeout:
			t.Fatalf("no %s on the console after 50 s; console:\n%s", Marker, console.String())
		}
	}
	booted := time.Since(begin)
	t.Logf("guest: %s (%s after start)", marker, booted.Round(time.Millisecond))
	go func() { // keep draining the console
		for range lines {
		}
	}()
	f := strings.Fields(marker)
	var w, h int
	if len(f) < 3 {
		t.Fatalf("marker line %q: want %s WxH FORMAT", marker, Marker)
	}
	if _, err := fmt.Sscanf(f[1], "%dx%d", &w, &h); err != nil {
		t.Fatalf("marker line %q: size %q: %v", marker, f[1], err)
	}
	format := f[2]

	ppm := filepath.Join(dir, "screen.ppm")
	screendump(t, mon, ppm)
	got, err := readPPM(ppm)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rect.Dx() != w || got.Rect.Dy() != h {
		t.Fatalf("screendump is %v, the guest drew %dx%d", got.Rect, w, h)
	}
	want, err := SamplePage(w, h)
	if err != nil {
		t.Fatal(err)
	}
	savePNG(t, filepath.Join(dir, "screen.png"), got)
	if d := os.Getenv("SUNBOARD_SYSTEST_OUT"); d != "" {
		name := strings.ReplaceAll(t.Name(), "/", "-")
		savePNG(t, filepath.Join(d, name+"-screen.png"), got)
		savePNG(t, filepath.Join(d, name+"-want.png"), want)
	}

	// RGB565 keeps 5/6/5 bits: compare what survives; 24/32 bpp is exact.
	mask := [3]uint8{0xFF, 0xFF, 0xFF}
	if strings.HasSuffix(format, "565") {
		mask = [3]uint8{0xF8, 0xFC, 0xF8}
	}
	diff, first := 0, image.Point{-1, -1}
	for y := range h {
		for x := range w {
			g, e := got.RGBAAt(x, y), want.RGBAAt(x, y)
			if g.R&mask[0] != e.R&mask[0] || g.G&mask[1] != e.G&mask[1] || g.B&mask[2] != e.B&mask[2] {
				if diff == 0 {
					first = image.Pt(x, y)
				}
				diff++
			}
		}
	}
	t.Logf("format %s, %dx%d: %d of %d pixels differ (first at %v); total %s", format, w, h, diff, w*h, first, time.Since(begin).Round(time.Millisecond))
	if diff*100 > w*h {
		t.Errorf("%d of %d pixels differ (> 1 %%), first at %v: got %v want %v", diff, w*h, first, got.RGBAAt(first.X, first.Y), want.RGBAAt(first.X, first.Y))
	}
}

// buildInit builds initprog, static.
func buildInit(t *testing.T) []byte {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "init")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "./initprog")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./initprog: %v\n%s", err, b)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// moduleChain returns the modules (paths under modDir) that mod needs, in
// load order, ending with mod itself, from modules.dep.
func moduleChain(modDir, mod string) ([]string, error) {
	dep, err := os.ReadFile(filepath.Join(modDir, "modules.dep"))
	if err != nil {
		return nil, fmt.Errorf("kernel modules for the drm test: %w", err)
	}
	for _, line := range strings.Split(string(dep), "\n") {
		name, deps, ok := strings.Cut(line, ":")
		if !ok || name != mod {
			continue
		}
		d := strings.Fields(deps)
		slices.Reverse(d) // modules.dep lists the deepest dependency last
		return append(d, mod), nil
	}
	return nil, fmt.Errorf("%s not in %s/modules.dep", mod, modDir)
}

// writeInitramfs packs init as /init with /dev/console and the modules
// (paths under modDir) as /lib/modules/NN.ko listed in /lib/modules/order.
func writeInitramfs(t *testing.T, init []byte, modDir string, mods []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "initramfs.cpio")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	c := NewCPIO(bw)
	for _, d := range []string{"dev", "proc", "sys", "lib", "lib/modules"} {
		if err := c.Dir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.CharDev("dev/console", 0o600, 5, 1); err != nil {
		t.Fatal(err)
	}
	if err := c.File("init", 0o755, init); err != nil {
		t.Fatal(err)
	}
	var order strings.Builder
	for i, m := range mods {
		data, err := os.ReadFile(filepath.Join(modDir, m))
		if err != nil {
			t.Fatalf("module for the initramfs: %v", err)
		}
		name := fmt.Sprintf("lib/modules/%02d-%s", i, filepath.Base(m))
		if err := c.File(name, 0o644, data); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&order, "/%s\n", name)
	}
	if err := c.File("lib/modules/order", 0o644, []byte(order.String())); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
	return path
}

// screendump asks the QEMU monitor for a PPM of the screen and waits for
// the monitor's next prompt, which comes once the file is written.
func screendump(t *testing.T, sock, file string) {
	t.Helper()
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatalf("connect to QEMU monitor %s: %v", sock, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(conn)
	prompt := func() string {
		var b strings.Builder
		for !strings.HasSuffix(b.String(), "(qemu) ") {
			c, err := r.ReadByte()
			if err != nil {
				t.Fatalf("read QEMU monitor %s: %v (so far %q)", sock, err, b.String())
			}
			b.WriteByte(c)
		}
		return b.String()
	}
	prompt()
	if _, err := fmt.Fprintf(conn, "screendump %s\n", file); err != nil {
		t.Fatalf("send screendump to %s: %v", sock, err)
	}
	if reply := prompt(); strings.Contains(reply, "rror") {
		t.Fatalf("screendump %s: %s", file, reply)
	}
}

// readPPM reads a binary (P6, maxval 255) PPM.
func readPPM(path string) (*image.RGBA, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read screendump: %w", err)
	}
	r := bufio.NewReader(bytes.NewReader(data))
	var fields []int
	magic, err := token(r)
	if err != nil || magic != "P6" {
		return nil, fmt.Errorf("screendump %s: magic %q, want P6: %v", path, magic, err)
	}
	for len(fields) < 3 {
		s, err := token(r)
		if err != nil {
			return nil, fmt.Errorf("screendump %s header: %w", path, err)
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("screendump %s header field %q: %w", path, s, err)
		}
		fields = append(fields, n)
	}
	w, h := fields[0], fields[1]
	if fields[2] != 255 {
		return nil, fmt.Errorf("screendump %s: maxval %d, want 255", path, fields[2])
	}
	px := make([]byte, 3*w*h)
	if _, err := io.ReadFull(r, px); err != nil {
		return nil, fmt.Errorf("screendump %s: %dx%d pixels: %w", path, w, h, err)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i, j := 0, 0; i < len(px); i, j = i+3, j+4 {
		img.Pix[j], img.Pix[j+1], img.Pix[j+2], img.Pix[j+3] = px[i], px[i+1], px[i+2], 0xFF
	}
	return img, nil
}

// token reads one whitespace-separated header token, skipping # comments;
// it consumes the single whitespace byte after it.
func token(r *bufio.Reader) (string, error) {
	var b []byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			return "", err
		}
		switch {
		case c == '#' && len(b) == 0:
			if _, err := r.ReadString('\n'); err != nil {
				return "", err
			}
		case c == ' ' || c == '\n' || c == '\t' || c == '\r':
			if len(b) > 0 {
				return string(b), nil
			}
		default:
			b = append(b, c)
		}
	}
}

func savePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}
