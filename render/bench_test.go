package render

import (
	"bytes"
	"fmt"
	"html"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sunboard/sunboard/content"
)

// village100 is a 100-item village: 40 notices, 40 financial tables (25
// rows, vouchers) and 20 receipt photos of 1600×1200, all distinct files.
func village100(b testing.TB) *content.Village {
	sv := sampleVillage()
	fsys := sv.FS.(fstest.MapFS)
	v := &content.Village{ID: sv.ID, Name: sv.Name, Feedback: sv.Feedback, FS: fsys}
	for i := range 100 {
		var it content.Item
		switch i % 5 {
		case 0, 1:
			it = *sv.Items[0]
		case 2, 3:
			it = *sv.Items[1]
		case 4:
			src := fmt.Sprintf("photos/p%02d.jpg", i/5)
			fsys[src] = &fstest.MapFile{Data: testJPEG(b, 1600, 1200)}
			it = *photoItem("", src)
		}
		it.ID = fmt.Sprintf("item-%03d", i)
		it.Number = v.ID + "-" + it.ID
		v.Items = append(v.Items, &it)
	}
	return v
}

var benchProfiles = []pageCase{
	{"led-mono", "128x64"}, {"led-rgb", "128x64"}, {"led-rgb", "384x192"}, {"led-rgb", "192x16"},
	{"tv", "720x576"}, {"tv", "1280x720"}, {"tv", "1920x1080"},
}

// BenchmarkVillage100 lays out every page of the 100-item village per
// profile with a fresh Renderer (TV pages are drawn when shown; see
// BenchmarkDrawEveryPage for the pixels). HeapInuse-MB
// and Sys-MB are read after the render with all its pages still held, as
// player.Playlist holds them, and (TV) after playing the first pages, so
// the Renderer's cache of screens or strips is full. Sys-MB only grows within one
// process: read it for the first profile run alone (-bench 'Village100/tv-1280').
//
// TV pages keep layout, not pixels. Measured 2026-11 (HeapInuse-MB with
// all pages held, before → after lazy TV pages; after includes the 3-screen
// cache filled by playing 4 pages): 720x576 680 → 19, 1280x720 1070 → 31,
// 1920x1080 2390 → 45. Drawing a page on a cache miss costs ~7 ms at 720p
// and ~15-35 ms at 1080p here (several times that on a Pi): Frame prepares
// the next page in the background so a page change does not drop frames.
//
// Scrolled LED pages keep layout, not their strip, likewise (HeapInuse-MB
// with all pages held and 4 played, before → after): led-mono and led-rgb
// 128x64 78 → 18.5, led-rgb 384x192 168 → 31 (Sys-MB run alone 45 and
// 65). Marquees (192x16) likewise, one cycle per page drawn into the same
// cache: 55.5 → 18.9 (Sys-MB run alone 97 → 49).
func BenchmarkVillage100(b *testing.B) {
	v := village100(b)
	for _, pc := range benchProfiles {
		b.Run(pc.profile+"-"+pc.size, func(b *testing.B) {
			p, err := ParseProfile(pc.profile, pc.size)
			if err != nil {
				b.Fatal(err)
			}
			var pages []*Page
			b.ReportAllocs()
			for b.Loop() {
				pages = nil
				r, err := New(p)
				if err != nil {
					b.Fatal(err)
				}
				for _, it := range v.Items {
					ps, err := r.Item(v, it)
					if err != nil {
						b.Fatal(err)
					}
					pages = append(pages, ps...)
				}
			}
			// Fill the Renderer's cache of screens (TV) or strips (LED) as playing does.
			dst := image.NewRGBA(image.Rect(0, 0, p.Width, p.Height))
			for _, pg := range pages[:4] {
				pg.Frame(dst, 0)
			}
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(len(pages)), "pages/op")
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "HeapInuse-MB")
			b.ReportMetric(float64(ms.Sys)/(1<<20), "Sys-MB")
			runtime.KeepAlive(pages)
		})
	}
}

// BenchmarkDrawEveryPage lays out and draws every page of the 100-item
// village (20 photos) per profile, as `sunboard render` does: a fresh
// Renderer each time, each page's first frame drawn in full (Still), TV
// photos decoded and fitted for the page that shows them.
func BenchmarkDrawEveryPage(b *testing.B) {
	v := village100(b)
	for _, pc := range benchProfiles {
		b.Run(pc.profile+"-"+pc.size, func(b *testing.B) {
			p, err := ParseProfile(pc.profile, pc.size)
			if err != nil {
				b.Fatal(err)
			}
			dst := image.NewRGBA(image.Rect(0, 0, p.Width, p.Height))
			n := 0
			for b.Loop() {
				r, err := New(p)
				if err != nil {
					b.Fatal(err)
				}
				n = 0
				for _, it := range v.Items {
					ps, err := r.Item(v, it)
					if err != nil {
						b.Fatal(err)
					}
					for _, pg := range ps {
						pg.Still(dst)
						n++
					}
				}
			}
			b.ReportMetric(float64(n), "pages/op")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/float64(n), "ms/page")
		})
	}
}

