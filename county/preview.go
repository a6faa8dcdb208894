package county

import (
	"image"
	"image/color"
	"image/draw"
	"path/filepath"
	"time"

	"github.com/sunboard/sunboard/player"
	"github.com/sunboard/sunboard/render"
)

// Preview writes exactly what boards of profile p will show of dir at t,
// with the same code the agent runs: OUT/<NNN>-<item>.png in play order,
// plus contact-sheet.png with every page, for a clerk to check at a glance.
func Preview(dir string, p render.Profile, outDir string, t time.Time) ([]string, error) {
	v, err := Check(dir)
	if err != nil {
		return nil, err
	}
	r, err := render.New(p)
	if err != nil {
		return nil, err
	}
	pages, err := player.Playlist(r, v, t)
	if err != nil {
		return nil, err
	}
	files, imgs, err := player.WriteStills(pages, p, outDir, t)
	if err != nil {
		return nil, err
	}
	sheet := filepath.Join(outDir, "contact-sheet.png")
	if err := player.WritePNG(sheet, contactSheet(imgs, p)); err != nil {
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
