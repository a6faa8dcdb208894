package content_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/xuri/excelize/v2"

	"github.com/sunboard/sunboard/content"
)

// The cases below come from a product review: each let something onto a
// board that must not be there.

const itemHead = "---\ntitle: t\ncategory: %s\npublish: 2026-11-01\nuntil: 2026-11-30\ntable: %s\n---\n"

func item(category, table, body string) []byte {
	return []byte(strings.Replace(strings.Replace(itemHead, "%s", category, 1), "%s", table, 1) + body)
}

// reviewDibao is the review's 低保 list: an ID with a wrong check digit and
// one ending in X that fails its check, a card failing Luhn, a landline
// and a health detail, in columns named for what they hold.
const reviewDibao = "序号,户主姓名,家庭人口,保障类别,身份证号,联系电话,银行卡号,月保障金（元）,备注\n" +
	"1,赵桂兰,3,城乡低保,37078319781102352X,0536-5211234,6217002430009876543,\"1,920.00\",续保\n" +
	"2,孙德胜,1,城乡低保,370783194809230313,,6222021602009988776,640.00,续保（残疾二级）\n" +
	"合计,4,,,,,,\"2,560.00\",\n"

func dibaoFS(csv string) fstest.MapFS {
	return fstest.MapFS{
		"village.toml": {Data: []byte(villageTOML)},
		"d.md":         {Data: item("村务公开/社会救助/低保", "d.csv", "以下家庭拟纳入城乡低保，现予公示。\n")},
		"d.csv":        {Data: []byte(csv)},
	}
}

func TestReviewDibaoRefused(t *testing.T) {
	_, err := content.Load(dibaoFS(reviewDibao))
	if err == nil {
		t.Fatal("the review's 低保 list loaded with no policy")
	}
	for _, want := range []string{
		"d.csv:2: 身份证号: contains an ID card number (身份证号)",
		"d.csv:2: 联系电话: contains a phone number (电话号码): personal data must not be published / 含有电话号码",
		"d.csv:2: 银行卡号: contains a bank card number (银行卡号)",
		"d.csv:3: 身份证号: contains an ID card number (身份证号)",
		"d.csv:3: 银行卡号: contains a bank card number (银行卡号)",
		"d.csv:3: 备注: contains a health detail (健康状况): personal data must not be published / 含有健康状况",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "d.csv:2: 备注") || strings.Contains(err.Error(), "序号") {
		t.Errorf("false positive:\n%v", err)
	}
}

// identityCols are the columns whose cells must keep no run of digits a
// person could be found by.
var longDigits = regexp.MustCompile(`[0-9][0-9 \-]{5,}[0-9]`)

func TestReviewDibaoMasked(t *testing.T) {
	p, err := content.ParsePolicy([]byte("[categories]\n\"村务公开/社会救助\" = \"mask\"\n"), "policy.toml")
	if err != nil {
		t.Fatal(err)
	}
	files, reds, err := content.Redact(dibaoFS(reviewDibao), p)
	if err != nil {
		t.Fatal(err)
	}
	want := "序号,户主姓名,家庭人口,保障类别,身份证号,联系电话,银行卡号,月保障金（元）,备注\n" +
		"1,赵桂兰,3,城乡低保,3707**********352X,0536-*******,6217***********6543,\"1,920.00\",续保\n" +
		"2,孙德胜,1,城乡低保,3707**********0313,,6222***********8776,640.00,续保（**）\n" +
		"合计,4,,,,,,\"2,560.00\",\n"
	if got := string(files["d.csv"]); got != want {
		t.Errorf("masked CSV:\n%s\nwant:\n%s", got, want)
	}
	if len(reds) != 6 {
		t.Errorf("redactions = %+v, want 6", reds)
	}
	v, err := load(files)
	if err != nil {
		t.Fatalf("the masked list does not load (the board would refuse it): %v", err)
	}
	tb := v.Items[0].Table
	for _, row := range tb.Rows {
		for c, cell := range row {
			if h := tb.Header[c]; (h == "身份证号" || h == "联系电话" || h == "银行卡号") && longDigits.MatchString(cell) {
				t.Errorf("%s cell %q still identifies someone", h, cell)
			}
			if strings.Contains(cell, "残疾") {
				t.Errorf("health detail %q shown", cell)
			}
		}
	}
}

