//go:build systest

package systest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/content/sample"
	"github.com/sunboard/sunboard/feed/publish"
)

// TestQEMU is the emulated boot test: the host's Debian kernel under
// qemu-system-x86_64 boots an initramfs holding initprog as /init, the
// static sunboard binary, its config and the county's pinned root.json,
// but no content. The guest loads its NIC driver (e1000.ko), configures
// 10.0.2.15 on QEMU user networking and runs `sunboard sync` against a
// throwaway county served by the real `sunpub serve` on the host (reached
// as 10.0.2.2, through a logging pass-through per guest so the test sees
// what the guest fetched). The county publishes the sample village renamed
// (PublishedName), so the screen tells fetched content from the sample
// compiled into sunboard. The guest draws the first page of the content it
// verified on the kernel's display, and the test compares QEMU's
// screendump with the same page rendered here: subtest fbdev on vesafb's
// /dev/fb0 (-vga std, vga=0x318: 1024x768 packed 24 bpp), subtest drm on
// /dev/dri/card0 of -device bochs-display (bochs.ko and its deps loaded by
// initprog). Needs:
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
	modDir := "/lib/modules/" + release
	bins := buildAll(t)
	t.Logf("kernel %s; initprog, sunboard (linux/amd64, static) and sunpub built in %s", kernel, time.Since(begin).Round(time.Millisecond))
	t.Cleanup(func() { t.Logf("total %s", time.Since(begin).Round(time.Millisecond)) })

	// The county: the sample village, signed, served by `sunpub serve`.
	county := filepath.Join(t.TempDir(), "county")
	if _, err := publish.Init(county, publish.InitOpts{}); err != nil {
		t.Fatal(err)
	}
	repo, err := publish.Open(county)
	if err != nil {
		t.Fatal(err)
	}
	files, err := content.ReadAll(sample.Village())
	if err != nil {
		t.Fatal(err)
	}
	// The guest must show what it fetched, not the sample village that
	// sunboard carries for its demo: the county publishes it renamed.
	renamed := bytes.Replace(files["village.toml"], []byte(`"`+sampleName+`"`), []byte(`"`+PublishedName+`"`), 1)
	if bytes.Equal(renamed, files["village.toml"]) {
		t.Fatalf("sample village.toml has no name %q:\n%s", sampleName, files["village.toml"])
	}
	files["village.toml"] = renamed
	published, err := loadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.PublishVillage(Village, files); err != nil {
		t.Fatal(err)
	}
	root, err := os.ReadFile(repo.RootPath())
	if err != nil {
		t.Fatal(err)
	}
	upstream, version := sunpubServe(t, bins.sunpub, county)

	nic, err := moduleChain(modDir, "kernel/drivers/net/ethernet/intel/e1000/e1000.ko")
	if err != nil {
		t.Fatal(err)
	}
	g := guest{qemu: qemu, kernel: kernel, modDir: modDir, init: bins.init, sunboard: bins.sunboard, root: root, upstream: upstream, version: version, published: published}
	// The two guests boot side by side.
	t.Run("fbdev", func(t *testing.T) {
		t.Parallel()
		g.boot(t, "fbdev", nic, []string{"-vga", "std"}, "vga=0x318")
	})
	t.Run("drm", func(t *testing.T) {
		t.Parallel()
		mods, err := moduleChain(modDir, "kernel/drivers/gpu/drm/tiny/bochs.ko")
		if err != nil {
			t.Fatal(err)
		}
		g.boot(t, "drm", append(slices.Clone(nic), mods...), []string{"-vga", "none", "-device", "bochs-display,vgamem=64M"}, "")
	})
}

// Village is the sample village's id.
const Village = "370783-101-001"

// The county publishes the sample village as PublishedName instead of
// sampleName, its name in content/sample, which the first TV page shows.
const (
	sampleName    = "东升村"
	PublishedName = "西升村"
)

// loadFiles loads a village from its files (content.ReadAll's map).
func loadFiles(files map[string][]byte) (*content.Village, error) {
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	v, err := content.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("load the published village: %w", err)
	}
	return v, nil
}

// guest is what both guests share.
type guest struct {
	qemu, kernel, modDir string
	init, sunboard, root []byte
	upstream             string // sunpub serve's base URL
	version              int64  // the snapshot version it serves
	published            *content.Village
}

