package render

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io/fs"
	"sync"

	"github.com/disintegration/imaging"
	"github.com/sunboard/sunboard/content"
)

// photoKey names a decoded, fitted photo. Village ID rather than FS: an
// fs.FS such as fstest.MapFS is not comparable.
type photoKey struct {
	village, src string
	w, h         int
}

// maxPhotoCache bounds the fitted-photo cache (entries and bytes) of LED
// layouts: decoding a 12 MP JPEG costs ~0.3 s on x86 and several times that
// on a Pi, so re-layouts should not. TV photo pages do not use it: a photo
// fitted to a TV's width (7 MB at 720p, 16 MB at 1080p) is resampled
// straight into the page's strip each time it is drawn (photo_page.go).
// Least recently used photos go first.
const (
	maxPhotoCache      = 64
	maxPhotoCacheBytes = 8 << 20
)

type cachedPhoto struct {
	img  *image.RGBA
	used uint64
}

// loadPhoto decodes src from the village folder with its EXIF orientation
// applied and fits it in w x h: nearest-neighbour by a whole factor when
// enlarging (no blur on small scans), Catmull-Rom (shrink) when shrinking. h == 0
// means fit the width only (an LED strip pans tall receipts).
func (r *Renderer) loadPhoto(v *content.Village, src string, w, h int) (*image.RGBA, error) {
	key := photoKey{v.ID, src, w, h}
	r.photoClock++
	if c, ok := r.photos[key]; ok {
		c.used = r.photoClock
		return c.img, nil
	}
	data, err := r.photoData(v, src)
	if err != nil {
		return nil, err
	}
	sk := sharedKey{sha256.Sum256(data), w, h, r.p.Kind, r.th.bg}
	if img := shared.get(sk); img != nil {
		r.cachePhoto(key, img)
		return img, nil
	}
	im, err := decodePhoto(sk.sum, data)
	if err != nil {
		return nil, photoError(src, err)
	}
	sw, sh := im.Bounds().Dx(), im.Bounds().Dy()
	nw, nh := fitDims(sw, sh, w, h)
	var out image.Image
	switch {
	case nw >= 2*sw:
		out = imaging.Resize(im, nw, nh, imaging.NearestNeighbor)
	case nw >= sw:
		out = im
	default:
		out = shrink(im, nw, nh)
	}
	rgba := image.NewRGBA(image.Rect(0, 0, out.Bounds().Dx(), out.Bounds().Dy()))
	draw.Draw(rgba, rgba.Rect, image.NewUniform(r.th.bg), image.Point{}, draw.Src)
	draw.Draw(rgba, rgba.Rect, out, out.Bounds().Min, draw.Over)
	if r.p.Kind == LEDMono {
		dither(rgba, r.th.text, r.th.bg)
	}
	shared.put(sk, rgba)
	r.cachePhoto(key, rgba)
	return rgba, nil
}

// sourceSize is the photo's upright size, without decoding a photo whose
// full decode this process has already done once (see probes): a TV
// page's layout needs only the size, and sunpub lays out the same shared
// photo for every village that shows it.
func (r *Renderer) sourceSize(v *content.Village, src string) (int, int, error) {
	data, err := r.photoData(v, src)
	if err != nil {
		return 0, 0, err
	}
	sum := sha256.Sum256(data)
	p, ok := probes.get(sum)
	if !ok {
		// decodePhoto records the probe.
		if _, err := decodePhoto(sum, data); err != nil {
			return 0, 0, photoError(src, err)
		}
		p, _ = probes.get(sum)
	}
	if p.err != nil {
		return 0, 0, photoError(src, p.err)
	}
	return p.w, p.h, nil
}

func (r *Renderer) photoData(v *content.Village, src string) ([]byte, error) {
	if v.FS == nil {
		return nil, fmt.Errorf("照片 %q：村 %q 没有文件夹", src, v.ID)
	}
	return readPhoto(v.FS, src)
}

var errEmptyPhoto = errors.New("empty image")

func photoError(src string, err error) error {
	if err == errEmptyPhoto {
		return fmt.Errorf("照片 %q 是空图像", src)
	}
	return fmt.Errorf("照片 %q 已损坏或不完整，请重新导出：%v", src, err)
}

