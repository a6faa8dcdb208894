package publish

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/sunboard/sunboard/feed/release"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Agent releases: the county publishes a new sunboard binary for one board
// architecture as the target agent/<arch>/sunboard, in the top-level
// targets (the county's targets key; a township can never sign one, its
// delegation covers villages/<id>/*/* only), with signed custom metadata
// release.Meta. Agents update themselves from it (agent/selfupdate).

// AgentArches are the architectures an agent release can be for, named as
// agent/selfupdate.Arch names the running board.
var AgentArches = []string{"linux-arm64", "linux-armv7", "linux-armv6", "linux-amd64"}

// ReleaseAgent signs bin as the agent release version for arch and
// re-signs snapshot and timestamp. bin must be a Go ELF executable for
// linux on arch (checked with debug/elf and the embedded build info) and
// carry the version string (-ldflags "-X main.version=VERSION"). Versions
// only go up: agents never downgrade, so a bad release is withdrawn by
// releasing good code under a higher version (and revoking the bad one).
// revoke adds versions to the arch's revoked list, which carries over to
// later releases. With bin nil, only revoke is applied to the current
// release.
func (r *Repo) ReleaseAgent(arch, version string, bin []byte, revoke []string) (release.Meta, error) {
	if !slices.Contains(AgentArches, arch) {
		return release.Meta{}, fmt.Errorf("release: arch %q: want one of %s", arch, strings.Join(AgentArches, ", "))
	}
	for _, v := range revoke {
		if !release.ValidVersion(v) {
			return release.Meta{}, fmt.Errorf("release: revoke %q: not a version like 1.2.3", v)
		}
	}
	p := release.Path(arch)
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.load()
	if err != nil {
		return release.Meta{}, err
	}
	tg := st.targets.Signed.Targets
	var prev *release.Meta
	if old, ok := tg[p]; ok && old.Custom != nil {
		var a release.Meta
		if err := json.Unmarshal(*old.Custom, &a); err != nil {
			return release.Meta{}, fmt.Errorf("release: current %s: custom metadata: %w", p, err)
		}
		prev = &a
	}
	var rel release.Meta
	var tf *metadata.TargetFiles
	if bin == nil {
		if prev == nil {
			return release.Meta{}, fmt.Errorf("release: nothing released for %s yet: name a FILE and --version", arch)
		}
		rel, tf = *prev, tg[p]
	} else {
		if !release.ValidVersion(version) {
			return release.Meta{}, fmt.Errorf("release: version %q: want a version like 1.2.3", version)
		}
		if prev != nil && release.Compare(version, prev.Version) <= 0 {
			return release.Meta{}, fmt.Errorf("release %s %s: %s is already released and agents never downgrade: release the code you want under a version above %s (and --revoke the bad one)",
				arch, version, prev.Version, prev.Version)
		}
		if err := CheckAgentBinary(arch, version, bin); err != nil {
			return release.Meta{}, fmt.Errorf("release %s %s: %w", arch, version, err)
		}
		rel = release.Meta{Version: version, Arch: arch}
		if prev != nil {
			rel.Revoked = prev.Revoked
		}
		tf = targetInfo(p, bin)
	}
	for _, v := range revoke {
		if !slices.Contains(rel.Revoked, v) {
			rel.Revoked = append(slices.Clone(rel.Revoked), v)
		}
	}
	slices.SortFunc(rel.Revoked, release.Compare)
	if slices.Contains(rel.Revoked, rel.Version) {
		return release.Meta{}, fmt.Errorf("release %s: version %s is revoked: release a higher version", arch, rel.Version)
	}
	cb, err := json.Marshal(rel)
	if err != nil {
		return release.Meta{}, err
	}
	raw := json.RawMessage(cb)
	nt := *tf
	nt.Custom = &raw
	if bin != nil {
		if err := r.writeTarget(p, &nt, bin); err != nil {
			return release.Meta{}, fmt.Errorf("release %s: %w", arch, err)
		}
	}
	tg[p] = &nt
	if err := r.commit(st, true, r.now().UTC()); err != nil {
		return release.Meta{}, fmt.Errorf("release %s: %w", arch, err)
	}
	return rel, nil
}

