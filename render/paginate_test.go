package render

import (
	"fmt"
	"testing"

	"github.com/sunboard/sunboard/content"
)

// partyMeeting is content/sample/village/2026-11-party-meeting.md as the
// Markdown reader gives it: the 落款's two source lines stay one paragraph
// with a line break between them.
func partyMeeting() *content.Item {
	p := func(s string) content.Block { return content.Block{Kind: content.Paragraph, Text: s} }
	return &content.Item{
		ID: "2026-11-party-meeting", Number: "370783-101-001-2026-11-party-meeting",
		Title:    "关于召开2026年度党员大会暨民主评议党员的通知",
		Category: "党务公开/组织建设", Publish: day(2026, 11, 15), Until: day(2026, 12, 15),
		Body: []content.Block{
			p("全村各位党员："),
			p("经村党支部委员会研究，并报古城街道党工委同意，定于2026年11月28日（星期六）上午9:00在村党群服务中心二楼会议室召开2026年度党员大会，开展民主评议党员工作。现将有关事项通知如下："),
			p("一、会议议程：（1）村党支部书记作2026年度党支部工作报告；（2）通报2026年度“三重一大”事项决策及执行情况；（3）党员逐一进行自我评价，开展批评与自我批评；（4）组织民主测评，测评结果按“优秀”“合格”“基本合格”“不合格”四个等次确定。"),
			p("二、参会人员：全体正式党员、预备党员共47名，特邀村务监督委员会成员列席。外出务工党员请于11月25日前向支部书记请假，可通过“灯塔在线”平台参加学习。"),
			p("三、有关要求：请各位党员按时参会，不迟到、不早退；会前认真准备个人对照检查发言提纲，字数不少于800字；会场内手机调至静音。"),
			p("特此通知。"),
			p("东升村党支部\n2026年11月14日"),
		},
	}
}

// villageMeeting is 2026-11-village-meeting.md: list items, no 落款.
func villageMeeting() *content.Item {
	return &content.Item{
		ID: "2026-11-village-meeting", Number: "370783-101-001-2026-11-village-meeting",
		Title:    "东升村村民代表会议决议公告（东片道路硬化工程）",
		Category: "村务公开/村民会议及实施", Publish: day(2026, 11, 10), Until: day(2026, 12, 10),
		Body: []content.Block{
			{Kind: content.Paragraph, Text: "2026年11月8日，东升村召开村民代表会议，应到代表35人，实到32人，符合法定人数。会议按照“四议两公开”程序，对东片生产路硬化工程进行表决。"},
			{Kind: content.ListItem, Text: "表决事项：硬化东片生产路1.2公里，路面宽4米，预算资金共计384,600.00元，其中上级奖补资金250,000.00元，村集体自筹134,600.00元。"},
			{Kind: content.ListItem, Text: "表决结果：同意30票，反对1票，弃权1票，同意票占实到代表的93.75%，决议通过。"},
			{Kind: content.ListItem, Text: "实施方式：由镇招投标中心公开招标，村务监督委员会全程监督，工程完工后另行公开结算明细。"},
			{Kind: content.Paragraph, Text: "对本决议有异议的，请在公示期内向村务监督委员会或古城街道农经站反映。"},
		},
	}
}

