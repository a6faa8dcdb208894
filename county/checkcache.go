package county

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/render"
)

// checkCache remembers items that laid out without error, so republishing
// a village after a one-item edit lays out that item, not all twenty. An
// entry (an empty file REPO/cache/checked/<key>) is keyed by everything the
// layout reads: the profile, the village's fields, the item's Markdown,
// table and photos, and the sunpub binary itself (path, size and time), so
// a new sunpub lays everything out again. Only successes are kept; a miss
// just lays the item out.
type checkCache struct {
	dir string
	exe string // identity of the running binary
}

func newCheckCache(dir string) *checkCache {
	c := &checkCache{dir: dir}
	p, err := os.Executable()
	if err != nil {
		return nil // no identity for the binary: no cache
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil
	}
	c.exe = fmt.Sprintf("%s\x00%d\x00%d", p, fi.Size(), fi.ModTime().UnixNano())
	return c
}

// key is "" when the item's files cannot all be read (then it is laid out
// and the layout reports the problem).
func (c *checkCache) key(p render.Profile, v *content.Village, it *content.Item, fsys fs.FS) string {
	if c == nil {
		return ""
	}
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s", len(s), s) }
	for _, s := range []string{"check-1", c.exe, p.Name, fmt.Sprint(p.Kind, p.Width, p.Height),
		v.ID, v.Name, v.Township, v.TownshipName, v.County, v.Feedback, it.ID} {
		field(s)
	}
	files := []string{it.ID + ".md"}
	if it.TableFile != "" {
		files = append(files, it.TableFile)
	}
	for _, b := range it.Body {
		if b.Kind == content.Image {
			files = append(files, b.Src)
		}
	}
	if it.Table != nil {
		for _, s := range it.Table.Voucher {
			if s != "" {
				files = append(files, s)
			}
		}
	}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return ""
		}
		field(f)
		field(string(b))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (c *checkCache) ok(key string) bool {
	if c == nil || key == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(c.dir, key[:2], key))
	return err == nil
}

func (c *checkCache) put(key string) {
	if c == nil || key == "" {
		return
	}
	p := filepath.Join(c.dir, key[:2], key)
	if os.MkdirAll(filepath.Dir(p), 0o755) == nil {
		_ = os.WriteFile(p, nil, 0o644) // a cache: a failed write costs a layout next time
	}
}
