package render

import (
	"fmt"
	"testing"
)

// Tables break across TV pages the way the review asked: no page shows a
// header without rows under it, every page that continues a table starts
// with its header, and the 合计 row is never alone with the header: the
// last two rows it adds up are on its page. Checked for every page height
// from a third of the screen to a full one, after a paragraph, for the
// review's tables and for tiny ones.
func TestTablePageBreaks(t *testing.T) {
	const para = "经户主申请、村民代表会议民主评议、街道民政办入户核查，以下家庭拟纳入（续保）城乡最低生活保障及特困供养，现予公示。公示期7天。如有异议，请在公示期内向村务监督委员会或古城街道民政办反映。"
	tables := map[string]string{
		"dibao": dibaoCSV, "leases": leasesCSV, "finance": finance11CSV, "masked": dibaoMaskedCSV,
		"one":     "序号,户主姓名,月保障金（元）\n1,王秀英,1280\n合计,,1280\n",
		"two":     "序号,户主姓名,月保障金（元）\n1,王秀英,1280\n2,李建国,1150\n合计,,2430\n",
		"nototal": "序号,户主姓名,保障类别\n1,王秀英,城乡低保\n2,李建国,特困供养\n3,赵桂兰,城乡低保\n",
	}
	v := sampleVillage()
	for _, size := range []string{"1280x720", "720x576"} {
		r := mustRenderer(t, "tv", size)
		for name, csv := range tables {
			it := tableItem("2026-11-"+name, para, csvTable(csv))
			flow := r.bodyBlocks(v, it, r.safe.Min.X, r.safe.Dx(), r.safe.Size())
			flow = append(flow, spacer(r.px(12)))
			tb := r.tableBlocks(it.Table, r.safe.Min.X, r.safe.Dx())
			flow = append(flow, tb...)
			head, rows := tb[0], tb[1:]
			tallest := 0
			for _, b := range rows {
				tallest = max(tallest, b.h)
			}
			total := it.Table.TotalRow
			keep := 0 // what the 合计 rule needs on one page
			if total >= 0 {
				keep = head.h
				for _, b := range rows[max(0, total-2) : total+1] {
					keep += b.h
				}
			}
			for h := r.p.Height / 3; h <= r.p.Height; h++ {
				pages := paginate(flow, h)
				for n, pg := range pages {
					where := fmt.Sprintf("%s %s h=%d page %d/%d", size, name, h, n+1, len(pages))
					checkTablePage(t, where, pg, head, rows, total, h >= head.h+tallest, h >= keep)
				}
			}
		}
	}
}

// checkTablePage checks one page of a flow holding the table head, rows.
func checkTablePage(t *testing.T, where string, pg []*block, head *block, rows []*block, total int, headRule, totalRule bool) {
	t.Helper()
	index := map[*block]int{}
	for i, b := range rows {
		index[b] = i
	}
	var last *block
	headAt, firstRow, data := -1, -1, 0
	totalHere := false
	for i, b := range pg {
		if b.spacer {
			continue
		}
		last = b
		if b == head && headAt < 0 {
			headAt = i
		}
		ri, ok := index[b]
		if !ok {
			continue
		}
		if firstRow < 0 {
			firstRow = i
		}
		if ri == total {
			totalHere = true
		} else {
			data++
		}
	}
	if headRule && last == head {
		t.Errorf("%s: ends with the table header, no rows under it", where)
	}
	if firstRow >= 0 && (headAt < 0 || headAt > firstRow) {
		t.Errorf("%s: table rows without the header above them", where)
	}
	if totalRule && totalHere && data < min(2, total) {
		t.Errorf("%s: 合计 with %d of the rows above it, want %d", where, data, min(2, total))
	}
}
