package content_test

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/xuri/excelize/v2"

	"github.com/sunboard/sunboard/content"
)

var update = flag.Bool("update", false, "rewrite testdata/want-* from the current output")

// ledger is the workbook of testdata/village/2026-11-xlsx.md: a merged
// title, a merged 摘要 header over two columns' worth of cells, Excel
// serial dates, a float-noise amount and a handler's phone number that the
// 财务公开 mask policy must mask.
func ledger(t testing.TB) []byte {
	t.Helper()
	f := excelize.NewFile()
	sh := "Sheet1"
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetCellValue(sh, "A1", "西关村2026年11月上旬收支明细表"))
	must(f.MergeCell(sh, "A1", "E1"))
	must(f.SetSheetRow(sh, "A2", &[]any{"日期", "摘要", "经办人电话", "收入（元）", "支出（元）"}))
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	custom := "yyyy\"年\"m\"月\"d\"日\""
	date2, err := f.NewStyle(&excelize.Style{CustomNumFmt: &custom})
	must(err)
	rows := [][]any{
		{46327.0, "收到村集体门面租金", "", 15000.0, nil},
		{46329.0, "购买防汛沙袋", "13905362211", nil, 0.1 + 0.2 + 1199.7},
		{46330.0, "支付保洁费", "", nil, "800"}, // a number stored as text
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+3)
		must(f.SetSheetRow(sh, cell, &r))
		st := date
		if i == 2 {
			st = date2
		}
		must(f.SetCellStyle(sh, cell, cell, st))
	}
	must(f.SetSheetRow(sh, "A6", &[]any{"合计", "", "", 15000.0, 2000.0}))
	must(f.MergeCell(sh, "A6", "C6"))
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

// sampleFS is testdata/village plus the generated workbook.
func sampleFS(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	root := filepath.Join("testdata", "village")
	err := fs.WalkDir(os.DirFS(root), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	m["收支明细.xlsx"] = &fstest.MapFile{Data: ledger(t)}
	return m
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./content -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func load(files map[string][]byte) (*content.Village, error) {
	m := fstest.MapFS{}
	for p, b := range files {
		m[p] = &fstest.MapFile{Data: b}
	}
	return content.Load(m)
}

// TestSampleRefused: with no policy every personal number in the folder is
// reported in one run, in English and Chinese, and nothing loads.
func TestSampleRefused(t *testing.T) {
	files, reds, err := content.Redact(sampleFS(t), nil)
	if err != nil || len(reds) != 0 {
		t.Fatalf("Redact with no policy: %v, %v", reds, err)
	}
	_, err = load(files)
	var errs content.Errors
	if err == nil {
		t.Fatal("the 低保 list with ID numbers loaded without a masking policy")
	}
	errs = err.(content.Errors)
	for _, e := range errs {
		if e.Zh == "" {
			t.Errorf("%v: no Chinese message", e)
		}
	}
	golden(t, "want-refused.txt", []byte(err.Error()+"\n"))
}

// TestSampleMasked: the county masks 社会救助 and 财务公开; the folder then
// loads and shows 3707**********0419 instead of the ID number.
func TestSampleMasked(t *testing.T) {
	p, err := content.ParsePolicy([]byte("[categories]\n\"村务公开/社会救助\" = \"mask\"\n\"财务公开\" = \"mask\"\n"), "policy.toml")
	if err != nil {
		t.Fatal(err)
	}
	files, reds, err := content.Redact(sampleFS(t), p)
	if err != nil {
		t.Fatal(err)
	}
	v, err := load(files)
	if err != nil {
		t.Fatalf("masked sample does not load: %v", err)
	}
	byID := map[string]*content.Item{}
	for _, it := range v.Items {
		byID[it.ID] = it
	}
	var rep strings.Builder
	for _, r := range reds {
		rep.WriteString(r.File + " " + r.Kind + " " + r.Masked + "\n")
	}
	golden(t, "want-masked.txt", []byte(rep.String()))
	golden(t, "want-dibao.masked.csv", files["2026-11-dibao.csv"])
	if _, ok := files["收支明细.xlsx"]; ok {
		t.Error("the workbook with a phone number is still published")
	}
	golden(t, "want-ledger.masked.csv", files["收支明细.xlsx.masked.csv"])

	d := byID["2026-11-dibao"]
	if d.ApprovedBy != "古城街道民政办" || d.Approved.Format("2006-01-02") != "2026-11-03" {
		t.Errorf("approval = %q %v", d.ApprovedBy, d.Approved)
	}
	if got := d.Table.Rows[0][2]; got != "3707**********0419" {
		t.Errorf("ID cell = %q", got)
	}
	if !strings.Contains(d.Body[0].Text, "138****1234") {
		t.Errorf("body = %q", d.Body[0].Text)
	}
	fin := byID["2026-10-finance"]
	if fin.Table.TotalRow != 6 || fin.Table.Rows[2][3] != "12000.00" || fin.Table.Rows[4][4] != "-200.00" || fin.Table.Rows[5][4] != "5400.00" {
		t.Errorf("GBK finance rows = %q", fin.Table.Rows)
	}
	if fin.Table.Voucher[3] != "photos/receipt-1012.jpg" {
		t.Errorf("vouchers = %q", fin.Table.Voucher)
	}
	x := byID["2026-11-xlsx"]
	if x.TableFile != "收支明细.xlsx.masked.csv" || x.Table.Rows[1][2] != "139****2211" || x.Table.Rows[0][0] != "2026-11-01" || x.Table.Rows[2][0] != "2026-11-04" ||
		x.Table.Rows[1][4] != "1200.00" || x.Table.Rows[3][0] != "合计" || x.Table.Rows[3][1] != "合计" {
		t.Errorf("workbook table %s = %q", x.TableFile, x.Table.Rows)
	}
}
