package content_test

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/xuri/excelize/v2"

	"github.com/sunboard/sunboard/content"
)

// workbook builds the kind of sheet a village accountant keeps: a merged
// title row, real Excel dates, float amounts and a 合计 row.
func workbook(t *testing.T, total string) []byte {
	t.Helper()
	f := excelize.NewFile()
	sh := "Sheet1"
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetCellValue(sh, "A1", "东升村2026年10月收支明细表"))
	must(f.MergeCell(sh, "A1", "D1"))
	must(f.SetSheetRow(sh, "A2", &[]any{"日期", "摘要", "收入（元）", "支出（元）"}))
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	rows := [][]any{
		{45931.0, "收到土地发包款", 86400.0, nil},
		{45933.0, "办公室电费", nil, 612.4},
		{45935.0, "保洁员工资", nil, 0.1 + 0.2 + 5399.7},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+3)
		must(f.SetSheetRow(sh, cell, &r))
		must(f.SetCellStyle(sh, cell, cell, dateStyle))
	}
	must(f.SetSheetRow(sh, "A6", &[]any{"合计", "", 86400.0, total}))
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

func TestXLSXTable(t *testing.T) {
	item := "---\ntitle: t\ncategory: 财务公开/收支情况\npublish: 2026-11-01\nuntil: 2026-11-30\ntable: 收支明细.xlsx\n---\n"
	fsys := fstest.MapFS{
		"village.toml": {Data: []byte(villageTOML)},
		"a.md":         {Data: []byte(item)},
		"收支明细.xlsx":    {Data: workbook(t, "6012.40")},
	}
	v, err := content.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	tb := v.Items[0].Table
	if got := strings.Join(tb.Header, "|"); got != "日期|摘要|收入（元）|支出（元）" {
		t.Errorf("header = %q (the merged title row must be skipped)", got)
	}
	if tb.Rows[0][0] != "2025-10-01" || tb.Rows[2][3] != "5400.00" || tb.Rows[1][3] != "612.40" {
		t.Errorf("rows = %q", tb.Rows)
	}
	if tb.TotalRow != 3 || !tb.Amount[2] || !tb.Amount[3] {
		t.Errorf("total row %d amounts %v", tb.TotalRow, tb.Amount)
	}

	fsys["收支明细.xlsx"] = &fstest.MapFile{Data: workbook(t, "6000")}
	_, err = content.Load(fsys)
	if err == nil || !strings.Contains(err.Error(), "收支明细.xlsx!Sheet1!D6: 支出（元）: 合计 6,000.00 does not equal the sum of the rows 6,012.40") {
		t.Errorf("bad total error = %v", err)
	}
	fsys["收支明细.xlsx"] = &fstest.MapFile{Data: []byte("not a workbook")}
	if _, err := content.Load(fsys); err == nil || !strings.Contains(err.Error(), "收支明细.xlsx: not an Excel .xlsx workbook") {
		t.Errorf("garbage error = %v", err)
	}
}

func FuzzXLSX(f *testing.F) {
	f.Add(workbook(&testing.T{}, "6012.40"))
	f.Add([]byte("PK\x03\x04"))
	f.Add(leases(&testing.T{}, "SUM(E3:E6)", "SUM(F3:F6)", nil)) // totals computed from formulas
	f.Add(leases(&testing.T{}, "SUM(E3:E7)", "NOSUCH(F3:F6)", nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{
			"village.toml": {Data: []byte(villageTOML)},
			"a.md":         {Data: []byte("---\ntitle: t\ncategory: c\npublish: 2026-11-01\nuntil: 2026-11-02\ntable: t.xlsx\n---\n")},
			"t.xlsx":       {Data: data},
		}
		_, _ = content.Load(fsys) // must not panic or hang
	})
}
