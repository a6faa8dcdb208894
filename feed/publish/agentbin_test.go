package publish

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sunboard/sunboard/feed/release"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// buildTiny compiles a one-line Go main (its own module, no dependencies)
// for linux/goarch with GOARM goarm and -X main.version=version.
func buildTiny(t *testing.T, goarch, goarm, version string) []byte {
	t.Helper()
	dir := t.TempDir()
	src := "package main\n\nimport \"fmt\"\n\nvar version = \"dev\"\n\nfunc main() { fmt.Println(version) }\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module tiny\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g := os.Getenv("GO")
	if g == "" {
		g = "go"
	}
	out := filepath.Join(dir, "sunboard")
	cmd := exec.Command(g, "build", "-trimpath", "-ldflags", "-s -w -X main.version="+version, "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0", "GOARM="+goarm, "GOFLAGS=-mod=mod", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s GOARM=%s: %v\n%s", goarch, goarm, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckAgentBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries")
	}
	arm64 := buildTiny(t, "arm64", "", "0.2.0")
	armv6 := buildTiny(t, "arm", "6", "0.2.0")
	armv7 := buildTiny(t, "arm", "7", "0.2.0")
	for _, tc := range []struct {
		name, arch, version string
		bin                 []byte
		wantErr             string
	}{
		{"arm64", "linux-arm64", "0.2.0", arm64, ""},
		{"armv6", "linux-armv6", "0.2.0", armv6, ""},
		{"armv7", "linux-armv7", "0.2.0", armv7, ""},
		{"armv7 binary as armv6 (SIGILL on a Pi Zero)", "linux-armv6", "0.2.0", armv7, "GOARM"},
		{"armv6 binary as armv7", "linux-armv7", "0.2.0", armv6, "GOARM"},
		{"arm64 binary as armv7", "linux-armv7", "0.2.0", arm64, "EM_AARCH64"},
		{"armv7 binary as arm64", "linux-arm64", "0.2.0", armv7, "EM_ARM"},
		{"version not built in", "linux-arm64", "0.3.0", arm64, "-X main.version=0.3.0"},
		{"not an ELF", "linux-arm64", "0.2.0", []byte("#!/bin/sh\necho 0.2.0\n"), "not an ELF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckAgentBinary(tc.arch, tc.version, tc.bin)
			if (err == nil) != (tc.wantErr == "") || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("CheckAgentBinary = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestReleaseAgent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries")
	}
	dir := filepath.Join(t.TempDir(), "county")
	if _, err := Init(dir, InitOpts{}); err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	v2 := buildTiny(t, "arm64", "", "0.2.0")
	v3 := buildTiny(t, "arm64", "", "0.3.0")
	signed := func() (*metadata.TargetFiles, release.Meta, int64) {
		t.Helper()
		md, err := metadata.Targets().FromFile(filepath.Join(dir, "signed", "targets.json"))
		if err != nil {
			t.Fatal(err)
		}
		tf := md.Signed.Targets[release.Path("linux-arm64")]
		var rel release.Meta
		if tf != nil && tf.Custom != nil {
			if err := json.Unmarshal(*tf.Custom, &rel); err != nil {
				t.Fatal(err)
			}
		}
		return tf, rel, md.Signed.Version
	}
	if _, err := r.ReleaseAgent("linux-arm64", "0.2.0", v2, nil); err != nil {
		t.Fatal(err)
	}
	tf, rel, ver := signed()
	if tf == nil || tf.Length != int64(len(v2)) || rel.Version != "0.2.0" || rel.Arch != "linux-arm64" {
		t.Fatalf("signed target %+v, release %+v", tf, rel)
	}
	if err := tf.VerifyLengthHashes(v2); err != nil {
		t.Fatal(err)
	}
	served, _ := filepath.Glob(filepath.Join(dir, "public", "targets", "agent", "linux-arm64", "*.sunboard"))
	if len(served) != 1 {
		t.Fatalf("served %v", served)
	}
	// Versions only go up.
	for _, v := range []string{"0.2.0", "0.1.0"} {
		if _, err := r.ReleaseAgent("linux-arm64", v, v2, nil); err == nil || !strings.Contains(err.Error(), "never downgrade") {
			t.Fatalf("release %s again: %v", v, err)
		}
	}
	if _, err := r.ReleaseAgent("linux-arm64", "0.3.0", v3, []string{"0.2.0"}); err != nil {
		t.Fatal(err)
	}
	_, rel, ver2 := signed()
	if rel.Version != "0.3.0" || strings.Join(rel.Revoked, ",") != "0.2.0" || ver2 != ver+1 {
		t.Fatalf("after 0.3.0: %+v (targets version %d → %d)", rel, ver, ver2)
	}
	// Revocations alone, carried over.
	if _, err := r.ReleaseAgent("linux-arm64", "", nil, []string{"0.1.0"}); err != nil {
		t.Fatal(err)
	}
	if _, rel, _ = signed(); strings.Join(rel.Revoked, ",") != "0.1.0,0.2.0" || rel.Version != "0.3.0" {
		t.Fatalf("after --revoke 0.1.0: %+v", rel)
	}
	if _, err := r.ReleaseAgent("linux-arm64", "", nil, []string{"0.3.0"}); err == nil {
		t.Fatal("revoked the current release without a higher one")
	}
	if _, err := r.ReleaseAgent("linux-armv5", "0.3.0", v3, nil); err == nil {
		t.Fatal("unknown arch accepted")
	}
	if _, err := r.ReleaseAgent("linux-arm64", "latest", v3, nil); err == nil {
		t.Fatal("version latest accepted")
	}
}
