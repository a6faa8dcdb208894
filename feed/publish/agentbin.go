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
	"strconv"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Agent releases: the county publishes a new sunboard binary for one board
// architecture as the target agent/<arch>/sunboard, in the top-level
// targets (the county's targets key; a township can never sign one, its
// delegation covers villages/<id>/*/* only), with signed custom metadata
// AgentRelease. Agents update themselves from it (agent/selfupdate).

// AgentArches are the architectures an agent release can be for, named as
// agent/selfupdate.Arch names the running board.
var AgentArches = []string{"linux-arm64", "linux-armv7", "linux-armv6", "linux-amd64"}

// AgentPath is the target path of the agent release for arch.
func AgentPath(arch string) string { return "agent/" + arch + "/sunboard" }

// AgentRelease is the signed custom metadata of an agent release target.
type AgentRelease struct {
	Version string `json:"version"` // what `sunboard version` prints, e.g. 0.2.0
	Arch    string `json:"arch"`    // linux-arm64, ...
	// Revoked versions must never run again on a board: not installed, and
	// not rolled back to after a failed update.
	Revoked []string `json:"revoked,omitempty"`
}

// ReleaseAgent signs bin as the agent release version for arch and
// re-signs snapshot and timestamp. bin must be a Go ELF executable for
// linux on arch (checked with debug/elf and the embedded build info) and
// carry the version string (-ldflags "-X main.version=VERSION"). Versions
// only go up: agents never downgrade, so a bad release is withdrawn by
// releasing good code under a higher version (and revoking the bad one).
// revoke adds versions to the arch's revoked list, which carries over to
// later releases. With bin nil, only revoke is applied to the current
// release.
func (r *Repo) ReleaseAgent(arch, version string, bin []byte, revoke []string) (AgentRelease, error) {
	if !slices.Contains(AgentArches, arch) {
		return AgentRelease{}, fmt.Errorf("release: arch %q: want one of %s", arch, strings.Join(AgentArches, ", "))
	}
	for _, v := range revoke {
		if !ValidAgentVersion(v) {
			return AgentRelease{}, fmt.Errorf("release: revoke %q: not a version like 1.2.3", v)
		}
	}
	p := AgentPath(arch)
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.load()
	if err != nil {
		return AgentRelease{}, err
	}
	tg := st.targets.Signed.Targets
	var prev *AgentRelease
	if old, ok := tg[p]; ok && old.Custom != nil {
		var a AgentRelease
		if err := json.Unmarshal(*old.Custom, &a); err != nil {
			return AgentRelease{}, fmt.Errorf("release: current %s: custom metadata: %w", p, err)
		}
		prev = &a
	}
	var rel AgentRelease
	var tf *metadata.TargetFiles
	if bin == nil {
		if prev == nil {
			return AgentRelease{}, fmt.Errorf("release: nothing released for %s yet: name a FILE and --version", arch)
		}
		rel, tf = *prev, tg[p]
	} else {
		if !ValidAgentVersion(version) {
			return AgentRelease{}, fmt.Errorf("release: version %q: want a version like 1.2.3", version)
		}
		if prev != nil && CompareAgentVersions(version, prev.Version) <= 0 {
			return AgentRelease{}, fmt.Errorf("release %s %s: %s is already released and agents never downgrade: release the code you want under a version above %s (and --revoke the bad one)",
				arch, version, prev.Version, prev.Version)
		}
		if err := CheckAgentBinary(arch, version, bin); err != nil {
			return AgentRelease{}, fmt.Errorf("release %s %s: %w", arch, version, err)
		}
		rel = AgentRelease{Version: version, Arch: arch}
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
	slices.SortFunc(rel.Revoked, CompareAgentVersions)
	if slices.Contains(rel.Revoked, rel.Version) {
		return AgentRelease{}, fmt.Errorf("release %s: version %s is revoked: release a higher version", arch, rel.Version)
	}
	cb, err := json.Marshal(rel)
	if err != nil {
		return AgentRelease{}, err
	}
	raw := json.RawMessage(cb)
	nt := *tf
	nt.Custom = &raw
	if bin != nil {
		if err := r.writeTarget(p, &nt, bin); err != nil {
			return AgentRelease{}, fmt.Errorf("release %s: %w", arch, err)
		}
	}
	tg[p] = &nt
	if err := r.commit(st, true, r.now().UTC()); err != nil {
		return AgentRelease{}, fmt.Errorf("release %s: %w", arch, err)
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

// ValidAgentVersion reports whether v is MAJOR.MINOR.PATCH with an optional
// -prerelease, digits only in the numbers ("0.2.0", "1.0.0-rc.1").
func ValidAgentVersion(v string) bool {
	_, ok := parseAgentVersion(v)
	return ok
}

type agentVersion struct {
	n   [3]int
	pre string
}

func parseAgentVersion(v string) (agentVersion, bool) {
	var av agentVersion
	core, pre, hasPre := strings.Cut(v, "-")
	if hasPre && pre == "" {
		return av, false
	}
	av.pre = pre
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return av, false
	}
	for i, p := range parts {
		if p == "" || len(p) > 9 || (len(p) > 1 && p[0] == '0') {
			return av, false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return av, false
		}
		av.n[i] = n
	}
	return av, true
}

// CompareAgentVersions orders versions as semver does for MAJOR.MINOR.PATCH
// (a -prerelease sorts before its release; prereleases compare as
// strings). Invalid versions sort before every valid one.
func CompareAgentVersions(a, b string) int {
	va, oka := parseAgentVersion(a)
	vb, okb := parseAgentVersion(b)
	switch {
	case !oka && !okb:
		return strings.Compare(a, b)
	case !oka:
		return -1
	case !okb:
		return 1
	}
	for i := range va.n {
		if va.n[i] != vb.n[i] {
			if va.n[i] < vb.n[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case va.pre == vb.pre:
		return 0
	case va.pre == "":
		return 1
	case vb.pre == "":
		return -1
	}
	return strings.Compare(va.pre, vb.pre)
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
		fmt.Fprintf(out, "released sunboard %s for %s as %s (%d bytes)\n", rel.Version, arch, AgentPath(arch), len(bin))
	}
	if len(rel.Revoked) > 0 {
		fmt.Fprintf(out, "revoked for %s: %s\n", arch, strings.Join(rel.Revoked, " "))
	}
	fmt.Fprintf(out, "boards of %s running an older version install %s after their next sync, and roll back if it does not report healthy\n", arch, rel.Version)
	return nil
}
