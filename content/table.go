package content

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Column headers that mean money, as village accounts name them.
var amountWords = []string{"金额", "收入", "支出", "余额", "(元)", "（元）", "元)", "元）", "补贴", "款额"}

// Column headers of the voucher (receipt photo) column.
var voucherWords = []string{"凭证", "凭证照片", "附件", "票据", "票据照片", "voucher"}

func loadTable(fsys fs.FS, name string) (*Table, Errors) {
	var header []string
	// where locates a cell for error messages: CSV by file and line, XLSX
	// by the cell reference Excel shows (收支明细.xlsx!Sheet1!C17).
	where := func(line, col int) (string, int) { return name, line }
	fail := func(line int, field, format string, args ...any) Errors {
		col := -1
		for i, h := range header {
			if h == field && field != "" {
				col = i
			}
		}
		file, l := where(line, col)
		return Errors{{File: file, Line: l, Field: field, Msg: fmt.Sprintf(format, args...)}}
	}
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fail(0, "", "cannot read table: %v", err)
	}
	var recs [][]string
	var lines []int
	if strings.EqualFold(path.Ext(name), ".xlsx") {
		var sheet string
		var xerr error
		recs, lines, sheet, xerr = readXLSX(raw)
		if xerr != nil {
			return nil, fail(0, "", "%v", xerr)
		}
		where = func(line, col int) (string, int) {
			if col < 0 {
				return name + "!" + sheet, line
			}
			return name + "!" + sheet + "!" + cellName(col, line), 0
		}
	} else {
		var perr Errors
		recs, lines, perr = readCSV(raw, fail)
		if perr != nil {
			return nil, perr
		}
	}
	if len(recs) < 2 {
		return nil, fail(0, "", "table needs a header row and at least one data row")
	}
	header = recs[0]
	t := &Table{Header: recs[0], TotalRow: -1}
	ncol := len(t.Header)
	var errs Errors
	for i, h := range t.Header {
		if h == "" {
			errs = append(errs, fail(lines[0], "", "column %d has no header", i+1)...)
		}
	}
	t.Amount = make([]bool, ncol)
	voucherCol := -1
	for i, h := range t.Header {
		for _, w := range amountWords {
			if strings.Contains(h, w) {
				t.Amount[i] = true
			}
		}
		for _, w := range voucherWords {
			if strings.EqualFold(h, w) {
				voucherCol = i
				t.Amount[i] = false
			}
		}
	}
	for n, rec := range recs[1:] {
		line := lines[n+1]
		if len(rec) != ncol {
			errs = append(errs, fail(line, "", "row has %d cells, the header has %d", len(rec), ncol)...)
			continue
		}
		for c, cell := range rec {
			if t.Amount[c] && cell != "" {
				canon, err := canonicalAmount(cell)
				if err != nil {
					errs = append(errs, fail(line, t.Header[c], "%q is not an amount in 元 (e.g. 1234.50): %v", cell, err)...)
					continue
				}
				rec[c] = canon
			}
			for _, p := range findPersonalData(cell) {
				errs = append(errs, fail(line, t.Header[c], "contains a %s: personal data must not be published", p)...)
			}
		}
		if strings.Contains(rec[0], "合计") || strings.Contains(rec[0], "总计") {
			t.TotalRow = len(t.Rows)
		}
		t.Rows = append(t.Rows, rec)
	}
	if voucherCol >= 0 {
		t.Voucher = make([]string, len(t.Rows))
		for i, rec := range t.Rows {
			if v := rec[voucherCol]; v != "" {
				t.Voucher[i] = path.Clean(v)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if t.TotalRow >= 0 {
		errs = append(errs, checkTotals(t, lines[1+t.TotalRow], fail)...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return t, nil
}

// checkTotals catches the commonest clerk mistake: a 合计 row that does not
// add up after a line was edited.
func checkTotals(t *Table, line int, fail func(int, string, string, ...any) Errors) Errors {
	var errs Errors
	for c, isAmount := range t.Amount {
		if !isAmount || strings.Contains(t.Header[c], "余额") {
			continue
		}
		var sum int64
		for i, rec := range t.Rows {
			if i == t.TotalRow || rec[c] == "" {
				continue
			}
			cents, _ := cents(rec[c])
			sum += cents
		}
		got := t.Rows[t.TotalRow][c]
		if got == "" {
			continue
		}
		want, _ := cents(got)
		if want != sum {
			errs = append(errs, fail(line, t.Header[c], "合计 %s does not equal the sum of the rows %s", FormatAmount(got), FormatAmount(centsString(sum)))...)
		}
	}
	return errs
}

// canonicalAmount accepts what clerks type ("¥1,234.5", "1234.50元",
// "-300") and returns a plain decimal with two places ("1234.50").
func canonicalAmount(s string) (string, error) {
	s = strings.NewReplacer("¥", "", "￥", "", "元", "", ",", "", "，", "", " ", "").Replace(s)
	c, err := cents(s)
	if err != nil {
		return "", err
	}
	return centsString(c), nil
}

func cents(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || (frac != "" && !allDigits(frac)) || len(frac) > 2 {
		return 0, errors.New("want digits with at most two decimals")
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n > 1e15 {
		return 0, errors.New("amount out of range")
	}
	if neg {
		n = -n
	}
	return n, nil
}

func centsString(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// FormatAmount formats a canonical amount for people: thousands separators
// and two decimals ("1234.5" → "1,234.50"). Non-amounts come back as is.
func FormatAmount(s string) string {
	c, err := cents(strings.ReplaceAll(s, ",", ""))
	if err != nil {
		return s
	}
	plain := centsString(c)
	sign := ""
	if strings.HasPrefix(plain, "-") {
		sign, plain = "-", plain[1:]
	}
	whole, frac, _ := strings.Cut(plain, ".")
	var b strings.Builder
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return sign + b.String() + "." + frac
}

func readCSV(raw []byte, fail func(int, string, string, ...any) Errors) ([][]string, []int, Errors) {
	raw = bytes.TrimPrefix(raw, []byte("\ufeff"))
	if !utf8.Valid(raw) {
		// Excel on Chinese Windows saves CSV as GBK; take it rather than
		// make a clerk learn about encodings.
		dec, derr := simplifiedchinese.GB18030.NewDecoder().Bytes(raw)
		if derr != nil {
			return nil, nil, fail(0, "", "table is neither UTF-8 nor GBK text: %v", derr)
		}
		raw = dec
	}
	r := csv.NewReader(bytes.NewReader(raw))
	r.FieldsPerRecord = -1
	var recs [][]string
	var lines []int
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, fail(pe.Line, "", "%v", pe.Err)
			}
			return nil, nil, fail(0, "", "%v", err)
		}
		line, _ := r.FieldPos(0)
		if trimBlank(rec) {
			continue
		}
		recs = append(recs, rec)
		lines = append(lines, line)
	}
	return recs, lines, nil
}

// trimBlank trims every cell and reports whether the row is empty.
func trimBlank(rec []string) bool {
	blank := true
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
		if rec[i] != "" {
			blank = false
		}
	}
	return blank
}