// TestTotalsFilled: a 合计 row must give every amount column's total; a
// blank one would show as nothing on the board.
func TestTotalsFilled(t *testing.T) {
	tests := []struct {
		name, csv string
		want      []string // substrings of the error; nil: loads
	}{
		{"blank totals", "日期,摘要,收入（元）,支出（元）\n2026-11-01,土地发包款,\"86,400.00\",\n2026-11-02,电费,,612.4\n合计,,,\n",
			[]string{"t.csv:4: 收入（元）: the 合计 row leaves this amount column empty: fill in the total (86,400.00 by the rows",
				"t.csv:4: 支出（元）: the 合计 row leaves this amount column empty", "合计行的“支出（元）”一栏是空的"}},
		{"one blank total", "摘要,收入（元）,支出（元）\na,100,\nb,,50\n合计,100,\n",
			[]string{"t.csv:4: 支出（元）: the 合计 row leaves this amount column empty"}},
		{"zero totals", "摘要,收入（元）,支出（元）\na,100,\n合计,100,0\n", nil},
		{"balance may stay blank", "摘要,收入（元）,余额（元）\na,100,100\n合计,100,\n", nil},
		{"总计 too", "摘要,支出（元）\na,5\n总计,\n", []string{"t.csv:3: 支出（元）: the 合计 row leaves"}},
		{"wrong total still refused", "摘要,支出（元）\na,5\n合计,6\n", []string{"t.csv:3: 支出（元）: 合计 6.00 does not equal the sum of the rows 5.00"}},
		{"no total row", "摘要,支出（元）\na,5\nb,\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"village.toml": {Data: []byte(villageTOML)},
				"a.md":         {Data: item("财务公开/收支情况", "t.csv", "")},
				"t.csv":        {Data: []byte(tt.csv)},
			}
			_, err := content.Load(fsys)
			if tt.want == nil {
				if err != nil {
					t.Errorf("error = %v, want it to load", err)
				}
				return
			}
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error = %v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

// leases is the review's lease ledger: totals as SUM formulas, saved by a
// program that did not compute them (no cached value).
func leases(t *testing.T, e7, f7 string, f7Value any) []byte {
	t.Helper()
	f := excelize.NewFile()
	s := "Sheet1"
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetCellValue(s, "A1", "东升村2026年11月集体资产租赁合同台账"))
	must(f.MergeCell(s, "A1", "F1"))
	must(f.SetSheetRow(s, "A2", &[]any{"序号", "承租人", "资产名称", "租期", "年租金（元）", "本期已收（元）"}))
	rows := [][]any{
		{1, "寿光市绿源蔬菜合作社", "东片大棚12个", "2024-01-01至2028-12-31", 153600.0, 38400.0},
		{2, "王志刚", "集体厂房（北院）", "2025-03-01至2030-02-28", 180000.0, 15000.0},
		{3, "李文", "村西鱼塘18亩", "2023-01-01至2027-12-31", 21600.0, 0.0},
		{4, "寿光市顺达物流有限公司", "村南空闲地5.6亩", "2026-06-01至2031-05-31", 33600.0, 8400.0},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+3)
		must(f.SetSheetRow(s, cell, &r))
	}
	must(f.SetCellValue(s, "A7", "合计"))
	must(f.SetCellFormula(s, "E7", e7))
	if f7Value != nil {
		must(f.SetCellValue(s, "F7", f7Value))
	} else {
		must(f.SetCellFormula(s, "F7", f7))
	}
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

func TestXLSXFormulaTotals(t *testing.T) {
	tests := []struct {
		name    string
		book    []byte
		wantErr string // "" loads
		e7, f7  string // the totals as loaded
	}{
		{"SUM without saved values", leases(t, "SUM(E3:E6)", "SUM(F3:F6)", nil), "", "388800.00", "61800.00"},
		{"SUM and a typed total", leases(t, "SUM(E3:E6)", "", 61800.0), "", "388800.00", "61800.00"},
		{"SUM missing a row", leases(t, "SUM(E3:E5)", "SUM(F3:F6)", nil),
			"收支明细.xlsx!Sheet1!E7: 年租金（元）: 合计 355,200.00 does not equal the sum of the rows 388,800.00", "", ""},
		{"formula that cannot be computed", leases(t, "SUM(E3:E6)", "NOSUCHFUNCTION(F3:F6)", nil),
			"收支明细.xlsx!Sheet1!F7: formula =NOSUCHFUNCTION(F3:F6) has no saved value and cannot be computed", "", ""},
		{"formula giving an error", leases(t, "SUM(E3:E6)/0", "SUM(F3:F6)", nil),
			"收支明细.xlsx!Sheet1!E7: formula =SUM(E3:E6)/0 has no saved value and cannot be computed", "", ""},
		// excelize counts the cell itself as 0: no hang, and the value
		// is still checked against the rows like any total.
		{"circular formula", leases(t, "SUM(E3:E7)", "SUM(F3:F6)", nil), "", "388800.00", "61800.00"},
		{"circular and wrong", leases(t, "SUM(E3:E7)+1", "SUM(F3:F6)", nil),
			"收支明细.xlsx!Sheet1!E7: 年租金（元）: 合计 388,801.00 does not equal", "", ""},
		{"blank total cell", leases(t, "SUM(E3:E6)", "", ""),
			"收支明细.xlsx!Sheet1!F7: 本期已收（元）: the 合计 row leaves this amount column empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"village.toml": {Data: []byte(villageTOML)},
				"a.md":         {Data: item("财务公开/集体三资", "收支明细.xlsx", "")},
				"收支明细.xlsx":    {Data: tt.book},
			}
			v, err := content.Load(fsys)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v\nwant it to contain %q", err, tt.wantErr)
				}
				if err != nil && !strings.Contains(err.Error(), " / ") {
					t.Errorf("error %v has no Chinese text", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tb := v.Items[0].Table
			total := tb.Rows[tb.TotalRow]
			if total[4] != tt.e7 || total[5] != tt.f7 {
				t.Errorf("合计 row = %q, want %s %s", total, tt.e7, tt.f7)
			}
		})
	}
}