// CheckAgentBinary refuses bin unless it is an ELF executable a board of
// arch runs: the ELF class and machine, then the Go build info (GOOS,
// GOARCH, GOARM: an ARMv7 binary dies with SIGILL on an ARMv6 Pi) and the
// version string that -X main.version=VERSION leaves in the binary.
func CheckAgentBinary(arch, version string, bin []byte) error {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return fmt.Errorf("not an ELF executable: %w", err)
	}
	defer f.Close()
	type want struct {
		class         elf.Class
		machine       elf.Machine
		goarch, goarm string
	}
	w := map[string]want{
		"linux-arm64": {elf.ELFCLASS64, elf.EM_AARCH64, "arm64", ""},
		"linux-armv7": {elf.ELFCLASS32, elf.EM_ARM, "arm", "7"},
		"linux-armv6": {elf.ELFCLASS32, elf.EM_ARM, "arm", "6"},
		"linux-amd64": {elf.ELFCLASS64, elf.EM_X86_64, "amd64", ""},
	}[arch]
	if f.Class != w.class || f.Machine != w.machine {
		return fmt.Errorf("ELF %s %s, but %s needs %s %s", f.Class, f.Machine, arch, w.class, w.machine)
	}
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return fmt.Errorf("ELF type %s is not an executable", f.Type)
	}
	bi, err := buildinfo.Read(bytes.NewReader(bin))
	if err != nil {
		return fmt.Errorf("no Go build info (is it sunboard?): %w", err)
	}
	set := map[string]string{}
	for _, s := range bi.Settings {
		set[s.Key] = s.Value
	}
	if set["GOOS"] != "linux" || set["GOARCH"] != w.goarch {
		return fmt.Errorf("built for GOOS=%s GOARCH=%s, %s needs linux/%s", set["GOOS"], set["GOARCH"], arch, w.goarch)
	}
	if w.goarm != "" {
		// GOARM may carry ",softfloat" or ",hardfloat".
		got, _, _ := strings.Cut(set["GOARM"], ",")
		if got != w.goarm {
			return fmt.Errorf("built with GOARM=%q, %s needs GOARM=%s", set["GOARM"], arch, w.goarm)
		}
	}
	if !bytes.Contains(bin, []byte(version)) {
		return fmt.Errorf("the binary does not contain the string %q: build it with -ldflags \"-X main.version=%s\" (boards check that `sunboard version` prints it)", version, version)
	}
	return nil
}

// ReleaseCmd runs ReleaseAgent for `sunpub release`: file may be "" to
// only add revocations; revoke is comma-separated.
func ReleaseCmd(dir, arch, version, file, revoke string, out io.Writer) error {
	if arch == "" {
		return fmt.Errorf("--arch is required (%s)", strings.Join(AgentArches, ", "))
	}
	var rv []string
	for v := range strings.SplitSeq(revoke, ",") {
		if v = strings.TrimSpace(v); v != "" {
			rv = append(rv, v)
		}
	}
	var bin []byte
	if file != "" {
		if version == "" {
			return fmt.Errorf("--version is required with a FILE")
		}
		var err error
		if bin, err = os.ReadFile(file); err != nil {
			return fmt.Errorf("read agent binary: %w", err)
		}
	} else if len(rv) == 0 {
		return fmt.Errorf("name the agent binary FILE (or --revoke VERSIONS)")
	}
	r, err := Open(dir)
	if err != nil {
		return err
	}
	rel, err := r.ReleaseAgent(arch, version, bin, rv)
	if err != nil {
		return err
	}
	if bin != nil {
		fmt.Fprintf(out, "released sunboard %s for %s as %s (%d bytes)\n", rel.Version, arch, release.Path(arch), len(bin))
	}
	if len(rel.Revoked) > 0 {
		fmt.Fprintf(out, "revoked for %s: %s\n", arch, strings.Join(rel.Revoked, " "))
	}
	fmt.Fprintf(out, "boards of %s running an older version install %s after their next sync, and roll back if it does not report healthy\n", arch, rel.Version)
	return nil
}
