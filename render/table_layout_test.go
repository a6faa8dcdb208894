package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sunboard/sunboard/content"
)

// tableFit is a table laid out in columns for r's full content width.
type tableFit struct {
	tt           *tableText
	widths       []int
	ok           bool
	w, padX      int
	cellF, boldF *face
}

func fitTable(r *Renderer, t *content.Table) tableFit {
	f := tableFit{tt: r.tableText(t), w: r.safe.Dx()}
	if r.led() {
		f.w = r.p.Width
	}
	f.cellF, f.boldF, f.padX, _ = r.tableMetrics()
	f.widths, f.ok = fitColumns(f.cellF, f.boldF, f.tt.header, f.tt.rows, f.tt.totalRow, f.w, f.padX)
	return f
}

// lines is how many lines column k of row ri takes (ri -1: the header).
func (f tableFit) lines(ri, k int) int {
	c, face := f.tt.header[k], f.boldF
	if ri >= 0 {
		c = f.tt.rows[ri][k]
		if ri != f.tt.totalRow {
			face = f.cellF
		}
		if c.amount {
			return 1
		}
	}
	return len(balancedWrap(face, c.s, f.widths[k]-2*f.padX))
}

// Columns are sized by what is in them: the review saw 户主姓/名 and masked
// ids over three lines while the table had room. want gives the most lines
// a column's cells may take (every other column: one line) and the header.
func TestTableColumnsFitContent(t *testing.T) {
	tests := []struct {
		size  string
		table string
		want  map[string]int // column: most lines
		head  int            // most lines of the header
	}{
		// Short names, headers and numbers on one line when the table fits.
		{"1280x720", dibaoCSV, nil, 1},
		{"720x576", dibaoCSV, nil, 1},
		{"1920x1080", dibaoCSV, nil, 1},
		// Only the widest text column wraps, into two lines at most.
		{"1280x720", finance11CSV, map[string]int{"摘要": 2}, 1},
		{"1920x1080", finance11CSV, map[string]int{"摘要": 2}, 1},
		// 576i: 摘要 takes three lines (five for the 37-rune 预付款 row);
		// dates and 凭证号 stay whole.
		{"720x576", finance11CSV, map[string]int{"摘要": 3}, 1},
		// Date ranges break at 至, never inside a date; names break in
		// two at most.
		{"1280x720", leasesCSV, map[string]int{"承租人": 2, "资产名称": 2, "租期": 2}, 1},
		{"720x576", leasesCSV, map[string]int{"承租人": 3, "资产名称": 2, "租期": 2}, 2},
	}
	for _, tc := range tests {
		tb := csvTable(tc.table)
		r := mustRenderer(t, "tv", tc.size)
		f := fitTable(r, tb)
		name := fmt.Sprintf("%s %s", tc.size, tb.Header[1])
		sum := 0
		for _, w := range f.widths {
			sum += w
		}
		if !f.ok || sum > f.w {
			t.Errorf("%s: widths %v (sum %d) for %d px, ok=%v", name, f.widths, sum, f.w, f.ok)
			continue
		}
		for k, h := range f.tt.header {
			if n := f.lines(-1, k); n > tc.head {
				t.Errorf("%s: header %q in %d lines, want <= %d (widths %v)", name, h.s, n, tc.head, f.widths)
			}
			most := 1
			if n, ok := tc.want[strings.TrimSpace(h.s)]; ok {
				most = n
			}
			for ri, row := range f.tt.rows {
				c := row[k]
				most := most
				if utf8Len(c.s) > 30 {
					most = 5
				}
				if n := f.lines(ri, k); n > most {
					t.Errorf("%s: %s %q in %d lines, want <= %d (widths %v)", name, h.s, c.s, n, most, f.widths)
				}
				face := f.cellF
				if ri == f.tt.totalRow {
					face = f.boldF
				}
				inner := f.widths[k] - 2*f.padX
				if c.amount && oneLine(face, c.s) > inner {
					t.Errorf("%s: amount %q (%d px) wider than its column (%d px)", name, c.s, oneLine(face, c.s), inner)
				}
				for _, a := range atomize(c.s, face.advance) {
					if a.w.Ceil() > inner {
						t.Errorf("%s: %q broken inside %q (%d px in %d)", name, c.s, a.s, a.w.Ceil(), inner)
					}
				}
			}
		}
	}
}

// A table that cannot fit even with every text column cut to its longest
// number (masked ids: 9 columns) still fits the page: the numbers break,
// at 720p and up in two lines, not three as the review saw, and names,
// categories and 合计 stay whole.
func TestTableColumnsLastResort(t *testing.T) {
	for _, tc := range []struct {
		size string
		most int
	}{{"1280x720", 2}, {"1920x1080", 2}, {"720x576", 4}} {
		r := mustRenderer(t, "tv", tc.size)
		f := fitTable(r, csvTable(dibaoMaskedCSV))
		sum := 0
		for _, w := range f.widths {
			sum += w
		}
		if sum > f.w {
			t.Fatalf("%s: widths %v: %d px for %d", tc.size, f.widths, sum, f.w)
		}
		for k, h := range f.tt.header {
			for ri, c := range f.tt.rows {
				n := f.lines(ri, k)
				if n > tc.most {
					t.Errorf("%s: %s %q in %d lines, want <= %d (widths %v)", tc.size, h.s, c[k].s, n, tc.most, f.widths)
				}
				if n > 1 && utf8Len(c[k].s) <= shortRunes {
					t.Errorf("%s: %s %q wrapped (widths %v)", tc.size, h.s, c[k].s, f.widths)
				}
			}
		}
	}
}

func utf8Len(s string) int { return len([]rune(s)) }

// On 576i the table is as compact as its text allows: the profile's cell
// face (no smaller text), a one-line row at most 1.3 times that face's
// size (was 1.43), and the 42-row month in at most 10 pages of 280 px
// (the review's layout took 14).
func TestTableCompactSD(t *testing.T) {
	r := mustRenderer(t, "tv", "720x576")
	cellF, boldF, _, _ := r.tableMetrics()
	if cellF.f != r.cell.f || boldF.f != r.cellBold.f {
		t.Fatal("576i table: not the profile's cell face")
	}
	bs := r.tableBlocks(csvTable(finance11CSV), r.safe.Min.X, r.safe.Dx())
	em := 28 * r.scale
	one := bs[3].h // 记-003 复印打印费: one line
	if float64(one) > 1.3*em || one < cellF.lineH {
		t.Errorf("576i one-line row %d px for a %.1f px face, want <= %.0f", one, em, 1.3*em)
	}
	if pages := paginate(bs, 280); len(pages) > 10 {
		t.Errorf("576i: 42 rows + 合计 in %d pages of 280 px, want <= 10", len(pages))
	}
}
