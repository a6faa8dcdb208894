package county

import (
	"errors"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/draw"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing/fstest"
	"time"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/player"
	"github.com/sunboard/sunboard/render"
)

// Preview writes exactly what boards of profile p will show of dir at t,
// with the same code the agent runs: OUT/<NNN>-<item>.png in play order,
// plus contact-sheet.png with every page, for a clerk to check at a glance.
// It applies no privacy policy: every personal number is refused.
func Preview(dir string, p render.Profile, outDir string, t time.Time) ([]string, error) {
	files, _, err := PreviewWith(dir, p, outDir, t, nil)
	return files, err
}

// PreviewWith is Preview of dir as sunpub publishes it under policy:
// personal numbers in categories the policy masks are masked first (what
// was masked is returned), so a clerk sees the masked 低保 list the boards
// will show. A nil policy refuses every personal number.
func PreviewWith(dir string, p render.Profile, outDir string, t time.Time, policy *content.Policy) ([]string, []content.Redaction, error) {
	fsys, reds, err := AsPublished(dir, policy)
	if err != nil {
		return nil, nil, err
	}
	v, err := checkFS(dir, fsys, nil)
	if err != nil {
		return nil, nil, err
	}
	files, err := previewVillage(v, p, outDir, t)
	return files, reds, err
}

// AsPublished is the folder dir as sunpub publishes it under policy
// (content.Redact: masked where the policy says so, the clerk's folder
// untouched), in memory, and what was masked.
func AsPublished(dir string, policy *content.Policy) (fs.FS, []content.Redaction, error) {
	files, reds, err := content.Redact(os.DirFS(dir), policy)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", dir, err)
	}
	mfs := fstest.MapFS{}
	for p, b := range files {
		mfs[p] = &fstest.MapFile{Data: b, Mode: 0o644}
	}
	return mfs, reds, nil
}

// LoadAsPublished loads dir as sunpub publishes it under policy (see
// AsPublished), without laying it out.
func LoadAsPublished(dir string, policy *content.Policy) (*content.Village, error) {
	fsys, _, err := AsPublished(dir, policy)
	if err != nil {
		return nil, err
	}
	v, err := content.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("%s:\n%w", dir, err)
	}
	return v, nil
}

// RepoPolicy reads the county's privacy policy, REPO/policy.toml, as
// Publish does; nil (refuse every personal number) when there is none.
func RepoPolicy(repo string) (*content.Policy, error) {
	pp := filepath.Join(repo, PolicyFile)
	if _, err := os.Stat(pp); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return content.LoadPolicy(pp)
}

func previewVillage(v *content.Village, p render.Profile, outDir string, t time.Time) ([]string, error) {
	r, err := render.New(p)
	if err != nil {
		return nil, err
	}
	pages, err := player.Playlist(r, v, t)
	if err != nil {
		return nil, err
	}
	return writePreview(v, pages, p, outDir, t)
}

// writePreview writes pages as stills drawn at t into outDir, with a
// contact sheet and an index.html, and returns the PNG paths, the contact
// sheet last.
func writePreview(v *content.Village, pages []*render.Page, p render.Profile, outDir string, t time.Time) ([]string, error) {
	files, imgs, err := player.WriteStills(pages, p, outDir, t)
	if err != nil {
		return nil, err
	}
	sheet := filepath.Join(outDir, "contact-sheet.png")
	if err := player.WritePNG(sheet, contactSheet(imgs, p)); err != nil {
		return nil, err
	}
	times := make([]time.Duration, len(pages))
	for i, pg := range pages {
		times[i] = pg.Duration()
	}
	if err := writeGallery(filepath.Join(outDir, "index.html"), v.Name, p, files, times); err != nil {
		return nil, err
	}
	return append(files, sheet), nil
}

// contactSheet lays pages side by side: TV pages at half size in rows of
// four, LED strips at full size in one row (they are narrow and tall).
func contactSheet(imgs []*image.RGBA, p render.Profile) *image.RGBA {
	const gap = 12
	scale, perRow := 2, 4
	if p.Kind != render.TV {
		scale, perRow = 1, len(imgs)
	}
	cellW, cellH := 0, 0
	for _, im := range imgs {
		cellW = max(cellW, im.Bounds().Dx()/scale)
		cellH = max(cellH, im.Bounds().Dy()/scale)
	}
	rows := (len(imgs) + perRow - 1) / perRow
	cols := min(perRow, len(imgs))
	sheet := image.NewRGBA(image.Rect(0, 0, gap+cols*(cellW+gap), gap+rows*(cellH+gap)))
	draw.Draw(sheet, sheet.Bounds(), &image.Uniform{color.RGBA{0x30, 0x30, 0x30, 0xff}}, image.Point{}, draw.Src)
	for i, im := range imgs {
		x := gap + (i%perRow)*(cellW+gap)
		y := gap + (i/perRow)*(cellH+gap)
		b := im.Bounds()
		for sy := 0; sy < b.Dy()/scale; sy++ {
			for sx := 0; sx < b.Dx()/scale; sx++ {
				o := im.PixOffset(b.Min.X+sx*scale, b.Min.Y+sy*scale)
				d := sheet.PixOffset(x+sx, y+sy)
				copy(sheet.Pix[d:d+4], im.Pix[o:o+4])
			}
		}
	}
	return sheet
}

// writeGallery is the preview as a page a clerk opens in any browser
// (file://, no server): every page in play order at its real size.
//
// Each page says how long it stands on the board, and the heading how
// long the whole loop takes: a clerk sees a table that would keep a
// villager waiting before the board does.
func writeGallery(path, village string, p render.Profile, files []string, times []time.Duration) error {
	var loop time.Duration
	for _, d := range times {
		loop += d
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>%s 公开内容预览</title>
<style>body{background:#222;color:#eee;font-family:sans-serif;margin:24px}figure{display:inline-block;margin:12px;vertical-align:top}
img{border:1px solid #555;image-rendering:pixelated;max-width:100%%}figcaption{font-size:14px;color:#bbb}</style>
<h1>%s · %s %d×%d 预览（与屏幕显示完全一致）</h1><p>共 %d 页，轮播一遍约 %s（未计紧急通知插播和 dwell 设置）</p>`,
		html.EscapeString(village), html.EscapeString(village), p.Kind, p.Width, p.Height, len(files), zhDuration(loop))
	for i, f := range files {
		name := filepath.Base(f)
		style := ""
		if p.Kind != render.TV {
			style = ` style="width:` + fmt.Sprint(p.Width*3) + `px"` // LED pixels, enlarged crisply
		}
		shown := ""
		if i < len(times) {
			shown = " · 停留 " + zhDuration(times[i])
		}
		fmt.Fprintf(&b, `<figure><img src="%s" alt="第%d页"%s><figcaption>%d. %s%s</figcaption></figure>`, html.EscapeString(name), i+1, style, i+1, html.EscapeString(name), shown)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// zhDuration is d for a clerk: 45 秒, 3 分 20 秒, 1 小时 05 分.
func zhDuration(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%d 秒", s)
	case s < 3600:
		return fmt.Sprintf("%d 分 %02d 秒", s/60, s%60)
	}
	return fmt.Sprintf("%d 小时 %02d 分", s/3600, s%3600/60)
}
