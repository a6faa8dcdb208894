package county

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/disintegration/imaging"
)

// MaxPhotoSide is the longest side a photo is stored at: what a 1920×1080
// TV page can show of a receipt. Phone photos (12 MP, 4 MB) shrink to a
// few hundred kB, which a 4G link and a Pi's decoder can carry.
const MaxPhotoSide = 1920

// fitPhotos stores each JPEG/PNG once at the size the largest display
// needs, upright (EXIF orientation applied, since boards and browsers
// disagree on honouring it). Photos already small and upright are kept
// byte for byte, so republishing does not move unchanged bytes.
func fitPhotos(files map[string][]byte) (map[string][]byte, []string, error) {
	return (&photoCache{}).fit(files)
}

// photoCache remembers fitted photos by the sha256 of the original, in
// memory (a batch where every village carries the same receipt decodes it
// once) and, when dir is set, on disk (REPO/cache/photos/<sha256><ext>), so
// republishing an unchanged photo never decodes or re-encodes it again.
type photoCache struct {
	dir string
	mu  sync.Mutex
	mem map[string][]byte
}

func (c *photoCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	b, ok := c.mem[key]
	c.mu.Unlock()
	if ok || c.dir == "" {
		return b, ok
	}
	b, err := os.ReadFile(filepath.Join(c.dir, key))
	if err != nil {
		return nil, false
	}
	c.put(key, b, false)
	return b, true
}

func (c *photoCache) put(key string, b []byte, disk bool) {
	c.mu.Lock()
	if c.mem == nil {
		c.mem = map[string][]byte{}
	}
	c.mem[key] = b
	c.mu.Unlock()
	if disk && c.dir != "" && os.MkdirAll(c.dir, 0o755) == nil {
		// A cache: a failed write only costs a decode next time. Written
		// under a temporary name first so a crash leaves no torn entry.
		tmp := filepath.Join(c.dir, key+".tmp")
		if os.WriteFile(tmp, b, 0o644) == nil {
			_ = os.Rename(tmp, filepath.Join(c.dir, key))
		}
	}
}

func (c *photoCache) fit(files map[string][]byte) (map[string][]byte, []string, error) {
	out := make(map[string][]byte, len(files))
	var notes []string
	for p, b := range files {
		ext := strings.ToLower(path.Ext(p))
		if ext != ".jpg" && ext != ".jpeg" && ext != ".png" {
			out[p] = b
			continue
		}
		sum := sha256.Sum256(b)
		key := hex.EncodeToString(sum[:]) + ext
		if fitted, ok := c.get(key); ok {
			out[p] = fitted
			continue
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			out[p] = b // the layout check reports undecodable photos by item
			continue
		}
		rotated := ext != ".png" && exifRotated(b)
		if max(cfg.Width, cfg.Height) <= MaxPhotoSide && !rotated {
			out[p] = b
			c.put(key, b, false)
			continue
		}
		img, err := imaging.Decode(bytes.NewReader(b), imaging.AutoOrientation(true))
		if err != nil {
			return nil, nil, fmt.Errorf("photo %s: %w", p, err)
		}
		img = imaging.Fit(img, MaxPhotoSide, MaxPhotoSide, imaging.Lanczos)
		var buf bytes.Buffer
		if ext == ".png" {
			err = imaging.Encode(&buf, img, imaging.PNG)
		} else {
			err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
		}
		if err != nil {
			return nil, nil, fmt.Errorf("photo %s: %w", p, err)
		}
		out[p] = buf.Bytes()
		c.put(key, buf.Bytes(), true)
		b2 := img.Bounds()
		notes = append(notes, fmt.Sprintf("photo %s: %d×%d → %d×%d upright (%d kB → %d kB)",
			p, cfg.Width, cfg.Height, b2.Dx(), b2.Dy(), len(b)/1024, buf.Len()/1024))
	}
	return out, notes, nil
}

// exifRotated reports whether a JPEG carries an EXIF orientation other than
// "upright" (1): a cheap scan of the APP1 segment, no full EXIF parser.
func exifRotated(b []byte) bool {
	i := bytes.Index(b, []byte("Exif\x00\x00"))
	if i < 0 || i+14 > len(b) {
		return false
	}
	tiff := b[i+6:]
	var u16 func([]byte) int
	switch string(tiff[:2]) {
	case "II":
		u16 = func(x []byte) int { return int(x[0]) | int(x[1])<<8 }
	case "MM":
		u16 = func(x []byte) int { return int(x[1]) | int(x[0])<<8 }
	default:
		return false
	}
	if len(tiff) < 8 {
		return false
	}
	// The IFD offset is 32 bits in the file's byte order.
	lo, hi := u16(tiff[4:6]), u16(tiff[6:8])
	if string(tiff[:2]) == "MM" {
		lo, hi = hi, lo
	}
	off := lo | hi<<16
	if off < 8 || off+2 > len(tiff) {
		return false
	}
	n := u16(tiff[off : off+2])
	for e := 0; e < n && off+2+e*12+12 <= len(tiff); e++ {
		ent := tiff[off+2+e*12:]
		if u16(ent[:2]) == 0x0112 {
			return u16(ent[8:10]) != 1
		}
	}
	return false
}
