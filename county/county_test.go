package county

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/render"
)

const sampleDir = "../content/sample/village"

var at = time.Date(2026, 11, 22, 9, 30, 0, 0, content.ChinaTime)

func TestPreview(t *testing.T) {
	for _, p := range CheckProfiles {
		t.Run(p.Name, func(t *testing.T) {
			out := t.TempDir()
			files, err := Preview(sampleDir, p, out, at)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(files[0], "001-2026-11-cold-wave.png") || !strings.HasSuffix(files[len(files)-1], "contact-sheet.png") {
				t.Errorf("files = %v", files)
			}
			f, err := os.Open(filepath.Join(out, "contact-sheet.png"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind == render.TV && img.Bounds().Dx() < 4*p.Width/2 {
				t.Errorf("contact sheet %v too small for four half-size pages", img.Bounds())
			}
		})
	}
}

func TestCheckRefusesMissingGlyph(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "village.toml"), []byte("id = \"370783-101-001\"\nname = \"东升村\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.md"), []byte("---\ntitle: 低保名单\ncategory: 村务公开/社会救助\npublish: 2026-11-01\nuntil: 2026-11-30\n---\n户主 张𠮷 3人\n"), 0o644)
	_, err := Check(dir)
	if err == nil || !strings.Contains(err.Error(), "a.md: no font has") || !strings.Contains(err.Error(), "𠮷") {
		t.Errorf("error = %v, want the missing glyph named", err)
	}
}
