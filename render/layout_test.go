package render

import (
	"image"
	"strings"
	"testing"

	"github.com/sunboard/sunboard/content"
)

// The 25-row month fits in 3 table pages at 720p, ≥ 10 rows on a full
// page, followed by one page per distinct receipt photo.
func TestTVTableDensity(t *testing.T) {
	v := sampleVillage()
	r := mustRenderer(t, "tv", "1280x720")
	pages, err := r.Item(v, v.Items[1])
	if err != nil {
		t.Fatal(err)
	}
	photos := 0
	for _, p := range pages {
		if len(p.photos) > 0 {
			photos++
		}
	}
	if tables := len(pages) - photos; tables > 3 || photos != 2 {
		t.Errorf("finance: %d table pages + %d receipt pages, want <= 3 + 2", tables, photos)
	}
	// Count one-line rows on page 2: from the bottom of the header rule
	// to the last ink in the date column, in rows of rowH.
	rowH := r.cell.lineH + 2*r.px(3)
	img, th := pageImage(pages[1]), r.th
	x0 := r.safe.Min.X + 2
	y := 0
	for y < img.Rect.Dy() && img.RGBAAt(x0, y) != th.rule {
		y++
	}
	for y < img.Rect.Dy() && img.RGBAAt(x0, y) == th.rule {
		y++
	}
	top, last := y, y
	for ; y < img.Rect.Dy(); y++ {
		for x := x0; x < x0+r.px(160); x++ {
			if c := img.RGBAAt(x, y); c != th.bg && c != th.zebra {
				last = y
				break
			}
		}
	}
	rows := (last-top)/rowH + 1
	t.Logf("720p table page 2: %d rows", rows)
	if rows < 10 {
		t.Errorf("720p table page 2: %d rows of %d px, want >= 10", rows, rowH)
	}
	if r.qrModule() < 3 || mustRenderer(t, "tv", "720x576").qrModule() < 3 {
		t.Error("QR modules below 3 px")
	}
}

func TestVoucherPages(t *testing.T) {
	tb := &content.Table{
		Header: []string{"日期", "凭证号", "摘要", "收入（元）", "支出（元）", "凭证"},
		Amount: []bool{false, false, false, true, true, false},
		Rows: [][]string{
			{"2026-10-07", "记-007", "道路维修材料费：水泥40袋、沙石6方", "", "1360", "photos/v07.jpg"},
			{"2026-10-09", "记-008", "办公用品", "", "326", "photos/receipt-1027.jpg"},
			{"", "", "合计", "", "1686", ""},
		},
		Voucher:  []string{"photos/v07.jpg", "photos/receipt-1027.jpg", ""},
		TotalRow: 2,
	}
	if got, want := voucherCaption(tb, 0), "凭证 2026-10-07 记-007 道路维修材料费：水泥40袋、沙石6方  支出 1,360.00 元"; got != want {
		t.Errorf("voucherCaption = %q, want %q", got, want)
	}
	v := sampleVillage()
	it := &content.Item{ID: "x", Number: "n-x", Title: "收支", Category: "财务公开", Table: tb,
		// The body already shows receipt-1027: no second page for it.
		Body: []content.Block{{Kind: content.Image, Src: "photos/receipt-1027.jpg", Text: "发票"}}}
	for _, pc := range []pageCase{{"tv", "1280x720"}, {"led-rgb", "128x64"}} {
		r := mustRenderer(t, pc.profile, pc.size)
		pages, err := r.Item(v, it)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, p := range pages {
			n += len(p.photos)
		}
		if n != 2 {
			t.Errorf("%s: %d photos placed, want 2 (body photo + v07, no duplicate)", pc.profile, n)
		}
	}
}

func TestUrgentBands(t *testing.T) {
	v := sampleVillage()
	it := v.Items[4]
	if it.Priority != content.Urgent {
		t.Fatal("fixture item 4 should be urgent")
	}
	tv := mustRenderer(t, "tv", "1280x720")
	ps, err := tv.Item(v, it)
	if err != nil {
		t.Fatal(err)
	}
	if c := pageImage(ps[0]).RGBAAt(0, 0); c != tv.th.urgent {
		t.Errorf("TV urgent band %v, want %v", c, tv.th.urgent)
	}
	for _, kind := range []string{"led-rgb", "led-mono"} {
		r := mustRenderer(t, kind, "128x64")
		lp, err := r.Item(v, it)
		if err != nil {
			t.Fatal(err)
		}
		if c := pageImage(lp[0]).RGBAAt(127, 0); c != r.th.urgent {
			t.Errorf("%s urgent header %v, want %v", kind, c, r.th.urgent)
		}
	}
	ordinary, _ := tv.Item(v, v.Items[0])
	if c := pageImage(ordinary[0]).RGBAAt(0, 0); c == tv.th.urgent {
		t.Error("ordinary item has the urgent band colour")
	}
}

// The band shows the item ID as 编号 and keeps room for 第 n / m 页.
func TestBandSegments(t *testing.T) {
	r := mustRenderer(t, "tv", "720x576")
	code := qrCode("https://sg.example.cn/q?item={item}", "370783-101-001-2026-10-finance")
	b := r.layoutBand("2026年10月村集体收支明细", []string{"东营村 · 财务公开 · 收支情况", "公示期：2026-11-05 至 2026-12-04", "编号 2026-10-finance"}, code, false, true)
	var all []string
	for _, l := range b.small {
		all = append(all, l...)
	}
	if !strings.Contains(strings.Join(all, "|"), "编号 2026-10-finance") {
		t.Errorf("band segments %q: 编号 missing or cut", all)
	}
	side := r.qrSide(code)
	if q := image.Rect(b.qrAt.X, b.qrAt.Y, b.qrAt.X+side, b.qrAt.Y+side); !q.In(r.safe) || b.h < q.Max.Y {
		t.Errorf("QR %v outside safe %v or band (h %d)", q, r.safe, b.h)
	}
}
