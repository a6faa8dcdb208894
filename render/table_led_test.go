package render

import (
	"fmt"
	"strings"
	"testing"
)

// On LED boards too narrow for the columns each row is a card, and every
// field in it is named by its column (家庭人口 1, 保障类别 特困供养), not
// only the amounts: the review saw "2 / 李建国 / 1 / 特困供养" and could
// not tell the household size from the serial number. 序号 is left out;
// amounts keep their formatting (1,150.00), flush right; the 合计 card
// starts with 合计.
func TestLEDTableCards(t *testing.T) {
	tests := []struct {
		profile, size, table string
		want                 []string // row 1's card, lines as label|value
	}{
		{"led-rgb", "128x64", dibaoCSV, []string{
			"户主姓名|李建国", "家庭人口|1", "保障类别|特困供养", "月保障金（元）|", "|1,150.00", "备注|新增"}},
		{"led-mono", "128x32", dibaoCSV, nil},
		{"led-rgb", "64x32", dibaoCSV, nil},
		{"led-rgb", "128x64", finance11CSV, []string{
			"日期|2026-11-01", "凭证号|记-002", "摘要|", "|收到村集体", "|土地发包款", "收入（元）|", "|73,968.30"}},
		{"led-rgb", "128x64", leasesCSV, nil},
		{"led-rgb", "128x64", dibaoMaskedCSV, nil},
	}
	for _, tc := range tests {
		r := mustRenderer(t, tc.profile, tc.size)
		tb := csvTable(tc.table)
		f := fitTable(r, tb)
		name := fmt.Sprintf("%s-%s %s", tc.profile, tc.size, tb.Header[1])
		if f.ok {
			t.Errorf("%s: laid out in columns %v, want cards", name, f.widths)
			continue
		}
		for _, h := range f.tt.header {
			if h.s == "序号" {
				t.Errorf("%s: 序号 shown", name)
			}
		}
		for ri, cells := range f.tt.rows {
			ls := r.cardLines(f.tt, ri, f.w)
			var got []string
			for _, l := range ls {
				got = append(got, l.label+"|"+l.value)
				if w := r.px12.width(l.label) + r.px16.width(l.value); w > f.w {
					t.Errorf("%s row %d: %q %q is %d px on a %d px board", name, ri, l.label, l.value, w, f.w)
				}
				if l.label != "" && l.value != "" && !l.right {
					t.Errorf("%s row %d: %q beside its name but not flush right", name, ri, l.value)
				}
			}
			if ri == 1 && tc.want != nil && strings.Join(got, " / ") != strings.Join(tc.want, " / ") {
				t.Errorf("%s row 1 card:\n got %s\nwant %s", name, strings.Join(got, " / "), strings.Join(tc.want, " / "))
			}
			if ri == f.tt.totalRow {
				if len(ls) == 0 || ls[0].label != "" || ls[0].value != "合计" {
					t.Errorf("%s: 合计 card starts %q, want 合计", name, got)
				}
				continue
			}
			// Every field is there, after its column's name.
			for k, c := range cells {
				if c.s == "" {
					continue
				}
				if !cardHas(ls, f.tt.header[k].s, c.s) {
					t.Errorf("%s row %d: %s %q not shown under its name: %q", name, ri, f.tt.header[k].s, c.s, got)
				}
			}
		}
	}
}

// cardHas reports whether the card shows value after the name label: on
// its line, or on the value lines under it.
func cardHas(ls []cardLine, label, value string) bool {
	for i := 0; i < len(ls); i++ {
		var name strings.Builder
		j := i
		for ; j < len(ls) && ls[j].label != "" && (j == i || ls[j-1].value == ""); j++ {
			name.WriteString(ls[j].label)
			if ls[j].value != "" {
				j++
				break
			}
		}
		if name.String() != label {
			continue
		}
		var v strings.Builder
		if ls[j-1].value != "" {
			v.WriteString(ls[j-1].value)
		} else {
			for ; j < len(ls) && ls[j].label == ""; j++ {
				v.WriteString(ls[j].value)
			}
		}
		if v.String() == value {
			return true
		}
	}
	return false
}

// A table narrow enough for columns on a 128-px board drops 序号 too, and
// its 合计 (in the 序号 column) moves to the first column. TV keeps 序号.
func TestLEDTableColumnsDropSerial(t *testing.T) {
	tb := csvTable("序号,姓名,金额（元）\n1,王秀英,1280\n2,李建国,1150\n合计,,2430\n")
	led := fitTable(mustRenderer(t, "led-rgb", "128x64"), tb)
	if !led.ok {
		t.Fatalf("LED: cards, want columns")
	}
	var heads []string
	for _, h := range led.tt.header {
		heads = append(heads, h.s)
	}
	if got := strings.Join(heads, ","); got != "姓名,金额（元）" {
		t.Errorf("LED header %s, want 姓名,金额（元）", got)
	}
	if got := led.tt.rows[2][0].s; got != "合计" {
		t.Errorf("LED 合计 row starts %q, want 合计", got)
	}
	tv := fitTable(mustRenderer(t, "tv", "1280x720"), tb)
	if got := tv.tt.header[0].s; got != "序号" {
		t.Errorf("TV first column %q, want 序号", got)
	}
}
