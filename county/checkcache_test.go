package county

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sunboard/sunboard/feed/publish"
)

// TestCheckCache: a republish lays out only the items that changed; an
// item that failed is never remembered as good.
func TestCheckCache(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "repo")
	if _, err := publish.Init(repo, publish.InitOpts{}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "v")
	if err := os.CopyFS(dir, os.DirFS(sampleDir)); err != nil {
		t.Fatal(err)
	}
	entries := func() int {
		n := 0
		filepath.WalkDir(filepath.Join(repo, "cache", "checked"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	items := 4 * len(CheckProfiles)
	steps := []struct {
		name string
		edit func()
		ok   bool
		want int // cache entries after
	}{
		{"first publish lays out every item", func() {}, true, items},
		{"unchanged: nothing new", func() {}, true, items},
		{"one item edited: one layout per profile", func() {
			p := filepath.Join(dir, "2026-11-village-meeting.md")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, append(b, "\n补充说明。\n"...), 0o644)
		}, true, items + len(CheckProfiles)},
		{"a broken photo is refused, not remembered", func() {
			os.WriteFile(filepath.Join(dir, "photos", "receipt-1012.jpg"), []byte("not a jpeg"), 0o644)
		}, false, items + len(CheckProfiles)},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.edit()
			err := Publish(repo, []string{dir}, &strings.Builder{})
			if (err == nil) != s.ok {
				t.Fatalf("publish: %v, want ok=%v", err, s.ok)
			}
			if got := entries(); got != s.want {
				t.Errorf("%d cache entries, want %d", got, s.want)
			}
		})
	}
}
