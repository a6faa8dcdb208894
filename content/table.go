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
	fail := func(line int, field, en, zh string) Errors {
		col := -1
		for i, h := range header {
			if h == field && field != "" {
				col = i
			}
		}
		file, l := where(line, col)
		return Errors{{File: file, Line: l, Field: field, Msg: en, Zh: zh}}
	}
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fail(0, "", fmt.Sprintf("cannot read table: %v", err), fmt.Sprintf("找不到表格文件“%s”（文件头 table: 写的文件名）", name))
	}
	var recs [][]string
	var lines []int
	if strings.EqualFold(path.Ext(name), ".xlsx") {
		var sheet string
		var xerr error
		recs, lines, sheet, xerr = readXLSX(raw)
		var ce *cellError
		if errors.As(xerr, &ce) {
			return nil, Errors{{File: name + "!" + sheet + "!" + ce.Ref, Msg: ce.en, Zh: ce.zh}}
		}
		if xerr != nil {
			return nil, fail(0, "", xerr.Error(), zhOf(xerr))
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
		return nil, fail(0, "", "table needs a header row and at least one data row", "表格至少要有一行表头和一行数据")
	}
	header = recs[0]
	t := &Table{Header: recs[0], TotalRow: -1}
	ncol := len(t.Header)
	var errs Errors
	for i, h := range t.Header {
		if h == "" {
			errs = append(errs, fail(lines[0], "", fmt.Sprintf("column %d has no header", i+1), fmt.Sprintf("第%d列没有表头", i+1))...)
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
			errs = append(errs, fail(line, "", fmt.Sprintf("row has %d cells, the header has %d", len(rec), ncol), fmt.Sprintf("这一行有%d格，表头有%d列，请对齐", len(rec), ncol))...)
			continue
		}
		for c, cell := range rec {
			if t.Amount[c] && cell != "" {
				canon, err := canonicalAmount(cell)
				if err != nil {
					errs = append(errs, fail(line, t.Header[c], fmt.Sprintf("%q is not an amount in 元 (e.g. 1234.50): %v", cell, err), fmt.Sprintf("“%s”不是金额（元），应写成 1234.50：%s", cell, zhOf(err)))...)
					continue
				}
				rec[c] = canon
			}
			for _, p := range findPersonalCell(t.Header[c], cell) {
				en, zh := personalMsg(p)
				errs = append(errs, fail(line, t.Header[c], en, zh)...)
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
func checkTotals(t *Table, line int, fail func(line int, field, en, zh string) Errors) Errors {
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
			// A blank total reads as "nothing" on a board, and hides
			// whatever the rows add up to.
			errs = append(errs, fail(line, t.Header[c], fmt.Sprintf("the 合计 row leaves this amount column empty: fill in the total (%s by the rows; 0.00 when there is none)", FormatAmount(centsString(sum))),
				fmt.Sprintf("合计行的“%s”一栏是空的：请填上合计金额（各行相加为 %s；没有发生额填 0.00）", t.Header[c], FormatAmount(centsString(sum))))...)
			continue
		}
		want, _ := cents(got)
		if want != sum {
			errs = append(errs, fail(line, t.Header[c], fmt.Sprintf("合计 %s does not equal the sum of the rows %s", FormatAmount(got), FormatAmount(centsString(sum))),
				fmt.Sprintf("合计 %s 与各行相加 %s 不符", FormatAmount(got), FormatAmount(centsString(sum))))...)
		}
	}
	return errs
}

// amountFold maps what a Chinese IME or accounting export puts into an
// amount to ASCII: full-width digits and punctuation, the minus sign, and
// the spaces used as thousands separators.
var amountFold = strings.NewReplacer(
	"０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5", "６", "6", "７", "7", "８", "8", "９", "9",
	"．", ".", "，", ",", "－", "-", "−", "-", "（", "(", "）", ")", "＋", "+",
	"\u00a0", " ", "\u2009", " ", "\u202f", " ", "\u3000", " ",
	"¥", "", "￥", "",
)

// canonicalAmount accepts what clerks type — "¥1,234.5", "1234.50元",
// "-300", "(123.00)" or "（123.00）" for a negative, full-width
// "１２３４．５０", spaces or commas between thousands, "1.2万" — and returns
// a plain decimal with two places ("1234.50").
func canonicalAmount(in string) (string, error) {
	s := strings.TrimSpace(amountFold.Replace(in))
	s = strings.TrimSpace(strings.TrimSuffix(s, "元"))
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		// Accountants' negative: (123.00).
		neg, s = true, strings.TrimSpace(s[1:len(s)-1])
	}
	s = strings.TrimSpace(strings.TrimPrefix(s, "RMB"))
	s = strings.TrimSuffix(s, "元")
	wan := strings.HasSuffix(s, "万")
	s = strings.TrimSpace(strings.TrimSuffix(s, "万"))
	switch {
	case strings.HasPrefix(s, "-"):
		if neg {
			return "", bi("both brackets and a minus sign", "括号和负号只能用一种表示负数")
		}
		neg, s = true, strings.TrimSpace(s[1:])
	case strings.HasPrefix(s, "+"):
		s = strings.TrimSpace(s[1:])
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if strings.ContainsAny(whole, ", ") {
		// Thousands separators: every group after the first has three
		// digits, so "12,34" (a typo, or a decimal comma) is not 1234.
		groups := strings.FieldsFunc(whole, func(r rune) bool { return r == ',' || r == ' ' })
		if strings.Count(whole, ",")+strings.Count(whole, " ") != len(groups)-1 || len(groups[0]) > 3 || groups[0] == "" {
			return "", bi("thousands separators in the wrong place", "千位分隔符（逗号或空格）位置不对")
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return "", bi("thousands separators in the wrong place", "千位分隔符（逗号或空格）位置不对")
			}
		}
		whole = strings.Join(groups, "")
	}
	if whole == "" || !allDigits(whole) || (hasDot && !allDigits(frac)) {
		return "", bi("want digits with at most two decimals", "只能有数字和最多两位小数")
	}
	if wan {
		// 1.2万 = 12000.00: shift four places; more than two decimals of
		// 元 left over would be a fraction of a 分.
		for len(frac) < 4 {
			frac += "0"
		}
		whole, frac = strings.TrimLeft(whole+frac[:4], "0"), frac[4:]
		if whole == "" {
			whole = "0"
		}
		if strings.TrimRight(frac, "0") == "" {
			frac = ""
		}
	}
	if len(frac) > 2 {
		return "", bi("want digits with at most two decimals", "金额最多两位小数（分）")
	}
	c, err := cents(whole + "." + frac)
	if err != nil {
		return "", err
	}
	if neg {
		c = -c
	}
	return centsString(c), nil
}

func cents(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || (frac != "" && !allDigits(frac)) || len(frac) > 2 {
		return 0, bi("want digits with at most two decimals", "只能有数字和最多两位小数")
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n > 1e15 {
		return 0, bi("amount out of range", "金额过大")
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

func readCSV(raw []byte, fail func(line int, field, en, zh string) Errors) ([][]string, []int, Errors) {
	raw = bytes.TrimPrefix(raw, []byte("\ufeff"))
	if !utf8.Valid(raw) {
		// Excel on Chinese Windows saves CSV as GBK; take it rather than
		// make a clerk learn about encodings.
		dec, derr := simplifiedchinese.GB18030.NewDecoder().Bytes(raw)
		if derr != nil {
			return nil, nil, fail(0, "", fmt.Sprintf("table is neither UTF-8 nor GBK text: %v", derr), "表格既不是 UTF-8 也不是 GBK 文本：请在 Excel 里“另存为 CSV”")
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
				return nil, nil, fail(pe.Line, "", pe.Err.Error(), "CSV 格式有误（多半是引号没有配对）")
			}
			return nil, nil, fail(0, "", err.Error(), "CSV 读取出错")
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
