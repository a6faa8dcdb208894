package content

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// readXLSX reads the first sheet of a workbook the way a clerk sees it:
// merged cells repeat their value, date cells become 2026-10-01, amounts
// lose float noise, and a merged title row above the header is skipped.
func readXLSX(raw []byte) (recs [][]string, rows []int, sheet string, err error) {
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, "", bi(fmt.Sprintf("not an Excel .xlsx workbook: %v", err), "不是 Excel .xlsx 工作簿（.xls 旧格式请在 Excel 里另存为 .xlsx）")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, "", bi("workbook has no sheets", "工作簿里没有工作表")
	}
	sheet = sheets[0]
	grid, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, nil, sheet, bi(fmt.Sprintf("sheet %s: %v", sheet, err), fmt.Sprintf("无法读取工作表“%s”", sheet))
	}
	if grid, err = fillFormulas(f, sheet, grid); err != nil {
		return nil, nil, sheet, err
	}
	// Dates are numbers with a date format; convert them by their style.
	for r, row := range grid {
		for c, v := range row {
			if v == "" {
				continue
			}
			ref := cellName(c, r+1)
			if isDateCell(f, sheet, ref) {
				if serial, perr := strconv.ParseFloat(v, 64); perr == nil {
					if t, terr := excelize.ExcelDateToTime(serial, false); terr == nil {
						grid[r][c] = t.Format("2006-01-02")
						continue
					}
				}
			}
			grid[r][c] = cleanNumber(v)
		}
	}
	merged, err := f.GetMergeCells(sheet)
	if err != nil {
		return nil, nil, sheet, bi(fmt.Sprintf("sheet %s: merged cells: %v", sheet, err), fmt.Sprintf("无法读取工作表“%s”的合并单元格", sheet))
	}
	for _, m := range merged {
		c0, r0, e1 := excelize.CellNameToCoordinates(m.GetStartAxis())
		c1, r1, e2 := excelize.CellNameToCoordinates(m.GetEndAxis())
		if e1 != nil || e2 != nil {
			continue
		}
		v := strings.TrimSpace(m.GetCellValue())
		if r0 >= 1 && r0 <= len(grid) && c0 >= 1 && c0 <= len(grid[r0-1]) {
			v = grid[r0-1][c0-1] // already date/number-cleaned
		}
		for r := r0; r <= r1 && r <= 100000; r++ {
			for len(grid) < r {
				grid = append(grid, nil)
			}
			for c := c0; c <= c1 && c <= 1000; c++ {
				for len(grid[r-1]) < c {
					grid[r-1] = append(grid[r-1], "")
				}
				grid[r-1][c-1] = v
			}
		}
	}
	width := 0
	for _, row := range grid {
		if !trimBlank(row) && len(row) > width {
			width = len(row)
		}
	}
	header := true
	for r, row := range grid {
		if trimBlank(row) {
			continue
		}
		if header && isTitleRow(row) {
			continue
		}
		header = false
		for len(row) < width {
			row = append(row, "")
		}
		recs = append(recs, row)
		rows = append(rows, r+1)
	}
	return recs, rows, sheet, nil
}

// isTitleRow: a merged banner such as "东升村2026年10月收支明细表" fills its
// row with one repeated value (or stands alone in the first cell).
func isTitleRow(row []string) bool {
	first := ""
	for _, v := range row {
		if v == "" {
			continue
		}
		if first == "" {
			first = v
		} else if v != first {
			return false
		}
	}
	return first != ""
}

func isDateCell(f *excelize.File, sheet, ref string) bool {
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil || id == 0 {
		return false
	}
	st, err := f.GetStyle(id)
	if err != nil || st == nil {
		return false
	}
	if (st.NumFmt >= 14 && st.NumFmt <= 22) || (st.NumFmt >= 27 && st.NumFmt <= 36) || (st.NumFmt >= 50 && st.NumFmt <= 58) {
		return st.NumFmt != 18 && st.NumFmt != 19 && st.NumFmt != 20 && st.NumFmt != 21
	}
	if st.CustomNumFmt != nil {
		code := strings.ToLower(*st.CustomNumFmt)
		return strings.Contains(code, "y") && strings.Contains(code, "m") || strings.Contains(code, "年")
	}
	return false
}

// cleanNumber turns 1360.0000000001 (binary float noise Excel keeps) into
// 1360.00; other text is returned as is.
func cleanNumber(v string) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !strings.ContainsAny(v, ".eE") {
		return v
	}
	r := math.Round(f*100) / 100
	if math.Abs(r-f) < 1e-6 {
		return strconv.FormatFloat(r, 'f', 2, 64)
	}
	return v
}

func cellName(col, row int) string {
	n, err := excelize.CoordinatesToCellName(col+1, row)
	if err != nil {
		return fmt.Sprintf("R%dC%d", row, col+1)
	}
	return n
}

// cellError is a problem with one cell of the sheet: loadTable names it
// as Excel does (收支明细.xlsx!Sheet1!E7).
type cellError struct {
	Ref    string // E7
	en, zh string
}

func (e *cellError) Error() string { return e.en }

// Limits on the cells searched for formulas: a clerk's table is a few
// hundred rows; a sheet whose dimension claims a million is not read
// cell by cell.
const (
	maxFormulaRows = 20000
	maxFormulaCols = 100
)

// fillFormulas puts a value into every formula cell saved without one.
// Excel and WPS save the result with the formula, but workbooks written
// by programs (or by excelize, as some county templates are) often do
// not, and such a 合计 would reach the board blank. The value is computed
// with excelize; a formula it cannot compute is an error naming the cell.
func fillFormulas(f *excelize.File, sheet string, grid [][]string) ([][]string, error) {
	rows, cols := len(grid), 0
	for _, row := range grid {
		cols = max(cols, len(row))
	}
	if dim, err := f.GetSheetDimension(sheet); err == nil && dim != "" {
		_, end, _ := strings.Cut(dim, ":")
		if end == "" {
			end = dim
		}
		if c, r, err := excelize.CellNameToCoordinates(end); err == nil {
			rows, cols = max(rows, r), max(cols, c)
		}
	}
	rows, cols = min(rows, maxFormulaRows), min(cols, maxFormulaCols)
	for r := 1; r <= rows; r++ {
		for c := 1; c <= cols; c++ {
			if r <= len(grid) && c <= len(grid[r-1]) && strings.TrimSpace(grid[r-1][c-1]) != "" {
				continue // a value Excel saved: trust it as the clerk saw it
			}
			ref := cellName(c-1, r)
			formula, err := f.GetCellFormula(sheet, ref)
			if err != nil || formula == "" {
				continue
			}
			v, err := f.CalcCellValue(sheet, ref, excelize.Options{RawCellValue: true})
			if err == nil && (v == "" || strings.HasPrefix(v, "#")) {
				err = fmt.Errorf("result %q", v)
			}
			if err != nil {
				return nil, &cellError{Ref: ref,
					en: fmt.Sprintf("formula =%s has no saved value and cannot be computed here (%v): open the workbook in Excel or WPS, save it, and publish again", formula, err),
					zh: fmt.Sprintf("公式 =%s 没有保存计算结果，系统也算不出来：请用 Excel 或 WPS 打开这个表格，保存后再发布", formula)}
			}
			for len(grid) < r {
				grid = append(grid, nil)
			}
			for len(grid[r-1]) < c {
				grid[r-1] = append(grid[r-1], "")
			}
			grid[r-1][c-1] = v
		}
	}
	return grid, nil
}
