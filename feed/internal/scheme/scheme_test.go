package scheme

import (
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

func TestParseVillage(t *testing.T) {
	for _, tc := range []struct {
		id, twp string
		ok      bool
	}{
		{"370783-101-001", "370783-101", true},
		{"370783-101", "", false},
		{"370783-101-001-9", "", false},
		{"370783--001", "", false},
		{"370783-1/1-001", "", false},
		{"370783-101-*", "", false},
	} {
		twp, err := ParseVillage(tc.id)
		if (err == nil) != tc.ok || twp != tc.twp {
			t.Errorf("ParseVillage(%q) = %q, %v; want %q ok=%v", tc.id, twp, err, tc.twp, tc.ok)
		}
	}
}

func TestFlatten(t *testing.T) {
	for _, tc := range []struct {
		rel, flat string
		ok        bool
	}{
		{"village.toml", "village.toml", true},
		{"photos/a.jpg", "photos_2Fa.jpg", true},
		{"a_b.md", "a_5Fb.md", true},
		{"通知.md", "_E9_80_9A_E7_9F_A5.md", true},
		{"manifest.json", "", false},
		{"../x", "", false},
		{"/abs", "", false},
		{".hidden", "", false},
		{"", "", false},
		{strings.Repeat("长", 30), "", false},
	} {
		flat, err := Flatten(tc.rel)
		if (err == nil) != tc.ok || flat != tc.flat {
			t.Errorf("Flatten(%q) = %q, %v; want %q ok=%v", tc.rel, flat, err, tc.flat, tc.ok)
		}
	}
}

// The township delegation planned for later must match every file of its
// villages and nothing of other townships; check against go-tuf's own matcher.
func TestPathsMatchTownshipPattern(t *testing.T) {
	m, err := NewManifest("370783-101-001", map[string][]byte{"photos/a.jpg": {1}, "通知.md": {2}})
	if err != nil {
		t.Fatal(err)
	}
	mp, _ := ManifestPath("370783-101-001")
	paths := []string{mp}
	for _, f := range m.Files {
		paths = append(paths, f.Target)
	}
	role := metadata.DelegatedRole{Name: "t", Paths: []string{"villages/370783-101/*/*"}}
	other := metadata.DelegatedRole{Name: "o", Paths: []string{"villages/370783-102/*/*"}}
	for _, p := range paths {
		if ok, _ := role.IsDelegatedPath(p); !ok {
			t.Errorf("%q not matched by own township pattern", p)
		}
		if ok, _ := other.IsDelegatedPath(p); ok {
			t.Errorf("%q matched by another township's pattern", p)
		}
	}
}

func TestManifestRoundTrip(t *testing.T) {
	m, err := NewManifest("370783-101-001", map[string][]byte{"a.md": []byte("x"), "photos/b.jpg": nil})
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseManifest(b, "370783-101-001")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 2 || got.Files["a.md"] != m.Files["a.md"] {
		t.Fatalf("round trip: got %+v want %+v", got, m)
	}
	if _, err := ParseManifest(b, "370783-101-002"); err == nil {
		t.Error("manifest accepted for another village")
	}
}

func TestParseManifestRejects(t *testing.T) {
	h := strings.Repeat("ab", 32)
	for name, js := range map[string]string{
		"other dir":   `{"village":"370783-101-001","files":{"a.md":{"target":"villages/370783-102/370783-102-001/a.md","sha256":"` + h + `","length":1}}}`,
		"wrong flat":  `{"village":"370783-101-001","files":{"a.md":{"target":"villages/370783-101/370783-101-001/b.md","sha256":"` + h + `","length":1}}}`,
		"bad hash":    `{"village":"370783-101-001","files":{"a.md":{"target":"villages/370783-101/370783-101-001/a.md","sha256":"zz","length":1}}}`,
		"upper hash":  `{"village":"370783-101-001","files":{"a.md":{"target":"villages/370783-101/370783-101-001/a.md","sha256":"` + strings.ToUpper(h) + `","length":1}}}`,
		"neg length":  `{"village":"370783-101-001","files":{"a.md":{"target":"villages/370783-101/370783-101-001/a.md","sha256":"` + h + `","length":-1}}}`,
		"unknown key": `{"village":"370783-101-001","files":{},"x":1}`,
		"trailing":    `{"village":"370783-101-001","files":{}} {}`,
		"bad rel":     `{"village":"370783-101-001","files":{"../a":{"target":"villages/370783-101/370783-101-001/a","sha256":"` + h + `","length":1}}}`,
	} {
		if _, err := ParseManifest([]byte(js), "370783-101-001"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseManifest(f *testing.F) {
	m, _ := NewManifest("370783-101-001", map[string][]byte{"a.md": []byte("x"), "photos/b.jpg": nil, "通知.md": {1}})
	b, _ := m.Marshal()
	f.Add(b)
	f.Add([]byte(`{"village":"370783-101-001","files":{}}`))
	f.Add([]byte(`{"village":"370783-101-001","files":{"a.md":{"target":"x","sha256":"00","length":1}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data, "370783-101-001")
		if err != nil {
			return
		}
		// Anything accepted must stay inside the village folder and re-encode
		// to something that parses to the same entries.
		for rel, fl := range m.Files {
			if !strings.HasPrefix(fl.Target, "villages/370783-101/370783-101-001/") || strings.Count(fl.Target, "/") != 3 {
				t.Fatalf("entry %q escapes village folder: %q", rel, fl.Target)
			}
		}
		b, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		m2, err := ParseManifest(b, "370783-101-001")
		if err != nil || len(m2.Files) != len(m.Files) {
			t.Fatalf("re-parse: %v", err)
		}
	})
}

func TestCountyManifest(t *testing.T) {
	m, err := NewCountyManifest(map[string][]byte{"2026-11-flood.md": []byte("x"), "photos/x.jpg": {1}})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Files["photos/x.jpg"].Target; got != "county/photos_2Fx.jpg" {
		t.Errorf("county target %q", got)
	}
	b, _ := m.Marshal()
	if _, err := ParseCountyManifest(b); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseManifest(b, "370783-101-001"); err == nil {
		t.Error("county manifest accepted as a village manifest")
	}
	vm, _ := NewManifest("370783-101-001", map[string][]byte{"a.md": {1}})
	vb, _ := vm.Marshal()
	if _, err := ParseCountyManifest(vb); err == nil {
		t.Error("village manifest accepted as the county manifest")
	}
	// No township pattern covers county targets.
	role := metadata.DelegatedRole{Name: "t", Paths: []string{"villages/370783-101/*/*"}}
	for _, p := range []string{CountyManifestPath, m.Files["photos/x.jpg"].Target} {
		if ok, _ := role.IsDelegatedPath(p); ok {
			t.Errorf("%q matched by a township pattern", p)
		}
	}
	for _, rel := range []string{"county/a.md", "county"} {
		if _, err := NewManifest("370783-101-001", map[string][]byte{rel: {1}}); err == nil {
			t.Errorf("village relpath %q accepted", rel)
		}
	}
	// A forged village manifest listing county/ is refused by the agent.
	forged := []byte(`{"village":"370783-101-001","files":{"county/a.md":{"target":"villages/370783-101/370783-101-001/county_2Fa.md","sha256":"` +
		strings.Repeat("0", 64) + `","length":1}}}`)
	if _, err := ParseManifest(forged, "370783-101-001"); err == nil || !strings.Contains(err.Error(), "reserved") {
		t.Errorf("village manifest with county/ relpath: %v", err)
	}
}
