package county

import (
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/feed/publish"
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
			// The gallery says how long each page stands and the loop takes.
			page, err := os.ReadFile(filepath.Join(out, "index.html"))
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(page), "· 停留 "); n != len(files)-1 || !strings.Contains(string(page), "轮播一遍约 ") {
				t.Errorf("index.html: %d page times for %d pages, or no loop time", n, len(files)-1)
			}
		})
	}
}

func TestZhDuration(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{8 * time.Second, "8 秒"}, {59*time.Second + 600*time.Millisecond, "1 分 00 秒"},
		{3*time.Minute + 20*time.Second, "3 分 20 秒"}, {63 * time.Minute, "1 小时 03 分"},
	} {
		if got := zhDuration(c.d); got != c.want {
			t.Errorf("zhDuration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestCheckRefusesMissingGlyph(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "village.toml"), []byte("id = \"370783-101-001\"\nname = \"东升村\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "a.md"), []byte("---\ntitle: 低保名单\ncategory: 村务公开/社会救助\npublish: 2026-11-01\nuntil: 2026-11-30\n---\n户主 张\U00030000 3人\n"), 0o644)
	_, err := Check(dir)
	if err == nil || !strings.Contains(err.Error(), "a.md: no font has") || !strings.Contains(err.Error(), "\U00030000") {
		t.Errorf("error = %v, want the missing glyph named", err)
	}
}

// TestPublishPolicy: without a policy a 低保 list with an ID number is
// refused; with REPO/policy.toml masking 社会救助 it is signed masked, and
// the clerk's folder is left untouched.
func TestPublishPolicy(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "village.toml"), []byte("id = \"370783-101-001\"\nname = \"东升村\"\n"), 0o644)
	md := "---\ntitle: 低保名单\ncategory: 村务公开/社会救助\npublish: 2026-11-01\nuntil: 2026-11-07\ntable: d.csv\n---\n如有异议请联系 13805361234。\n"
	os.WriteFile(filepath.Join(dir, "d.md"), []byte(md), 0o644)
	os.WriteFile(filepath.Join(dir, "d.csv"), []byte("户主,身份证号,月保障金（元）\n王秀英,370783196503120419,640.00\n"), 0o644)
	repo := filepath.Join(t.TempDir(), "repo")
	if _, err := publish.Init(repo, publish.InitOpts{}); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err := Publish(repo, []string{dir}, &out)
	if err == nil || !strings.Contains(err.Error(), "d.csv:2: 身份证号: contains an ID card number") || !strings.Contains(err.Error(), "含有身份证号") {
		t.Fatalf("no policy: error = %v", err)
	}
	os.WriteFile(filepath.Join(repo, PolicyFile), []byte("[categories]\n\"村务公开/社会救助\" = \"mask\"\n"), 0o644)
	if err := Publish(repo, []string{dir}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "masked ID card number (身份证号) in d.csv: 3707**********0419") || strings.Contains(out.String(), "370783196503120419") {
		t.Errorf("report = %s", out.String())
	}
	var found bool
	filepath.WalkDir(filepath.Join(repo, "public", "targets"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		if strings.Contains(string(b), "370783196503120419") || strings.Contains(string(b), "13805361234") {
			t.Errorf("%s holds an unmasked number", p)
		}
		found = found || strings.Contains(string(b), "3707**********0419")
		return nil
	})
	if !found {
		t.Error("no published target holds the masked ID")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "d.csv")); !strings.Contains(string(b), "370783196503120419") {
		t.Error("the clerk's folder was rewritten")
	}
	if err := PublishWith(repo, []string{dir}, &out, PublishOpts{Policy: &content.Policy{}}); err == nil {
		t.Error("an explicit refuse-all policy did not override policy.toml")
	}
}
