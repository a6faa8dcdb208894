package render

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sunboard/sunboard/content"
)

func testJPEG(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 120, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngHeader is a PNG that claims w x h in its IHDR and stops there: enough
// for image.DecodeConfig, far too little to decode.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk := append([]byte("IHDR"), ihdr...)
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func png16(t testing.TB) []byte {
	img := image.NewRGBA64(image.Rect(0, 0, 160, 120))
	for y := range 120 {
		for x := range 160 {
			img.SetRGBA64(x, y, color.RGBA64{uint16(x * 400), uint16(y * 540), 0x8000, 0xffff})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if b.Bytes()[24] != 16 { // IHDR bit depth
		t.Fatalf("fixture is not a 16-bit PNG (depth %d)", b.Bytes()[24])
	}
	return b.Bytes()
}

func photoItem(id, src string) *content.Item {
	return &content.Item{ID: id, Number: "370783-101-001-" + id, Title: "照片 " + id, Category: "财务公开/收支情况",
		Publish: day(2026, 11, 1), Until: day(2026, 11, 30),
		Body: []content.Block{{Kind: content.Image, Src: src, Text: "凭证"}}}
}

func TestBadInput(t *testing.T) {
	good := testJPEG(t, 320, 240)
	cmyk, err := os.ReadFile("testdata/cmyk.jpeg") // from Go's image/testdata (BSD)
	if err != nil {
		t.Fatal(err)
	}
	heic := append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), make([]byte, 64)...)
	webp := append([]byte("RIFF\x40\x00\x00\x00WEBPVP8 \x34\x00\x00\x00"), make([]byte, 64)...)
	fsys := fstest.MapFS{
		"good.jpg":  {Data: good},
		"trunc.jpg": {Data: good[:len(good)/2]},
		"huge.png":  {Data: pngHeader(30000, 30000)},
		"a.heic":    {Data: heic},
		"b.webp":    {Data: webp},
		"cmyk.jpg":  {Data: cmyk},
		"deep.png":  {Data: png16(t)},
		"doc.pdf":   {Data: []byte("%PDF-1.7\n...")},
	}
	v := &content.Village{ID: "370783-101-001", Name: "东营村", FS: fsys}

	long := &content.Table{Header: []string{"姓名", "金额"}, Amount: []bool{false, true}, TotalRow: -1}
	for i := range 20000 {
		long.Rows = append(long.Rows, []string{"张秀英", "1260"})
		_ = i
	}
	latin := strings.Repeat("abcdefghij", 1000)

	tests := []struct {
		name    string
		item    *content.Item
		want    string // substring of the error; "" = no error
		partial bool   // pages returned too
		photo   bool   // a photo is placed (TV and multi-line LED)
	}{
		{"20000-row table", &content.Item{ID: "rows", Title: "长表", Category: "财务公开", Table: long}, "表格过长：20000 行", false, false},
		{"10000-char Latin", &content.Item{ID: "latin", Title: "长串", Category: "村务公开",
			Body: []content.Block{{Kind: content.Paragraph, Text: latin}}}, "", false, false},
		{"empty item", &content.Item{ID: "empty", Title: "只有标题", Category: "村务公开"}, "", false, false},
		{"30000x30000 image", photoItem("huge", "huge.png"), "过大：30000×30000", true, false},
		{"truncated JPEG", photoItem("trunc", "trunc.jpg"), "已损坏或不完整", true, false},
		{"HEIC", photoItem("heic", "a.heic"), "HEIC 格式，不支持，请转为 JPEG", true, false},
		{"WebP", photoItem("webp", "b.webp"), "WebP 格式，不支持，请转为 JPEG", true, false},
		{"PDF", photoItem("pdf", "doc.pdf"), "无法识别（PDF）", true, false},
		{"missing photo", photoItem("gone", "nope.jpg"), "无法读取", true, false},
		{"CMYK JPEG", photoItem("cmyk", "cmyk.jpg"), "", false, true},
		{"16-bit PNG", photoItem("deep", "deep.png"), "", false, true},
	}
	for _, pc := range []pageCase{{"led-rgb", "128x64"}, {"led-mono", "64x32"}, {"tv", "1280x720"}, {"led-rgb", "192x16"}} {
		r := mustRenderer(t, pc.profile, pc.size)
		for _, tc := range tests {
			t.Run(pc.profile+"-"+pc.size+"/"+tc.name, func(t *testing.T) {
				start := time.Now()
				pages, err := r.Item(v, tc.item)
				if d := time.Since(start); d > 10*time.Second {
					t.Errorf("took %v", d)
				}
				if tc.want == "" {
					if err != nil {
						t.Fatalf("error %v, want pages", err)
					}
					if len(pages) == 0 {
						t.Fatal("no pages")
					}
					if tc.photo && !r.marquee() && len(pages[0].photos) == 0 && len(pages) == 1 {
						t.Error("photo not placed")
					}
					return
				}
				var ie *ItemError
				if !errors.As(err, &ie) {
					t.Fatalf("error %v (%T), want *ItemError", err, err)
				}
				if ie.Item != tc.item.ID || !strings.Contains(err.Error(), tc.item.ID) {
					t.Errorf("error %q does not name item %q", err, tc.item.ID)
				}
				if !strings.Contains(ie.Problem, tc.want) {
					t.Errorf("problem %q, want %q", ie.Problem, tc.want)
				}
				if ie.Partial != tc.partial || (len(pages) > 0) != tc.partial {
					t.Errorf("partial %v with %d pages, want %v", ie.Partial, len(pages), tc.partial)
				}
			})
		}
		// Nothing else is affected: the sample items still lay out exactly
		// as on a fresh renderer.
		sv := sampleVillage()
		fresh := mustRenderer(t, pc.profile, pc.size)
		for _, it := range sv.Items {
			a, err1 := r.Item(sv, it)
			b, err2 := fresh.Item(sv, it)
			if err1 != nil || err2 != nil || len(a) != len(b) {
				t.Fatalf("%s %s after bad input: %v %v, %d vs %d pages", pc.size, it.ID, err1, err2, len(a), len(b))
			}
			for i := range a {
				if !bytes.Equal(pageImage(a[i]).Pix, pageImage(b[i]).Pix) {
					t.Errorf("%s %s page %d differs after bad input", pc.size, it.ID, i+1)
				}
			}
		}
	}
}

// The CMYK JPEG shows the colours of Go's reference decode, not inverted
// or garbled ones.
func TestCMYKColours(t *testing.T) {
	data, err := os.ReadFile("testdata/cmyk.jpeg")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ref.(*image.CMYK); !ok {
		t.Fatalf("fixture decodes as %T, want *image.CMYK", ref)
	}
	v := &content.Village{ID: "v", FS: fstest.MapFS{"c.jpg": {Data: data}}}
	r := mustRenderer(t, "tv", "1280x720")
	// Native size: no resampling, so pixels compare one to one.
	img, err := r.loadPhoto(v, "c.jpg", ref.Bounds().Dx(), ref.Bounds().Dy())
	if err != nil {
		t.Fatal(err)
	}
	var worst int
	for y := 0; y < img.Rect.Dy(); y += 7 {
		for x := 0; x < img.Rect.Dx(); x += 7 {
			r1, g1, b1, _ := ref.At(ref.Bounds().Min.X+x, ref.Bounds().Min.Y+y).RGBA()
			c := img.RGBAAt(x, y)
			for _, d := range []int{int(r1>>8) - int(c.R), int(g1>>8) - int(c.G), int(b1>>8) - int(c.B)} {
				worst = max(worst, d, -d)
			}
		}
	}
	if worst > 2 {
		t.Errorf("CMYK photo differs from the reference decode by up to %d levels", worst)
	}
}
