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
