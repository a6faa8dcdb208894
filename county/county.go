// Package county is what sunpub does with a content folder before it is
// signed: load and validate it, lay it out for every display profile
// villages use, and only then publish it.
package county

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/feed/publish"
	"github.com/sunboard/sunboard/fonts"
	"github.com/sunboard/sunboard/render"
)

// CheckProfiles are the profiles every item is laid out for before it is
// signed, so no village finds out on its board that an item cannot render.
var CheckProfiles = []render.Profile{
	{Name: "led-rgb 128x64", Kind: render.LEDRGB, Width: 128, Height: 64},
	{Name: "tv 1280x720", Kind: render.TV, Width: 1280, Height: 720},
}

// Check loads dir and lays every item out for CheckProfiles.
func Check(dir string) (*content.Village, error) {
	v, err := content.Load(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("%s:\n%w", dir, err)
	}
	var errs []string
	for _, it := range v.Items {
		text := it.Title
		for _, b := range it.Body {
			text += b.Text
		}
		if it.Table != nil {
			for _, row := range append([][]string{it.Table.Header}, it.Table.Rows...) {
				text += strings.Join(row, "")
			}
		}
		if m := fonts.Missing(text); len(m) > 0 {
			errs = append(errs, fmt.Sprintf("%s/%s.md: no font has %q: boards would show a box; use a common character or report it to the county", dir, it.ID, string(m)))
		}
	}
	for _, p := range CheckProfiles {
		r, err := render.New(p)
		if err != nil {
			return nil, err
		}
		for _, it := range v.Items {
			if _, err := r.Item(v, it); err != nil {
				errs = append(errs, fmt.Sprintf("%s/%s.md: %s: %v", dir, it.ID, p.Name, err))
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "\n"))
	}
	return v, nil
}

// Publish checks every folder, then signs them all; one bad folder
// publishes nothing, so a batch is all or none.
func Publish(repoDir string, dirs []string, out io.Writer) error {
	repo, err := publish.Open(repoDir)
	if err != nil {
		return err
	}
	type village struct {
		v     *content.Village
		files map[string][]byte
	}
	var vs []village
	var errs []string
	for _, dir := range dirs {
		v, err := Check(dir)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		files, err := content.ReadAll(os.DirFS(dir))
		if err != nil {
			return fmt.Errorf("read %s: %w", dir, err)
		}
		vs = append(vs, village{v, files})
	}
	if len(errs) > 0 {
		return fmt.Errorf("nothing published:\n%s", strings.Join(errs, "\n"))
	}
	for _, x := range vs {
		if err := repo.PublishVillage(x.v.ID, x.files); err != nil {
			return fmt.Errorf("publish %s: %w", x.v.ID, err)
		}
		fmt.Fprintf(out, "published %s %s: %d items\n", x.v.ID, x.v.Name, len(x.v.Items))
	}
	return nil
}