// decodePhoto decodes with the EXIF orientation applied and records what
// it found in probes.
func decodePhoto(sum [32]byte, data []byte) (image.Image, error) {
	im, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
	if err == nil && (im.Bounds().Dx() == 0 || im.Bounds().Dy() == 0) {
		err = errEmptyPhoto
	}
	p := probe{err: err}
	if err == nil {
		p.w, p.h = im.Bounds().Dx(), im.Bounds().Dy()
	}
	probes.put(sum, p)
	return im, err
}

// fitDims fits an upright sw×sh photo in w×h (h == 0: width only):
// enlarged by a whole factor when that factor is 2 or more, kept when it
// fits, shrunk otherwise.
func fitDims(sw, sh, w, h int) (int, int) {
	scale := float64(w) / float64(sw)
	if h > 0 {
		scale = min(scale, float64(h)/float64(sh))
	}
	switch {
	case scale >= 2:
		k := int(scale)
		return sw * k, sh * k
	case scale >= 1:
		return sw, sh
	}
	return max(1, int(float64(sw)*scale)), max(1, int(float64(sh)*scale))
}

// probe is what a full decode of one photo's bytes found: its upright
// size, or why it cannot be shown. A few dozen bytes each; the map is
// started over when full.
type probe struct {
	w, h int
	err  error
}

const maxProbes = 4096

type probeMemo struct {
	mu sync.Mutex
	m  map[[32]byte]probe
}

var probes = probeMemo{m: make(map[[32]byte]probe)}

func (pm *probeMemo) get(sum [32]byte) (probe, bool) {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	p, ok := pm.m[sum]
	return p, ok
}

func (pm *probeMemo) put(sum [32]byte, p probe) {
	pm.mu.Lock()
	defer pm.mu.Unlock()
	if len(pm.m) >= maxProbes {
		clear(pm.m)
	}
	pm.m[sum] = p
}

// sharedKey names a fitted photo by its bytes and everything fitting and
// drawing it depends on.
type sharedKey struct {
	sum  [32]byte
	w, h int
	kind Kind
	bg   color.RGBA
}

// fittedMemo holds fitted photos for every Renderer of the process; off
// (max 0) unless SharePhotos turns it on. Its images are never written
// after insertion.
type fittedMemo struct {
	mu         sync.Mutex
	max, bytes int
	m          map[sharedKey]*image.RGBA
}

var shared fittedMemo

// SharePhotos lets every Renderer in this process reuse photos another one
// has fitted, up to maxBytes in all: sunpub lays out one shared photo for
// each of a thousand villages. The agent, showing one village, leaves it
// off and keeps its memory.
func SharePhotos(maxBytes int) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.max, shared.bytes, shared.m = maxBytes, 0, make(map[sharedKey]*image.RGBA)
}

func (f *fittedMemo) get(k sharedKey) *image.RGBA {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.m[k]
}

func (f *fittedMemo) put(k sharedKey, img *image.RGBA) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(img.Pix)
	if f.max == 0 || n > f.max/8 {
		return
	}
	if f.bytes+n > f.max {
		clear(f.m)
		f.bytes = 0
	}
	f.m[k] = img
	f.bytes += n
}

// cachePhoto adds img, evicting least recently used photos over the
// bounds. A photo larger than the whole budget is not kept.
func (r *Renderer) cachePhoto(key photoKey, img *image.RGBA) {
	size := len(img.Pix)
	if size > maxPhotoCacheBytes {
		return
	}
	for len(r.photos) > 0 && (len(r.photos) >= maxPhotoCache || r.photoBytes+size > maxPhotoCacheBytes) {
		var old photoKey
		var oldest uint64
		first := true
		for k, c := range r.photos {
			if first || c.used < oldest {
				old, oldest, first = k, c.used, false
			}
		}
		r.photoBytes -= len(r.photos[old].img.Pix)
		delete(r.photos, old)
	}
	r.photos[key] = &cachedPhoto{img: img, used: r.photoClock}
	r.photoBytes += size
}