// boot runs one guest whose display is of kind (fbdev or drm) until it
// prints Marker, then checks what it fetched and its screen.
func (g guest) boot(t *testing.T, kind string, mods []string, devArgs []string, appendArgs string) {
	begin := time.Now()
	dir := t.TempDir()
	feedLog := proxy(t, g.upstream)
	cfg := fmt.Sprintf(`# /etc/sunboard/sunboard.toml of the systest guest
village = %q
feed    = "http://10.0.2.2:%d/"
root    = "/etc/sunboard/root.json"
state   = "/var/lib/sunboard"

[[display]]
name    = "tv"
kind    = %q
profile = "tv"
`, Village, feedLog.port, kind)
	initrd := writeInitramfs(t, g, []byte(cfg), mods)

	mon := filepath.Join(dir, "monitor.sock")
	args := append([]string{"-m", "512", "-nographic", "-no-reboot",
		"-netdev", "user,id=n0", "-device", "e1000,netdev=n0"}, devArgs...)
	args = append(args, "-kernel", g.kernel, "-initrd", initrd,
		"-append", strings.TrimSpace("console=ttyS0 panic=-1 "+appendArgs),
		"-monitor", "unix:"+mon+",server,nowait")
	cmd := exec.Command(g.qemu, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", g.qemu, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	// Read the serial console until the marker line (or QEMU exits).
	var console bytes.Buffer
	tail := func() string { return consoleTail(console.String(), 60) }
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var marker, synced string
	timeout := time.After(150 * time.Second)
wait:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("QEMU exited before %s; console (tail):\n%s", Marker, tail())
			}
			console.WriteString(l + "\n")
			if strings.Contains(l, "initprog:") {
				t.Fatalf("guest failed: %s\nconsole (tail):\n%s\nfeed requests:\n%s", l, tail(), feedLog.String())
			}
			if i := strings.Index(l, Synced); i >= 0 {
				synced = l[i:]
			}
			if i := strings.Index(l, Marker); i >= 0 {
				marker = l[i:]
				break wait
			}
		case <-timeout:
			t.Fatalf("no %s on the console after 150 s; console (tail):\n%s\nfeed requests:\n%s", Marker, tail(), feedLog.String())
		}
	}
	booted := time.Since(begin)
	t.Logf("guest: %s", synced)
	t.Logf("guest: %s (%s after start)", marker, booted.Round(time.Millisecond))
	go func() { // keep draining the console
		for range lines {
		}
	}()
	// Whatever fails from here on, show how the guest got there.
	defer func() {
		if t.Failed() {
			t.Logf("guest console (tail):\n%s", tail())
		}
	}()

	// The content came over the network: the guest says which version it
	// verified, and the county saw it fetch the metadata and the targets.
	wantSynced := fmt.Sprintf("%s version %d village %s http://10.0.2.2:%d/", Synced, g.version, Village, feedLog.port)
	if !strings.HasPrefix(synced, wantSynced) {
		t.Errorf("guest synced %q, want %q...", synced, wantSynced)
	}
	reqs := feedLog.String()
	t.Logf("feed requests from the guest:\n%s", reqs)
	for _, want := range []string{
		"GET /metadata/timestamp.json 200",
		fmt.Sprintf("GET /metadata/%d.snapshot.json 200", g.version),
		"GET /targets/villages/" + Village[:10] + "/" + Village + "/",
	} {
		if !strings.Contains(reqs, want) {
			t.Errorf("no %q among the guest's requests to sunpub serve:\n%s", want, reqs)
		}
	}

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
	want, err := Page(g.published, w, h)
	if err != nil {
		t.Fatal(err)
	}
	// The page of the sample as compiled into sunboard: the screen must
	// show the published name where the two differ.
	sampleVillage, err := content.Load(sample.Village())
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Page(sampleVillage, w, h)
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
	same := func(a, b color.RGBA) bool {
		return a.R&mask[0] == b.R&mask[0] && a.G&mask[1] == b.G&mask[1] && a.B&mask[2] == b.B&mask[2]
	}
	diff, first := 0, image.Point{-1, -1}
	renamed, renamedShown := 0, 0 // pixels where the name changes the page
	for y := range h {
		for x := range w {
			a, e := got.RGBAAt(x, y), want.RGBAAt(x, y)
			if !same(a, e) {
				if diff == 0 {
					first = image.Pt(x, y)
				}
				diff++
			}
			if !same(e, plain.RGBAAt(x, y)) {
				renamed++
				if same(a, e) {
					renamedShown++
				}
			}
		}
	}
	t.Logf("format %s, %dx%d: %d of %d pixels differ (first at %v); %d of the %d pixels where %s differs from %s match; total %s",
		format, w, h, diff, w*h, first, renamedShown, renamed, PublishedName, sampleName, time.Since(begin).Round(time.Millisecond))
	if diff*100 > w*h {
		t.Errorf("%d of %d pixels differ (> 1 %%), first at %v: got %v want %v (screendump: %s)",
			diff, w*h, first, got.RGBAAt(first.X, first.Y), want.RGBAAt(first.X, first.Y), filepath.Join(dir, "screen.png"))
	}
	switch {
	case renamed == 0:
		t.Errorf("the first page at %dx%d looks the same for %s and %s: the screen cannot show where the content came from", w, h, sampleName, PublishedName)
	case renamedShown*10 < renamed*9:
		t.Errorf("only %d of the %d pixels where the published village (%s) differs from the built-in sample (%s) show it (screendump: %s)",
			renamedShown, renamed, PublishedName, sampleName, filepath.Join(dir, "screen.png"))
	}
}

// binaries are the programs the test builds.
type binaries struct {
	init, sunboard []byte // static linux/amd64, for the guest
	sunpub         string // for the host
}