func TestSignatureRule(t *testing.T) {
	p := func(s string) content.Block { return content.Block{Kind: content.Paragraph, Text: s} }
	tests := []struct {
		body []content.Block
		want map[int]int
	}{
		{partyMeeting().Body, map[int]int{6: 2}},
		// Separate paragraphs (a blank line between in Markdown).
		{[]content.Block{p("正文。"), p("特此通知。"), p("东升村党支部"), p("2026年11月14日")}, map[int]int{2: 1, 3: 1}},
		{[]content.Block{p("正文。"), p("东升村村民委员会"), p("二〇二六年十一月十四日")}, map[int]int{1: 1, 2: 1}},
		{[]content.Block{p("正文。"), p("特此通知。"), p("东升村党支部")}, map[int]int{2: 1}},
		{[]content.Block{p("正文。"), p("2026-11-14")}, map[int]int{1: 1}},
		// 特此通知。 stays left; so does a long closing sentence.
		{[]content.Block{p("正文。"), p("特此通知。")}, map[int]int{}},
		{[]content.Block{p("请于11月25日前向村民委员会办公室报名参加本次培训的村民委员会")}, map[int]int{}},
		// The reader's join of "东升村党支部" and "2026年11月14日".
		{[]content.Block{p("正文。"), p("特此通知。"), p("东升村党支部2026年11月14日")}, map[int]int{2: 2}},
		{[]content.Block{p("正文。"), p("请于2026年11月14日")}, map[int]int{}},
		// At most two lines.
		{[]content.Block{p("东升村党支部"), p("东升村村民委员会"), p("2026年11月14日")}, map[int]int{1: 1, 2: 1}},
		// A list or heading at the end: no 落款.
		{[]content.Block{p("东升村党支部"), {Kind: content.ListItem, Text: "2026年11月14日"}}, map[int]int{}},
	}
	for i, tc := range tests {
		got := signature(tc.body)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("case %d: signature = %v, want %v", i, got, tc.want)
		}
	}
	// Laid out, the 落款 is flush right and 特此通知。 flush left.
	r := mustRenderer(t, "tv", "1280x720")
	v := sampleVillage()
	bs := r.bodyBlocks(v, partyMeeting(), r.safe.Min.X, r.safe.Dx(), r.safe.Size())
	var sig []*block
	for _, b := range bs {
		if b.sig {
			sig = append(sig, b)
		}
	}
	if len(sig) != 2 {
		t.Fatalf("party meeting: %d 落款 lines, want 2", len(sig))
	}
	for _, pc := range []pageCase{{"tv", "1280x720"}, {"led-rgb", "128x64"}} {
		r := mustRenderer(t, pc.profile, pc.size)
		for i, p := range mustPages(t, r, v, partyMeeting()) {
			golden(t, fmt.Sprintf("%s-%s-party-meeting-%d", pc.profile, pc.size, i+1), pageImage(p))
		}
	}
}

func mustPages(t *testing.T, r *Renderer, v *content.Village, it *content.Item) []*Page {
	t.Helper()
	ps, err := r.Item(v, it)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// Every page height from a third of a screen to a full one: no page ends
// with a heading or a paragraph's lone first line, none starts with its
// lone last line, and the 落款 never has a page to itself.
func TestPaginateKeeps(t *testing.T) {
	v := sampleVillage()
	for _, size := range []string{"1280x720", "720x576"} {
		r := mustRenderer(t, "tv", size)
		for _, it := range []*content.Item{partyMeeting(), villageMeeting(), v.Items[0], v.Items[1]} {
			flow := r.bodyBlocks(v, it, r.safe.Min.X, r.safe.Dx(), r.safe.Size())
			if it.Table != nil {
				flow = append(flow, r.tableBlocks(it.Table, r.safe.Min.X, r.safe.Dx())...)
			}
			for h := r.p.Height / 3; h <= r.p.Height; h++ {
				pages := paginate(flow, h)
				for n, pg := range pages {
					name := fmt.Sprintf("%s %s h=%d page %d/%d", size, it.ID, h, n+1, len(pages))
					checkPage(t, name, pg, h, n == len(pages)-1)
				}
			}
		}
	}
}

func checkPage(t *testing.T, name string, pg []*block, h int, last bool) {
	t.Helper()
	var text []*block
	y := 0
	for _, b := range pg {
		y += b.h
		if !b.spacer {
			text = append(text, b)
		}
	}
	if len(text) == 0 {
		t.Errorf("%s: empty page", name)
		return
	}
	if y > h && len(pg) > 1 {
		t.Errorf("%s: %d px on a %d px page", name, y, h)
	}
	end, top := text[len(text)-1], text[0]
	if top.head == top && len(text) > 1 {
		top = text[1]
	}
	if !last && end.keepNext {
		t.Errorf("%s: ends with a heading or table header", name)
	}
	if !last && end.lines >= 3 && end.line == 0 {
		t.Errorf("%s: ends with the lone first line of a %d-line paragraph", name, end.lines)
	}
	if top.lines >= 3 && top.line == top.lines-1 && top.line > 0 {
		t.Errorf("%s: starts with the lone last line of a %d-line paragraph", name, top.lines)
	}
	if last {
		alone := true
		for _, b := range text {
			alone = alone && b.sig
		}
		if alone {
			t.Errorf("%s: the 落款 alone on the last page", name)
		}
	}
}
