// Package release is the contract between `sunpub release` (feed/publish)
// and a board's self-update (agent/selfupdate): where an agent release is in
// the county's TUF targets, the metadata signed with it, and how versions
// compare.
package release

import (
	"strconv"
	"strings"
)

// Path is the target path of the agent release for arch (linux-arm64, ...):
// in the top-level targets, which only the county's targets key signs.
func Path(arch string) string { return "agent/" + arch + "/sunboard" }

// Meta is the signed custom metadata of an agent release target.
type Meta struct {
	Version string `json:"version"` // what `sunboard version` prints, e.g. 0.2.0
	Arch    string `json:"arch"`    // linux-arm64, ...
	// Revoked versions must never run again on a board: not installed, and
	// not rolled back to after a failed update.
	Revoked []string `json:"revoked,omitempty"`
}

// ValidVersion reports whether v is MAJOR.MINOR.PATCH[-pre] with digits
// only in the numbers ("0.2.0", "1.0.0-rc.1"). sunpub releases only such
// versions; a board binary with another (a "dev" build) neither updates
// nor launches others.
func ValidVersion(v string) bool { _, ok := parseVersion(v); return ok }

type version struct {
	n   [3]int
	pre string
}

func parseVersion(v string) (version, bool) {
	var pv version
	core, pre, hasPre := strings.Cut(v, "-")
	if hasPre && pre == "" {
		return pv, false
	}
	pv.pre = pre
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return pv, false
	}
	for i, p := range parts {
		if p == "" || len(p) > 9 || (len(p) > 1 && p[0] == '0') {
			return pv, false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return pv, false
		}
		pv.n[i] = n
	}
	// Only these characters, so a version is also a safe file name part.
	if strings.Trim(v, "0123456789.-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return pv, false
	}
	return pv, true
}

// Compare orders versions like semver's MAJOR.MINOR.PATCH[-pre] (a
// prerelease before its release); invalid versions sort first.
func Compare(a, b string) int {
	va, oka := parseVersion(a)
	vb, okb := parseVersion(b)
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