// BenchmarkScroll1080 is one frame of a 1920×1080 TV page with the clock
// and the crawl moving: target ≤ 2 ms and 0 allocs per frame.
func BenchmarkScroll1080(b *testing.B) {
	v := sampleVillage()
	r := mustRenderer(b, "tv", "1920x1080")
	ps, err := r.Item(v, v.Items[1])
	if err != nil {
		b.Fatal(err)
	}
	p := ps[0]
	p.SetTicker(r.Ticker("紧急通知：寒潮大风天气请做好防范 · 2026年10月村集体收支明细 · 2026年第四季度低保金发放名单"))
	clock := time.Date(2026, 11, 22, 9, 0, 0, 0, content.ChinaTime)
	p.SetClock(func() time.Time { return clock })
	dst := image.NewRGBA(image.Rect(0, 0, 1920, 1080))
	tt := time.Duration(0)
	// Drawing the page and, in the background, the next one is the page
	// change (BenchmarkPageChangeTV in ./agent), not a frame's cost.
	p.Frame(dst, tt)
	settle(p)
	b.ReportAllocs()
	for b.Loop() {
		clock = clock.Add(20 * time.Millisecond)
		p.Frame(dst, tt)
		tt += 20 * time.Millisecond
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/frame")
}

// BenchmarkFrameLEDScroll is one frame of the largest LED board scrolling
// the finance table.
func BenchmarkFrameLEDScroll(b *testing.B) { benchFrame(b, "led-rgb", "384x192", 1) }

func encodePages(ps []*Page, n int) error {
	for i, p := range ps {
		if i == n {
			break
		}
		if err := png.Encode(io.Discard, pageImage(p)); err != nil {
			return err
		}
	}
	return nil
}

func noticeText(it *content.Item) string {
	var b strings.Builder
	b.WriteString(it.Title + "\n")
	for _, bl := range it.Body {
		b.WriteString(bl.Text + "\n")
	}
	return b.String()
}

// peer times ours() and the peer command alternately in one run and
// reports both and ours/peer.
func peer(b *testing.B, bin string, args []string, ours func() error) {
	if _, err := exec.LookPath(bin); err != nil {
		b.Skipf("%s not installed", bin)
	}
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil { // warm caches, check it works
		b.Skipf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, out)
	}
	var tOurs, tPeer time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := ours(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", bin, err, out)
		}
		tOurs += t1.Sub(t0)
		tPeer += time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(tOurs.Microseconds())/1000/n, "ours-ms/op")
	b.ReportMetric(float64(tPeer.Microseconds())/1000/n, "peer-ms/op")
	b.ReportMetric(float64(tOurs)/float64(tPeer), "ours/peer")
}

// BenchmarkPeerPango: the sample notice laid out and written as PNG, by us
// (TV 1280×720, every page, fresh Renderer) and by pango-view (Noto Sans
// CJK SC 32 px, wrapped at the same width, one tall PNG; includes its
// process start-up and fontconfig).
func BenchmarkPeerPango(b *testing.B) {
	v := sampleVillage()
	it := v.Items[0]
	dir := b.TempDir()
	txt := filepath.Join(dir, "notice.txt")
	if err := os.WriteFile(txt, []byte(noticeText(it)), 0o644); err != nil {
		b.Fatal(err)
	}
	p, _ := ParseProfile("tv", "1280x720")
	peer(b, "pango-view", []string{"-q", "--pixels", "--font=Noto Sans CJK SC 32", "--width=1152", "--wrap=word-char",
		"--margin=64", "-o", filepath.Join(dir, "notice.png"), txt}, func() error {
		r, err := New(p)
		if err != nil {
			return err
		}
		ps, err := r.Item(v, it)
		if err != nil {
			return err
		}
		return encodePages(ps, len(ps))
	})
}

// BenchmarkPeerChromium: the 25-row finance table as HTML screenshotted by
// headless Chromium at 1280×720 (its first screen; includes browser
// start-up) against ours laying out every page and writing the first as PNG.
func BenchmarkPeerChromium(b *testing.B) {
	bin := "/usr/bin/chromium"
	v := sampleVillage()
	it := v.Items[1]
	dir := b.TempDir()
	var h bytes.Buffer
	h.WriteString(`<!doctype html><meta charset="utf-8"><style>body{font:28px "Noto Sans CJK SC";margin:64px}` +
		`table{border-collapse:collapse;width:100%}td,th{padding:3px 10px}td.a{text-align:right}tr:nth-child(even){background:#eae5d8}</style>`)
	h.WriteString("<h1>" + html.EscapeString(it.Title) + "</h1><table><tr>")
	for _, c := range it.Table.Header[:4] {
		h.WriteString("<th>" + html.EscapeString(c) + "</th>")
	}
	h.WriteString("</tr>")
	for _, row := range it.Table.Rows {
		h.WriteString("<tr>")
		for ci, c := range row[:4] {
			if it.Table.Amount[ci] {
				if f, ok := formatAmount(c); ok {
					c = f
				}
				h.WriteString(`<td class="a">` + c + "</td>")
				continue
			}
			h.WriteString("<td>" + html.EscapeString(c) + "</td>")
		}
		h.WriteString("</tr>")
	}
	h.WriteString("</table>")
	page := filepath.Join(dir, "table.html")
	if err := os.WriteFile(page, h.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	p, _ := ParseProfile("tv", "1280x720")
	peer(b, bin, []string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--window-size=1280,720",
		"--screenshot=" + filepath.Join(dir, "table.png"), "file://" + page}, func() error {
		r, err := New(p)
		if err != nil {
			return err
		}
		ps, err := r.Item(v, it)
		if err != nil {
			return err
		}
		return encodePages(ps, 1)
	})
}
