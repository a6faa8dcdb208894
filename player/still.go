package player

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"time"

	"github.com/sunboard/sunboard/render"
)

// Still is what an operator should see of a page at t: an LED page's whole
// strip (all it scrolls through), a TV page's one screen with its clock.
func Still(p *render.Page, prof render.Profile, t time.Time) *image.RGBA {
	return still(p, prof, t, nil)
}

// still is Still drawing a screen into buf when it is not nil (cleared
// first) instead of a new image.
func still(p *render.Page, prof render.Profile, t time.Time, buf *image.RGBA) *image.RGBA {
	p.SetClock(func() time.Time { return t })
	if prof.Kind != render.TV {
		if img := p.Strip(); img != nil {
			return img
		}
	}
	if buf == nil {
		buf = image.NewRGBA(image.Rect(0, 0, prof.Width, prof.Height))
	} else {
		clear(buf.Pix)
	}
	p.Still(buf)
	return buf
}

// WriteStills writes pages as dir/<NNN>-<item>.png in play order (NNN from
// 001, "idle" for the idle page) and returns the paths and images: the
// contract of `sunboard render` and `sunpub preview` (whose contact sheet
// needs the images). It holds every still until it returns: see
// WriteStillFiles for a board.
func WriteStills(pages []*render.Page, prof render.Profile, dir string, t time.Time) ([]string, []*image.RGBA, error) {
	var imgs []*image.RGBA
	paths, err := writeStills(pages, prof, dir, t, func(img *image.RGBA) { imgs = append(imgs, img) })
	if err != nil {
		return nil, nil, err
	}
	return paths, imgs, nil
}

// WriteStillFiles is WriteStills keeping no image, for `sunboard render`
// on a board: one still is in memory at a time and every TV screen is
// drawn into the same buffer. Holding them all, as WriteStills does, takes
// 2.8 GB for the 100-item village's 340 pages at 1920×1080 (8 MB each).
func WriteStillFiles(pages []*render.Page, prof render.Profile, dir string, t time.Time) ([]string, error) {
	return writeStills(pages, prof, dir, t, nil)
}

// writeStills writes the stills; keep, when not nil, receives each one
// (then newly allocated) after it is written.
func writeStills(pages []*render.Page, prof render.Profile, dir string, t time.Time, keep func(*image.RGBA)) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var buf *image.RGBA
	if keep == nil {
		buf = image.NewRGBA(image.Rect(0, 0, prof.Width, prof.Height))
	}
	var paths []string
	for i, p := range pages {
		name := p.Item
		if name == "" {
			name = "idle"
		}
		img := still(p, prof, t, buf)
		path := filepath.Join(dir, fmt.Sprintf("%03d-%s.png", i+1, name))
		if err := WritePNG(path, img); err != nil {
			return nil, err
		}
		paths = append(paths, path)
		if keep != nil {
			keep(img)
		}
	}
	return paths, nil
}

// WritePNG writes img to path.
func WritePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
