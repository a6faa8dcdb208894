// Package county is what sunpub does with a content folder before it is
// signed: load and validate it, lay it out for every display profile
// villages use, and only then publish it.
package county

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing/fstest"
	"time"

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
	return checkFS(dir, os.DirFS(dir), nil)
}

// checkFS is Check of a folder already in memory (the masked files sunpub
// publishes); dir names it in messages.
// A non-nil cache skips laying out items laid out before with the same
// files and village, by the same sunpub binary.
func checkFS(dir string, fsys fs.FS, cache *checkCache) (*content.Village, error) {
	sharePhotos()
	v, err := content.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("%s:\n%w", dir, err)
	}
	var errs []string
	for _, it := range v.Items {
		text := it.Title + it.ApprovedBy
		for _, b := range it.Body {
			text += b.Text
		}
		if it.Table != nil {
			for _, row := range append([][]string{it.Table.Header}, it.Table.Rows...) {
				text += strings.Join(row, "")
			}
		}
		if m := fonts.Missing(text); len(m) > 0 {
			errs = append(errs, fmt.Sprintf("%s/%s.md: no font has %q: boards would show a box; use a common character or report it to the county / 字库里没有“%s”，屏幕会显示方框：请换用常用字或报县里", dir, it.ID, string(m), string(m)))
		}
	}
	for _, p := range CheckProfiles {
		r, err := render.New(p)
		if err != nil {
			return nil, err
		}
		for _, it := range v.Items {
			key := cache.key(p, v, it, fsys)
			if cache.ok(key) {
				continue
			}
			if _, err := r.Item(v, it); err != nil {
				errs = append(errs, fmt.Sprintf("%s/%s.md: %s: %v / 排版失败", dir, it.ID, p.Name, err))
				continue
			}
			cache.put(key)
		}
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "\n"))
	}
	return v, nil
}

// sharePhotos lets the layouts of all villages reuse each other's fitted
// photos: a county's villages show the same notices' photos, and decoding
// them per village was most of a 1,000-village publish.
var sharePhotos = sync.OnceFunc(func() { render.SharePhotos(64 << 20) })

// PolicyFile is the county's privacy policy, kept in the repository
// directory; Publish reads it when PublishOpts.Policy is nil.
const PolicyFile = "policy.toml"

// PublishOpts tunes Publish.
type PublishOpts struct {
	// Policy says per category whether personal numbers are masked or the
	// publish refused. nil: REPO/policy.toml if it exists, else refuse
	// everywhere.
	Policy *content.Policy
	// By is who submits the items, recorded for sunpub review; "" is
	// SUNPUB_USER or the login name.
	By string
}

// Publish checks every folder, then signs them all; one bad folder
// publishes nothing, so a batch is all or none. The privacy policy is
// REPO/policy.toml when present.
func Publish(repoDir string, dirs []string, out io.Writer) error {
	return PublishWith(repoDir, dirs, out, PublishOpts{})
}

// PublishWith is Publish with options. Personal numbers in categories the
// policy masks are masked in what is signed (see content.Redact); the
// masked files are then loaded and checked like any folder, so nothing
// unmasked is signed whatever the policy says.
func PublishWith(repoDir string, dirs []string, out io.Writer, opts PublishOpts) error {
	repo, err := publish.Open(repoDir)
	if err != nil {
		return err
	}
	policy := opts.Policy
	if policy == nil {
		pp := filepath.Join(repoDir, PolicyFile)
		if _, err := os.Stat(pp); err == nil {
			if policy, err = content.LoadPolicy(pp); err != nil {
				return err
			}
		}
	}
	by := opts.By
	if by == "" {
		by = submitter()
	}
	type village struct {
		dir    string
		v      *content.Village
		files  map[string][]byte
		reds   []content.Redaction
		fitted []string
		err    error // reading the folder failed: stop
		bad    string
	}
	// Each folder is read, masked, fitted and laid out on its own, a few
	// at a time; photos are fitted once per distinct photo (photoCache).
	photos := &photoCache{dir: filepath.Join(repoDir, "cache", "photos")}
	checks := newCheckCache(filepath.Join(repoDir, "cache", "checked"))
	start := time.Now()
	vs := make([]village, len(dirs))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(dirs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				x := &vs[i]
				x.dir = dirs[i]
				files, reds, err := content.Redact(os.DirFS(x.dir), policy)
				if err != nil {
					x.err = fmt.Errorf("read %s: %w", x.dir, err)
					continue
				}
				files, fitted, err := photos.fit(files)
				if err != nil {
					x.err = fmt.Errorf("%s: %w", x.dir, err)
					continue
				}
				mfs := fstest.MapFS{}
				for p, b := range files {
					mfs[p] = &fstest.MapFile{Data: b, Mode: 0o644}
				}
				v, err := checkFS(x.dir, mfs, checks)
				if err != nil {
					x.bad = err.Error()
					continue
				}
				x.v, x.files, x.reds, x.fitted = v, files, reds, fitted
			}
		}()
	}
	for i := range dirs {
		work <- i
	}
	close(work)
	wg.Wait()
	var errs []string
	batch := map[string]map[string][]byte{}
	for _, x := range vs {
		if x.err != nil {
			return x.err
		}
		for _, n := range x.fitted {
			fmt.Fprintln(out, n)
		}
		if x.bad != "" {
			errs = append(errs, x.bad)
			continue
		}
		if _, dup := batch[x.v.ID]; dup {
			errs = append(errs, fmt.Sprintf("%s: village %s is named by another folder too / 村编号重复", x.dir, x.v.ID))
			continue
		}
		batch[x.v.ID] = x.files
	}
	if len(errs) > 0 {
		return fmt.Errorf("nothing published / 未发布任何内容:\n%s", strings.Join(errs, "\n"))
	}
	// One commit for the whole batch: each changed village's role is
	// signed, snapshot and timestamp once.
	checked := time.Now()
	if err := repo.PublishVillages(batch); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	now := time.Now()
	if len(batch) > 1 {
		fmt.Fprintf(out, "checked %d folders in %.1fs, signed and stored them in %.1fs / 检查%d个村用时%.1f秒，签名存储用时%.1f秒\n",
			len(batch), checked.Sub(start).Seconds(), now.Sub(checked).Seconds(), len(batch), checked.Sub(start).Seconds(), now.Sub(checked).Seconds())
	}
	for _, x := range vs {
		if err := recordSubmission(repoDir, x.v, x.files, x.reds, now, by); err != nil {
			return fmt.Errorf("publish %s: note who submitted it: %w", x.v.ID, err)
		}
		fmt.Fprintf(out, "published %s %s: %d items\n", x.v.ID, x.v.Name, len(x.v.Items))
		for _, r := range x.reds {
			fmt.Fprintf(out, "  masked %s in %s: %s\n", r.Kind, r.File, r.Masked)
		}
	}
	return nil
}
