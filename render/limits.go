package render

import (
	"bytes"
	"fmt"
	"strings"
)

// Limits on what one item may cost. Pages are whole *image.RGBA screens
// (8 MB each at 1080p) and an LED item is one tall strip, so an item that
// would exceed them is refused with an error a clerk can act on rather than
// exhausting a Raspberry Pi's memory.
const (
	// maxTableRows: a 低保 list of a large village is a few hundred rows;
	// 500 rows is 50 TV pages at 720p, 50 × 12 s of the loop.
	maxTableRows = 500
	// maxTVPages caps one item's pages on TV (60 × 3.7 MB at 720p).
	maxTVPages = 60
	// maxStripPixels caps an LED strip or marquee: 4 Mpx, 16 MB.
	maxStripPixels = 4 << 20
	// maxPhotoPixels is checked with image.DecodeConfig before decoding:
	// 50 MP admits a 48 MP phone photo; a decoded 50 MP photo already
	// takes ~200 MB as NRGBA.
	maxPhotoPixels = 50_000_000
	// maxPhotoBytes caps the file read into memory.
	maxPhotoBytes = 40 << 20
)

// ItemError is the error Item returns: it names the item and says what is
// wrong in words a village clerk can act on. Other items are unaffected.
//
// When Partial is true Item also returned the item's pages: only a photo
// could not be shown, and a visible notice stands in its place. A player
// may show those pages; publish-time checking treats the error as fatal.
type ItemError struct {
	Item    string // content item ID
	Problem string // e.g. 表格过长：20000 行，上限 500 行，请拆分为多个公示事项
	Partial bool
}

func (e *ItemError) Error() string {
	return fmt.Sprintf("render item %q: %s", e.Item, e.Problem)
}

// sniffUnsupported names image formats that phones produce but Go's
// decoders here do not read, from their magic bytes.
func sniffUnsupported(b []byte) string {
	if len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP" {
		return "WebP"
	}
	// ISO BMFF: size, "ftyp", major brand.
	if len(b) >= 12 && string(b[4:8]) == "ftyp" {
		switch string(b[8:12]) {
		case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1":
			return "HEIC"
		case "avif", "avis":
			return "AVIF"
		}
		return "HEIF/MP4"
	}
	return ""
}

// photoFormatHint describes a file that DecodeConfig could not read.
func photoFormatHint(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF")):
		return "PDF"
	case len(b) == 0:
		return "空文件"
	}
	return ""
}

func problems(ps []string) string { return strings.Join(ps, "；") }
