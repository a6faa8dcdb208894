package county

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"testing"
)

func jpegOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFitPhotos(t *testing.T) {
	receipt, err := os.ReadFile("../content/sample/village/photos/receipt-1012.jpg") // 1260×960 stored, EXIF 6
	if err != nil {
		t.Fatal(err)
	}
	small := jpegOf(t, 800, 600)
	in := map[string][]byte{
		"big.jpg":   jpegOf(t, 4000, 3000),
		"small.jpg": small,
		"r.jpg":     receipt,
		"a.md":      []byte("x"),
	}
	out, notes, err := fitPhotos(in)
	if err != nil {
		t.Fatal(err)
	}
	size := func(b []byte) (int, int) {
		c, _, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return c.Width, c.Height
	}
	if w, h := size(out["big.jpg"]); w != 1920 || h != 1440 {
		t.Errorf("big photo stored at %d×%d, want 1920×1440", w, h)
	}
	if w, h := size(out["r.jpg"]); w != 960 || h != 1260 {
		t.Errorf("rotated receipt stored at %d×%d, want upright 960×1260", w, h)
	}
	if !bytes.Equal(out["small.jpg"], small) || string(out["a.md"]) != "x" {
		t.Error("small upright photo or text file changed")
	}
	if len(notes) != 2 {
		t.Errorf("notes = %q", notes)
	}
}
