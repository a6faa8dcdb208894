// Package scheme is the one place that knows how village content is laid out as
// TUF targets, shared by the county publisher and the village agent.
//
// Every village target has exactly four path segments,
//
//	villages/<township>/<village>/<flatname>
//
// because go-tuf matches delegation patterns one "/" segment at a time: a
// township role can later be given "villages/370783-101/*/*" and it then covers
// all of that township's villages and nothing else. A content folder's relpaths
// ("photos/a.jpg", "通知.md") are flattened into one segment by Flatten. The
// per-village manifest lives at the fixed name ManifestName in the same folder;
// Flatten never yields that name.
//
// County-wide items (policies, urgent notices) that the county alone signs
// for every village have exactly two segments,
//
//	county/<flatname>
//
// with their manifest at CountyManifestPath. No township pattern
// ("villages/<twp>/*/*") can match them, and agents accept them only from the
// top-level targets role. An agent shows them under the CountyDir
// subdirectory of the village folder, so a village relpath may not start
// with "county/".
package scheme

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// ManifestName is the flat name of the per-village manifest target.
const ManifestName = "manifest.json"

// maxFlatLen keeps "<sha256 hex>.<flatname>" (the consistent-snapshot file
// name on the server) under the usual 255-byte file name limit.
const maxFlatLen = 255 - 64 - 1

// CountyDir is both the target directory of county-wide items and the
// subdirectory of a village folder where agents show them.
const CountyDir = "county"

// CountyManifestPath is the target path of the county-wide manifest.
const CountyManifestPath = CountyDir + "/" + ManifestName

// countyOwner is the Manifest.Village value of the county-wide manifest; it
// is never a valid village id (those have three groups).
const countyOwner = CountyDir

// ParseVillage splits a village id "370783-101-001" and returns its township
// id "370783-101".
func ParseVillage(id string) (township string, err error) {
	parts := strings.Split(id, "-")
	if len(parts) != 3 {
		return "", fmt.Errorf("village id %q: want county-township-village, e.g. 370783-101-001", id)
	}
	for _, p := range parts {
		if p == "" || len(p) > 16 {
			return "", fmt.Errorf("village id %q: empty or overlong group %q", id, p)
		}
		for _, c := range p {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return "", fmt.Errorf("village id %q: character %q not allowed", id, c)
			}
		}
	}
	return parts[0] + "-" + parts[1], nil
}

// Dir returns "villages/<township>/<village>" for a valid village id.
func Dir(village string) (string, error) {
	twp, err := ParseVillage(village)
	if err != nil {
		return "", err
	}
	return "villages/" + twp + "/" + village, nil
}

// ManifestPath returns the target path of a village's manifest.
func ManifestPath(village string) (string, error) {
	d, err := Dir(village)
	if err != nil {
		return "", err
	}
	return d + "/" + ManifestName, nil
}

// Flatten encodes a relpath into one path segment. Bytes in [A-Za-z0-9.-]
// pass through; every other byte (including "/" and "_") becomes "_XX" with
// two upper-case hex digits, so the result is reversible, URL- and
// filesystem-safe, and never equals ManifestName (the "_" escape is the only
// way a "/" can appear, and relpath "manifest.json" is refused).
func Flatten(rel string) (string, error) {
	if err := CheckRel(rel); err != nil {
		return "", err
	}
	var b strings.Builder
	for i := 0; i < len(rel); i++ {
		c := rel[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "_%02X", c)
	}
	s := b.String()
	if len(s) > maxFlatLen {
		return "", fmt.Errorf("relpath %q: encoded name is %d bytes, limit %d", rel, len(s), maxFlatLen)
	}
	return s, nil
}

// CheckRel reports whether rel is acceptable as a content relpath.
func CheckRel(rel string) error {
	if !fs.ValidPath(rel) || rel == "." {
		return fmt.Errorf("relpath %q: not a clean relative slash path", rel)
	}
	if rel == ManifestName {
		return fmt.Errorf("relpath %q: name reserved for the village manifest", rel)
	}
	if strings.HasPrefix(rel, ".") {
		// A leading dot would make "<hash>.<flat>" ambiguous to read by eye
		// and hides files on the server; content folders never need it.
		return fmt.Errorf("relpath %q: hidden files are not published", rel)
	}
	return nil
}

