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
	p.SetClock(func() time.Time { return t })
	if prof.Kind != render.TV {
		if img := p.Strip(); img != nil {
			return img
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, prof.Width, prof.Height))
	p.Frame(img, 0)
	return img
}

// WriteStills writes pages as dir/<NNN>-<item>.png in play order (NNN from
// 001, "idle" for the idle page) and returns the paths and images: the
// contract of `sunboard render` and `sunpub preview`.
func WriteStills(pages []*render.Page, prof render.Profile, dir string, t time.Time) ([]string, []*image.RGBA, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	var paths []string
	var imgs []*image.RGBA
	for i, p := range pages {
		name := p.Item
		if name == "" {
			name = "idle"
		}
		img := Still(p, prof, t)
		path := filepath.Join(dir, fmt.Sprintf("%03d-%s.png", i+1, name))
		if err := WritePNG(path, img); err != nil {
			return nil, nil, err
		}
		paths = append(paths, path)
		imgs = append(imgs, img)
	}
	return paths, imgs, nil
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