// readPhoto reads src and checks it before any decoding: file size,
// formats we cannot decode (HEIC, WebP: sniffed from magic bytes), and the
// pixel count from image.DecodeConfig, so a 30000×30000 image is refused
// without allocating its 3.6 GB.
func readPhoto(fsys fs.FS, src string) ([]byte, error) {
	if st, err := fs.Stat(fsys, src); err == nil && st.Size() > maxPhotoBytes {
		return nil, fmt.Errorf("照片 %q 文件过大：%d MB，上限 %d MB，请缩小后重新上传", src, st.Size()>>20, maxPhotoBytes>>20)
	}
	data, err := fs.ReadFile(fsys, src)
	if err != nil {
		return nil, fmt.Errorf("照片 %q 无法读取：%w", src, err)
	}
	if f := sniffUnsupported(data); f != "" {
		return nil, fmt.Errorf("照片 %q 是 %s 格式，不支持，请转为 JPEG 或 PNG", src, f)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if h := photoFormatHint(data); h != "" {
			return nil, fmt.Errorf("照片 %q 无法识别（%s），请转为 JPEG 或 PNG", src, h)
		}
		return nil, fmt.Errorf("照片 %q 无法识别，不是 JPEG/PNG 或文件已损坏：%v", src, err)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPhotoPixels || cfg.Width > 20000 || cfg.Height > 20000 {
		return nil, fmt.Errorf("照片 %q 过大：%d×%d 像素，上限 %d 万像素（单边 20000），请缩小后重新上传",
			src, cfg.Width, cfg.Height, maxPhotoPixels/10000)
	}
	return data, nil
}

// dither reduces a photo to the board's one colour by Floyd–Steinberg on
// luminance, so a mono board still shows a receipt's shapes.
func dither(img *image.RGBA, on, off color.RGBA) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	lum := make([]float32, w*h)
	for y := range h {
		for x := range w {
			o := img.PixOffset(x, y)
			p := img.Pix[o : o+3]
			lum[y*w+x] = 0.299*float32(p[0]) + 0.587*float32(p[1]) + 0.114*float32(p[2])
		}
	}
	for y := range h {
		for x := range w {
			i := y*w + x
			old := lum[i]
			c, nv := off, float32(0)
			if old >= 128 {
				c, nv = on, 255
			}
			o := img.PixOffset(x, y)
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = c.R, c.G, c.B, c.A
			e := old - nv
			if x+1 < w {
				lum[i+1] += e * 7 / 16
			}
			if y+1 < h {
				if x > 0 {
					lum[i+w-1] += e * 3 / 16
				}
				lum[i+w] += e * 5 / 16
				if x+1 < w {
					lum[i+w+1] += e / 16
				}
			}
		}
	}
}

// photoBlock places one body photo with its caption below. On TV it is a
// page of its own (tvPhotoBlock, photo_page.go); on LED it takes the board
// width and the strip pans it. A photo that cannot be read becomes a
// visible notice rather than failing the item: the rest of the disclosure
// must still reach the board.
func (r *Renderer) photoBlock(v *content.Village, b content.Block, x, w int, box image.Point) *block {
	if !r.led() {
		return r.tvPhotoBlock(v, b, x, w, box)
	}
	th := r.th
	capF := r.px16
	caption := capF.wrap(b.Text, w)
	if b.Text == "" {
		caption = nil
	}
	capH := len(caption) * capF.lineH
	const gap = 2
	img, err := r.loadPhoto(v, b.Src, w, 0)
	if err != nil {
		r.probs = append(r.probs, err.Error())
		msg := capF.wrap("（照片无法显示："+b.Src+"）", w)
		lines := append(msg, caption...)
		blk := &block{h: len(lines) * capF.lineH}
		blk.draw = func(dst *image.RGBA, y int) {
			for i, l := range lines {
				capF.draw(dst, x, y+i*capF.lineH, l, th.text)
			}
		}
		return blk
	}
	iw, ih := img.Rect.Dx(), img.Rect.Dy()
	ix := x + (w-iw)/2
	blk := &block{h: ih + gap + capH, photo: image.Rect(ix, 0, ix+iw, ih)}
	for _, l := range caption {
		blk.text += runeCount(l)
	}
	// An LED page keeps its fitted photo (board-wide, small: ~50 KB at
	// 128 px, ~450 KB at 384 px) so that drawing its strip on a page
	// change never decodes.
	blk.draw = func(dst *image.RGBA, y int) {
		draw.Draw(dst, image.Rect(ix, y, ix+iw, y+ih), img, image.Point{}, draw.Src)
		for i, l := range caption {
			capF.draw(dst, x+(w-capF.width(l))/2, y+ih+gap+i*capF.lineH, l, th.text)
		}
	}
	return blk
}