// File is one manifest entry.
type File struct {
	Target string `json:"target"` // target path, villages/<twp>/<vil>/<flat>
	SHA256 string `json:"sha256"` // lower-case hex
	Length int64  `json:"length"`
}

// Manifest maps each relpath of a village's content folder to its target.
type Manifest struct {
	Village string          `json:"village"`
	Files   map[string]File `json:"files"`
}

// NewManifest builds the manifest for files (relpath → content).
// A village relpath may not start with CountyDir+"/" (agents show county-wide
// items there).
func NewManifest(village string, files map[string][]byte) (*Manifest, error) {
	dir, err := Dir(village)
	if err != nil {
		return nil, err
	}
	return newManifest(village, dir, files)
}

// NewCountyManifest builds the county-wide manifest for files (relpath →
// content); targets are CountyDir+"/"+Flatten(relpath).
func NewCountyManifest(files map[string][]byte) (*Manifest, error) {
	return newManifest(countyOwner, CountyDir, files)
}

func newManifest(owner, dir string, files map[string][]byte) (*Manifest, error) {
	m := &Manifest{Village: owner, Files: make(map[string]File, len(files))}
	for rel, data := range files {
		if err := checkOwnerRel(owner, rel); err != nil {
			return nil, err
		}
		flat, err := Flatten(rel)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		m.Files[rel] = File{Target: dir + "/" + flat, SHA256: hex.EncodeToString(sum[:]), Length: int64(len(data))}
	}
	return m, nil
}

// Marshal encodes m deterministically (sorted keys), so republishing the same
// files yields the same manifest bytes and hence the same target.
func (m *Manifest) Marshal() ([]byte, error) {
	// encoding/json sorts map keys; indentation keeps it readable by auditors.
	return json.MarshalIndent(m, "", "  ")
}

// Rels returns the relpaths in sorted order.
func (m *Manifest) Rels() []string {
	out := make([]string, 0, len(m.Files))
	for r := range m.Files {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// maxManifestFiles bounds what an agent will accept from one manifest.
const maxManifestFiles = 10000

// ParseManifest decodes and validates a manifest for village. Every entry
// must sit in the village's own folder under the name Flatten gives its
// relpath, so a manifest can never point an agent at another village's files.
func ParseManifest(data []byte, village string) (*Manifest, error) {
	dir, err := Dir(village)
	if err != nil {
		return nil, err
	}
	return parseManifest(data, village, dir)
}

// ParseCountyManifest decodes and validates the county-wide manifest: every
// entry must be CountyDir+"/"+Flatten(relpath).
func ParseCountyManifest(data []byte) (*Manifest, error) {
	return parseManifest(data, countyOwner, CountyDir)
}

// checkOwnerRel refuses village relpaths under CountyDir: the agent merges
// county-wide items there.
func checkOwnerRel(owner, rel string) error {
	if owner != countyOwner && (rel == CountyDir || strings.HasPrefix(rel, CountyDir+"/")) {
		return fmt.Errorf("relpath %q: %s/ is reserved for county-wide items", rel, CountyDir)
	}
	return nil
}

func parseManifest(data []byte, village, dir string) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("parse manifest: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("parse manifest: trailing data")
	}
	if m.Village != village {
		return nil, fmt.Errorf("manifest is for village %q, want %q", m.Village, village)
	}
	if len(m.Files) > maxManifestFiles {
		return nil, fmt.Errorf("manifest lists %d files, limit %d", len(m.Files), maxManifestFiles)
	}
	if m.Files == nil {
		m.Files = map[string]File{}
	}
	for rel, f := range m.Files {
		if err := checkOwnerRel(village, rel); err != nil {
			return nil, fmt.Errorf("manifest: %w", err)
		}
		flat, err := Flatten(rel)
		if err != nil {
			return nil, fmt.Errorf("manifest: %w", err)
		}
		if want := dir + "/" + flat; f.Target != want {
			return nil, fmt.Errorf("manifest entry %q: target %q, want %q", rel, f.Target, want)
		}
		if b, err := hex.DecodeString(f.SHA256); err != nil || len(b) != sha256.Size || strings.ToLower(f.SHA256) != f.SHA256 {
			return nil, fmt.Errorf("manifest entry %q: bad sha256 %q", rel, f.SHA256)
		}
		if f.Length < 0 {
			return nil, fmt.Errorf("manifest entry %q: negative length %d", rel, f.Length)
		}
	}
	return &m, nil
}
