package render

import (
	"fmt"
	"image"
	"os"
	"testing/fstest"
	"time"

	"github.com/sunboard/sunboard/content"
)

func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, content.ChinaTime)
}

// sampleVillage is what tests lay out: a ~300-hanzi notice with digits,
// a 25-row month of 收支 with 合计, a receipt photo with an EXIF
// orientation tag, and a two-column subsidy list.
func sampleVillage() *content.Village {
	receipt, err := os.ReadFile("testdata/receipt.jpg")
	if err != nil {
		panic(err)
	}
	v := &content.Village{
		ID: "370783-101-001", Name: "东营村", Township: "370783-101", TownshipName: "古城街道", County: "寿光市",
		Feedback: "https://sg.example.cn/q?item={item}",
		FS:       fstest.MapFS{"photos/receipt-1027.jpg": {Data: receipt}, "photos/v07.jpg": {Data: receipt}},
	}
	notice := &content.Item{
		ID: "2026-11-road", Number: "370783-101-001-2026-11-road",
		Title:    "关于村内道路硬化工程招标结果的公示",
		Category: "村务公开/村务发生事项",
		Publish:  day(2026, 11, 1), Until: day(2026, 11, 30),
		Body: []content.Block{
			{Kind: content.Paragraph, Text: "根据2026年9月15日村民代表会议决议（到会代表31人，同意29人，同意率93.5%），本村对东西主街及南北二巷共1,860米道路进行硬化，现将招标结果公示如下："},
			{Kind: content.Heading, Level: 2, Text: "一、中标情况"},
			{Kind: content.ListItem, Text: "中标单位：寿光市宏达路桥工程有限公司。"},
			{Kind: content.ListItem, Text: "中标金额：¥386,450.00元，比控制价¥402,000.00元节约¥15,550.00元。"},
			{Kind: content.ListItem, Text: "工期：2026-11-10至2026-12-25，共45天。"},
			{Kind: content.Heading, Level: 2, Text: "二、资金来源"},
			{Kind: content.Paragraph, Text: "上级“一事一议”奖补资金¥200,000.00元，村集体经济收入¥186,450.00元。工程款按进度拨付——验收合格前不超过合同价的70%，余款待审计后结清……质保金5%留存一年。"},
			{Kind: content.Paragraph, Text: "公示期内，村民对招标过程、中标单位或资金安排有异议的，可向村务监督委员会（主任：王建国）或古城街道农经站反映，也可扫描屏幕上的二维码提出疑问。村务监督委员会将在5个工作日内答复。"},
		},
	}
	fin := &content.Item{
		ID: "2026-10-finance", Number: "370783-101-001-2026-10-finance",
		Title:    "2026年10月村集体收支明细",
		Category: "财务公开/收支情况",
		Publish:  day(2026, 11, 5), Until: day(2026, 12, 4),
		Body:  []content.Block{{Kind: content.Paragraph, Text: "以下为本村10月份全部收支，每笔均附原始凭证。"}},
		Table: financeTable(),
	}
	photo := &content.Item{
		ID: "2026-10-receipt", Number: "370783-101-001-2026-10-receipt",
		Title:    "10月27日办公用品发票",
		Category: "财务公开/收支情况",
		Publish:  day(2026, 11, 5), Until: day(2026, 12, 4),
		Body: []content.Block{{Kind: content.Image, Src: "photos/receipt-1027.jpg", Text: "古城街道文具店发票 ¥326.00"}},
	}
	subsidy := &content.Item{
		ID: "2026-q4-dibao", Number: "370783-101-001-2026-q4-dibao",
		Title:    "2026年第四季度低保金发放名单",
		Category: "党务公开/民生保障",
		Publish:  day(2026, 10, 1), Until: day(2026, 12, 31),
		Table: &content.Table{
			Header: []string{"姓名", "金额"}, Amount: []bool{false, true}, TotalRow: 4,
			Rows: [][]string{{"张秀英", "1260"}, {"李长海", "1260"}, {"王玉兰", "945.5"}, {"赵德明", "630"}, {"合计", "4095.5"}},
		},
	}
	urgent := &content.Item{
		ID: "2026-11-cold-wave", Number: "370783-101-001-2026-11-cold-wave",
		Title:    "寒潮大风天气请做好防范",
		Category: "村务公开/通告栏", Priority: content.Urgent,
		Publish: day(2026, 11, 20), Until: day(2026, 11, 30),
		Body: []content.Block{{Kind: content.Paragraph, Text: "据寿光市气象台预报，11月23日至25日我市将出现寒潮天气，最低气温降至零下8℃，并伴有7至8级偏北大风。请各户加固蔬菜大棚棚膜和压膜线，大风期间不要进入大棚作业；检查取暖设施，谨防煤气中毒。"}},
	}
	v.Items = []*content.Item{notice, fin, photo, subsidy, urgent}
	return v
}

func financeTable() *content.Table {
	t := &content.Table{Header: []string{"日期", "摘要", "收入", "支出", "凭证"}, Amount: []bool{false, false, true, true, false}}
	summaries := []string{
		"收到上级拨付“一事一议”奖补资金", "支付村委会电费", "收取土地承包费（东洼地）", "购买办公用品",
		"支付保洁员工资（10月）", "收取厂房租赁费", "支付村道维修材料款", "支付党员活动室空调维修费",
		"收到街道转拨防汛补助", "支付村卫生室水费",
	}
	var in, out int64
	for i := range 24 {
		d := fmt.Sprintf("2026-10-%02d", i+1)
		s := summaries[i%len(summaries)]
		amt := int64((i*7919)%50000+150) * 10 / 10
		cents := int64((i * 37) % 100)
		v := fmt.Sprintf("%d.%02d", amt, cents)
		// Two vouchers: one photo backs two rows (one page, two captions),
		// one is the receipt item's photo (a different item: not skipped).
		voucher := ""
		switch i {
		case 3:
			voucher = "photos/receipt-1027.jpg"
		case 6, 16:
			voucher = "photos/v07.jpg"
		}
		row := []string{d, s, "", "", voucher}
		t.Voucher = append(t.Voucher, voucher)
		if []rune(s)[0] == '收' {
			row[2] = v
			in += amt*100 + cents
		} else {
			row[3] = v
			out += amt*100 + cents
		}
		t.Rows = append(t.Rows, row)
	}
	t.Rows = append(t.Rows, []string{"", "合计", fmt.Sprintf("%d.%02d", in/100, in%100), fmt.Sprintf("%d.%02d", out/100, out%100), ""})
	t.Voucher = append(t.Voucher, "")
	t.TotalRow = len(t.Rows) - 1
	return t
}

// pageImage is a page's pixels without clock or crawl: an LED page's
// strip, a TV page drawn into a new screen.
func pageImage(p *Page) *image.RGBA { return p.Strip() }
