package main

import (
	"context"
	"debug/elf"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sunboard/sunboard/feed/publish"
)

var (
	root string
	// arm64Bin is the real agent cross-compiled once for all tests (30-60 s
	// cold, seconds with a warm build cache).
	arm64Bin string
)

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		// Cross-compiling is the slow part; everything here needs it.
		os.Exit(m.Run())
	}
	var err error
	if root, err = moduleRoot(); err != nil {
		panic(err)
	}
	tmp, err := os.MkdirTemp("", "deb-test-")
	if err != nil {
		panic(err)
	}
	arm64Bin = filepath.Join(tmp, "sunboard")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	err = Build(ctx, root, "./cmd/sunboard", "arm64", "", "1.2.3", arm64Bin)
	cancel()
	if err != nil {
		os.RemoveAll(tmp)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

func needDpkgDeb(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("cross-compiles the agent; skipped with -short")
	}
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("dpkg-deb not found with CI set (apt-get install -y dpkg)")
		}
		t.Skip("dpkg-deb not found")
	}
}

func dpkgDeb(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("dpkg-deb", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg-deb %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestAgentPackageArm64(t *testing.T) {
	needDpkgDeb(t)
	out := t.TempDir()
	path, err := WriteDeb(AgentInfo(root, arm64Bin, Targets[0], "v1.2.3-rc1"), out, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := filepath.Base(path), "sunboard_1.2.3~rc1_arm64.deb"; got != want {
		t.Errorf("file name %s, want %s", got, want)
	}

	info := dpkgDeb(t, "-I", path)
	for _, want := range []string{"Package: sunboard", "Version: 1.2.3~rc1", "Architecture: arm64",
		"Recommends: systemd", " postinst", " prerm", " postrm", " conffiles"} {
		if !strings.Contains(info, want) {
			t.Errorf("dpkg-deb -I lacks %q:\n%s", want, info)
		}
	}

	list := dpkgDeb(t, "-c", path)
	for _, want := range []string{
		"-rwxr-xr-x root/root .* ./usr/bin/sunboard$",
		"-rw-r--r-- root/root .* ./lib/systemd/system/sunboard.service$",
		"-rw-r--r-- root/root .* ./etc/sunboard/sunboard.toml$",
		"./lib/udev/rules.d/60-sunboard.rules$",
		"-rwxr-xr-x root/root .* ./usr/share/sunboard/pi-setup.sh$",
		"./usr/share/doc/sunboard/README.md$",
		"./usr/share/doc/sunboard/examples/ws281x.conf$",
		"./usr/share/doc/sunboard/fonts/LICENSE-noto-cjk.txt$",
		"./usr/share/doc/sunboard/fonts/LICENSE-unifont.txt$",
		"./usr/share/doc/sunboard/fonts/LICENSE-wqy-bitmapsong.txt$",
		"drwxr-xr-x root/root .* ./etc/sunboard/$",
	} {
		if !matchLine(list, want) {
			t.Errorf("dpkg-deb -c has no line matching %q:\n%s", want, list)
		}
	}
	if strings.Contains(list, "./usr/bin/sunpub") {
		t.Error("sunpub is in the board package; it has its own")
	}

	ctl := t.TempDir()
	dpkgDeb(t, "-e", path, ctl)
	conffiles := readFile(t, filepath.Join(ctl, "conffiles"))
	if strings.TrimSpace(conffiles) != "/etc/sunboard/sunboard.toml" {
		t.Errorf("conffiles = %q, want only /etc/sunboard/sunboard.toml", conffiles)
	}
	postinst := readFile(t, filepath.Join(ctl, "postinst"))
	if !strings.Contains(postinst, "deb-systemd-helper enable sunboard.service") {
		t.Error("postinst does not enable sunboard.service")
	}
	// Enabled, never started by a fresh install: no start/restart verb
	// other than try-restart (which only acts on a running service).
	var code []string // postinst without its messages to the technician
	for _, l := range strings.Split(postinst, "\n") {
		if l = strings.TrimSpace(l); !strings.HasPrefix(l, "echo ") && !strings.HasPrefix(l, "#") {
			code = append(code, l)
		}
	}
	for _, verb := range []string{"systemctl start", "systemctl restart", "deb-systemd-invoke start", "enable --now"} {
		if strings.Contains(strings.Join(code, "\n"), verb) {
			t.Errorf("postinst contains %q: it must not start the agent before provisioning", verb)
		}
	}
	for _, s := range []string{"postinst", "prerm", "postrm"} {
		if err := exec.Command("sh", "-n", filepath.Join(ctl, s)).Run(); err != nil {
			t.Errorf("%s: sh -n: %v", s, err)
		}
		if fi, err := os.Stat(filepath.Join(ctl, s)); err != nil || fi.Mode()&0o111 == 0 {
			t.Errorf("%s not executable: %v", s, err)
		}
	}

	// The packaged binary is the arm64 agent, and the unit is ours.
	data := t.TempDir()
	dpkgDeb(t, "-x", path, data)
	f, err := elf.Open(filepath.Join(data, "usr/bin/sunboard"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 {
		t.Errorf("usr/bin/sunboard is %v, want EM_AARCH64", f.Machine)
	}
	if f.FileHeader.Type != elf.ET_EXEC {
		t.Errorf("usr/bin/sunboard type %v: want a static ET_EXEC (CGO_ENABLED=0)", f.FileHeader.Type)
	}
	if readFile(t, filepath.Join(data, "lib/systemd/system/sunboard.service")) != readFile(t, filepath.Join(root, "deploy/sunboard.service")) {
		t.Error("packaged unit differs from deploy/sunboard.service")
	}
	// The packaged agent knows its version, so the county can release the
	// same build through self-update (sunpub release checks the same).
	bin, err := os.ReadFile(filepath.Join(data, "usr/bin/sunboard"))
	if err != nil {
		t.Fatal(err)
	}
	if err := publish.CheckAgentBinary("linux-arm64", "1.2.3", bin); err != nil {
		t.Errorf("packaged agent cannot be released as linux-arm64 1.2.3: %v", err)
	}
}

// The 32-bit packages and sunpub differ only in metadata and file name;
// a stand-in binary keeps this test from cross-compiling three more times.
func TestNamesAndArchitectures(t *testing.T) {
	needDpkgDeb(t)
	out := t.TempDir()
	stub := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(stub, []byte("stand-in"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, arch string
	}{}
	for _, tg := range Targets[1:] {
		p, err := WriteDeb(AgentInfo(root, stub, tg, "2.0.0"), out, tg.Suffix)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, struct{ path, arch string }{p, tg.DebArch})
	}
	p, err := WriteDeb(SunpubInfo(root, stub, "2.0.0"), out, "")
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, struct{ path, arch string }{p, "amd64"})

	want := []string{"sunboard_2.0.0_armhf.deb", "sunboard_2.0.0_armhf-armv6.deb", "sunpub_2.0.0_amd64.deb"}
	for i, c := range cases {
		if filepath.Base(c.path) != want[i] {
			t.Errorf("file %s, want %s", filepath.Base(c.path), want[i])
		}
		if got := strings.TrimSpace(dpkgDeb(t, "-f", c.path, "Architecture")); got != c.arch {
			t.Errorf("%s: Architecture %s, want %s", c.path, got, c.arch)
		}
	}
	if d := dpkgDeb(t, "-f", cases[1].path, "Description"); !strings.Contains(d, "GOARM=6") {
		t.Errorf("armv6 description does not say GOARM=6: %s", d)
	}
	list := dpkgDeb(t, "-c", cases[2].path)
	if !strings.Contains(list, "./usr/bin/sunpub") || strings.Contains(list, "sunboard.service") {
		t.Errorf("sunpub package contents:\n%s", list)
	}
}

func TestCheckVersion(t *testing.T) {
	for _, v := range []string{"1.2.0", "v1.2.0", "0.1.0-rc1", "20261122"} {
		if err := checkVersion(v); err != nil {
			t.Errorf("checkVersion(%q): %v", v, err)
		}
	}
	for _, v := range []string{"", "v", "dev", "1.0 beta", "1_0"} {
		if err := checkVersion(v); err == nil {
			t.Errorf("checkVersion(%q) accepted", v)
		}
	}
}

func matchLine(list, suffixRE string) bool {
	// A tiny matcher for "prefix .* suffix$" patterns: dpkg-deb -c puts
	// sizes and dates between mode/owner and the path.
	pre, post, _ := strings.Cut(strings.TrimSuffix(suffixRE, "$"), ".* ")
	if post == "" {
		post, pre = pre, ""
	}
	for _, l := range strings.Split(list, "\n") {
		if strings.HasPrefix(l, pre) && strings.HasSuffix(l, " "+post) {
			return true
		}
	}
	return false
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
