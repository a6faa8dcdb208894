package arm64test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io/fs"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/content/sample"
	"github.com/sunboard/sunboard/feed/publish"
)

// qemu finds the user-mode emulator; without it the test skips, except in
// CI where it must be installed (apt-get install qemu-user).
func qemu(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"qemu-aarch64", "qemu-aarch64-static"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("qemu-aarch64 not found and CI is set: apt-get install qemu-user")
	}
	t.Skip("qemu-aarch64 not found (Debian package qemu-user)")
	return ""
}

func run(t *testing.T, ctx context.Context, name string, args ...string) {
	t.Helper()
	start := time.Now()
	cmd := exec.CommandContext(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out.String())
	}
	t.Logf("%s %s: %.1fs", filepath.Base(name), args[0], time.Since(start).Seconds())
}

// TestArm64RendersIdentical builds cmd/sunboard for linux/arm64 and for the
// host, syncs the sample village from a throwaway county once, renders the
// same moment with both binaries (arm64 under qemu-aarch64) from the same
// state, and requires every PNG to be byte-identical.
func TestArm64RendersIdentical(t *testing.T) {
	emu := qemu(t)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	dir := t.TempDir()
	modRoot, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}

	// Both builds at once: the arm64 one dominates (~30 s from a cold cache).
	bins := map[string]string{"host": filepath.Join(dir, "sunboard-host"), "arm64": filepath.Join(dir, "sunboard-arm64")}
	var wg sync.WaitGroup
	errs := make(map[string]error)
	var mu sync.Mutex
	start := time.Now()
	for arch, out := range bins {
		wg.Go(func() {
			cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, "./cmd/sunboard")
			cmd.Dir = modRoot
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if arch == "arm64" {
				cmd.Env = append(cmd.Env, "GOOS=linux", "GOARCH=arm64")
			}
			b, err := cmd.CombinedOutput()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[arch] = fmt.Errorf("%v\n%s", err, b)
			}
		})
	}
	wg.Wait()
	for arch, err := range errs {
		t.Fatalf("build %s: %v", arch, err)
	}
	t.Logf("builds (host %s/%s + linux/arm64): %.1fs", runtime.GOOS, runtime.GOARCH, time.Since(start).Seconds())

	// A county with the sample village, served over HTTP.
	county := filepath.Join(dir, "county")
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
	if err := repo.PublishVillage("370783-101-001", files); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(repo.Handler())
	defer srv.Close()

	config := filepath.Join(dir, "sunboard.toml")
	cfg := fmt.Sprintf(`village = "370783-101-001"
feed    = %q
root    = %q
state   = %q

[[display]]
name    = "square"
kind    = "sim"
size    = "128x64"
profile = "led-rgb"

[[display]]
name    = "mono"
kind    = "sim"
size    = "96x48"
profile = "led-mono"

[[display]]
name    = "tv"
kind    = "sim"
size    = "1280x720"
profile = "tv"
`, srv.URL+"/", repo.RootPath(), filepath.Join(dir, "state"))
	if err := os.WriteFile(config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, bins["host"], "sync", "--config", config)

	const at = "2026-11-22T09:30"
	outHost, outArm := filepath.Join(dir, "out-host"), filepath.Join(dir, "out-arm64")
	run(t, ctx, bins["host"], "render", "--config", config, "--out", outHost, "--at", at)
	run(t, ctx, emu, bins["arm64"], "render", "--config", config, "--out", outArm, "--at", at)

	host, arm := pngs(t, outHost), pngs(t, outArm)
	if len(host) == 0 {
		t.Fatal("the host build rendered no PNG")
	}
	var names []string
	for n := range host {
		names = append(names, n)
	}
	for n := range arm {
		if _, ok := host[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var size int
	for _, n := range names {
		h, okh := host[n]
		a, oka := arm[n]
		size += len(h)
		switch {
		case !okh:
			t.Errorf("%s: only the arm64 build rendered it", n)
		case !oka:
			t.Errorf("%s: only the host build rendered it", n)
		case !bytes.Equal(h, a):
			// Text is filled by a fixed-point rasterizer and photos are
			// shrunk with integer weights (render/resample.go): a float
			// expression Go fuses into FMA on arm64 would show up here.
			px, maxd := pixelDiff(t, h, a)
			t.Errorf("%s: differs in %d px, up to %d per channel (host %d bytes, arm64 %d bytes)", n, px, maxd, len(h), len(a))
		}
	}
	t.Logf("%d PNGs compared (%d KB)", len(names), size/1024)
}

// pixelDiff decodes two PNGs and counts the pixels that differ and the
// largest difference in one 8-bit channel.
func pixelDiff(t *testing.T, a, b []byte) (px, maxd int) {
	t.Helper()
	ia, err1 := png.Decode(bytes.NewReader(a))
	ib, err2 := png.Decode(bytes.NewReader(b))
	if err1 != nil || err2 != nil {
		t.Fatalf("decode: %v %v", err1, err2)
	}
	if ia.Bounds() != ib.Bounds() {
		return ia.Bounds().Dx() * ia.Bounds().Dy(), 255
	}
	r := ia.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := ia.At(x, y).RGBA()
			r2, g2, b2, a2 := ib.At(x, y).RGBA()
			if r1 == r2 && g1 == g2 && b1 == b2 && a1 == a2 {
				continue
			}
			px++
			for _, d := range [][2]uint32{{r1, r2}, {g1, g2}, {b1, b2}, {a1, a2}} {
				v := int(d[0]>>8) - int(d[1]>>8)
				maxd = max(maxd, v, -v)
			}
		}
	}
	return px, maxd
}

// pngs reads every PNG under dir, keyed by its slash path relative to dir.
func pngs(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".png") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		m[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestArmPackageTests runs the tests of the packages with ARM assembly
// (the NEON row converters behind fbdev and DRM) as arm64 binaries under
// qemu-aarch64 and as 32-bit ARMv7 binaries (a Pi on a 32-bit OS) under
// qemu-arm: the host's tests only ever reach its own assembly.
func TestArmPackageTests(t *testing.T) {
	emu := qemu(t)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	dir := t.TempDir()
	for _, target := range []struct {
		emu string
		env []string
	}{
		{emu, []string{"GOARCH=arm64"}},
		{filepath.Join(filepath.Dir(emu), strings.Replace(filepath.Base(emu), "aarch64", "arm", 1)), []string{"GOARCH=arm", "GOARM=7"}},
	} {
		for _, pkg := range []string{"./display/internal/pixconv", "./display/fbdev", "./display/drm"} {
			bin := filepath.Join(dir, strings.Join(target.env, "-")+"-"+filepath.Base(pkg)+".test")
			cmd := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, pkg)
			cmd.Dir = filepath.Join("..", "..")
			cmd.Env = append(os.Environ(), append([]string{"CGO_ENABLED=0", "GOOS=linux"}, target.env...)...)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go test -c %s for %v: %v\n%s", pkg, target.env, err, b)
			}
			out, err := exec.CommandContext(ctx, target.emu, bin, "-test.count=1", "-test.v").CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte("\nPASS")) {
				t.Fatalf("%s under %s: %v\n%s", pkg, filepath.Base(target.emu), err, out)
			}
			t.Logf("%s: %d tests passed under %s", pkg, bytes.Count(out, []byte("--- PASS")), filepath.Base(target.emu))
		}
	}
}