// TestMarkdownTable: a table typed in a notice reaches a board as rows of
// '|'; it is refused with the line and told where tables go.
func TestMarkdownTable(t *testing.T) {
	head := "---\ntitle: t\ncategory: 财务公开/工程项目\npublish: 2026-11-01\nuntil: 2026-11-30\n---\n"
	tests := []struct {
		name, body string
		line       string // "a.md:N" of the error; "" loads
	}{
		{"GFM table", "现将结果公示如下：\n\n| 项目 | 内容 |\n|---|---|\n| 中标单位 | 寿光市路通建设工程有限公司 |\n| 中标价 | 368,520.00元 |\n\n其余款项按进度支付。\n", "a.md:9"},
		{"table right after text", "结果如下：\n| 项目 | 内容 |\n| --- | --- |\n| 工期 | 60天 |\n", "a.md:8"},
		{"rows without a delimiter line", "结果如下：\n\n| 中标单位 | 路通公司 |\n| 中标价 | 368,520.00元 |\n", "a.md:9"},
		{"full-width bars", "｜项目｜内容｜\n｜工期｜60天｜\n", "a.md:7"},
		{"a bar in a sentence", "党务｜村务｜财务 三务公开，a | b 不是表格。\n", ""},
		{"one bar at the start", "| 注意防火\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"village.toml": {Data: []byte(villageTOML)},
				"a.md":         {Data: []byte(head + tt.body)},
			}
			v, err := content.Load(fsys)
			if tt.line == "" {
				if err != nil {
					t.Fatalf("error = %v", err)
				}
				for _, b := range v.Items[0].Body {
					if strings.Count(b.Text, "|") > 2 {
						t.Errorf("block %q", b.Text)
					}
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.line+": a Markdown table") ||
				!strings.Contains(err.Error(), "put the table in a CSV or .xlsx file next to this notice") ||
				!strings.Contains(err.Error(), "请把表格做成 CSV 或 Excel（.xlsx）文件") {
				t.Errorf("error = %v\nwant a table error at %s with the hint", err, tt.line)
			}
			if n := strings.Count(err.Error(), "Markdown table"); n != 1 {
				t.Errorf("%d table errors, want one per table:\n%v", n, err)
			}
		})
	}
}