// buildAll builds initprog and cmd/sunboard for the guest (static,
// linux/amd64, stripped: they travel in the initramfs) and cmd/sunpub for
// the host. On a linux/amd64 host, one go build makes all three: their
// shared packages compile once.
func buildAll(t *testing.T) binaries {
	t.Helper()
	dir := t.TempDir()
	modRoot, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	build := func(env []string, pkgs ...string) {
		args := append([]string{"build", "-trimpath", "-ldflags=-s -w", "-o", dir + string(filepath.Separator)}, pkgs...)
		cmd := exec.Command("go", args...)
		cmd.Dir = modRoot
		cmd.Env = append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	guestPkgs := []string{"./deploy/systest/initprog", "./cmd/sunboard"}
	if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" {
		build([]string{"CGO_ENABLED=0"}, append(guestPkgs, "./cmd/sunpub")...)
	} else {
		build([]string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64"}, guestPkgs...)
		build(nil, "./cmd/sunpub")
	}
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	return binaries{init: read("initprog"), sunboard: read("sunboard"), sunpub: filepath.Join(dir, "sunpub")}
}

// sunpubServe runs `sunpub serve --repo county` on a free loopback port
// until the test ends. Once it answers, it returns its base URL and the
// snapshot version its timestamp.json names: the version number an agent
// syncing from it verifies.
func sunpubServe(t *testing.T, sunpub, county string) (url string, snapshot int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var log syncBuffer
	cmd := exec.Command(sunpub, "serve", "--repo", county, "--addr", addr)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		t.Logf("sunpub serve log:\n%s", log.String())
	})
	url = "http://" + addr + "/"
	for i := 0; ; i++ {
		select {
		case err := <-exited:
			t.Fatalf("sunpub serve exited: %v\n%s", err, log.String())
		default:
		}
		resp, err := http.Get(url + "metadata/timestamp.json")
		if err == nil {
			var ts struct {
				Signed struct {
					Meta map[string]struct{ Version int64 } `json:"meta"`
				} `json:"signed"`
			}
			if resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("GET timestamp.json: %s", resp.Status)
			} else if err = json.NewDecoder(resp.Body).Decode(&ts); err == nil {
				snapshot = ts.Signed.Meta["snapshot.json"].Version
			}
			resp.Body.Close()
			if snapshot > 0 {
				break
			}
		}
		if i == 200 {
			t.Fatalf("sunpub serve at %s does not answer: %v\n%s", url, err, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("sunpub serve: %s; snapshot version %d", strings.TrimSpace(log.String()), snapshot)
	return url, snapshot
}

// requestLog is one guest's pass-through to sunpub serve: it listens on a
// loopback port of its own (the guest's 10.0.2.2:port) and records every
// request with the status sunpub answered.
type requestLog struct {
	port int
	syncBuffer
}

func proxy(t *testing.T, upstream string) *requestLog {
	t.Helper()
	target, err := neturl.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	l := &requestLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		rp.ServeHTTP(sw, r)
		fmt.Fprintf(l, "%s %s %d\n", r.Method, r.URL.Path, sw.status)
	}))
	t.Cleanup(srv.Close)
	l.port = srv.Listener.Addr().(*net.TCPAddr).Port
	return l
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// syncBuffer is a bytes.Buffer safe for concurrent writers and readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// consoleTail is the last n lines of the console.
func consoleTail(console string, n int) string {
	lines := strings.SplitAfter(console, "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[... %d lines before]\n", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "")
}

// moduleChain returns the modules (paths under modDir) that mod needs, in
// load order, ending with mod itself, from modules.dep.
func moduleChain(modDir, mod string) ([]string, error) {
	dep, err := os.ReadFile(filepath.Join(modDir, "modules.dep"))
	if err != nil {
		return nil, fmt.Errorf("kernel modules for the guest: %w", err)
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

// writeInitramfs packs initprog as /init, the static agent as
// /bin/sunboard, its config and the county's root.json under
// /etc/sunboard, /dev/console, and the modules (paths under g.modDir) as
// /lib/modules/NN-name.ko listed in /lib/modules/order.
func writeInitramfs(t *testing.T, g guest, config []byte, mods []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "initramfs.cpio")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	c := NewCPIO(bw)
	for _, d := range []string{"bin", "dev", "etc", "etc/sunboard", "lib", "lib/modules", "proc", "sys", "tmp", "var", "var/lib"} {
		if err := c.Dir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.CharDev("dev/console", 0o600, 5, 1); err != nil {
		t.Fatal(err)
	}
	for _, file := range []struct {
		name string
		mode fs.FileMode
		data []byte
	}{
		{"init", 0o755, g.init},
		{"bin/sunboard", 0o755, g.sunboard},
		{"etc/sunboard/sunboard.toml", 0o644, config},
		{"etc/sunboard/root.json", 0o644, g.root},
	} {
		if err := c.File(file.name, file.mode, file.data); err != nil {
			t.Fatal(err)
		}
	}
	var order strings.Builder
	for i, m := range mods {
		data, err := os.ReadFile(filepath.Join(g.modDir, m))
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
