package render

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/image/math/fixed"
)

// cellAdv: hanzi and fullwidth punctuation 2 cells, ASCII 1 cell.
func cellAdv(r rune) fixed.Int26_6 {
	if r < utf8.RuneSelf {
		return fixed.I(1)
	}
	return fixed.I(2)
}

func TestBreakLines(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		cells int
		want  []string
	}{
		{"fits", "村务公开", 8, []string{"村务公开"}},
		{"plain wrap", "村务公开栏目", 8, []string{"村务公开", "栏目"}},
		{"comma not at line start", "村务公开，栏目", 8, []string{"村务公", "开，栏目"}},
		{"full stop not at line start", "一二三四。五", 8, []string{"一二三", "四。五"}},
		{"closing quote not at line start", "一二三“四”五", 8, []string{"一二三", "“四”五"}},
		{"opening bracket not at line end", "一二三（四）", 8, []string{"一二三", "（四）"}},
		{"dash never split", "一二三——四", 9, []string{"一二", "三——四"}},
		{"ellipsis never split", "一二三……四", 9, []string{"一二", "三……四"}},
		{"amount whole", "收入¥1,234.50元", 10, []string{"收入", "¥1,234.50", "元"}},
		{"percent whole", "完成100%以上", 7, []string{"完成", "100%以", "上"}},
		{"date whole", "公示期2026-11-01至", 14, []string{"公示期", "2026-11-01至"}},
		{"latin words break at spaces", "hello big world", 9, []string{"hello big", "world"}},
		{"spaces vanish at edges", "一二三四 五六", 8, []string{"一二三四", "五六"}},
		{"hard break", "一二\n三四", 8, []string{"一二", "三四"}},
		{"too long word cut", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"colon stays with label", "公示期：2026-11-01 至 2026-11-30", 18, []string{"公示期：2026-11-01", "至 2026-11-30"}},
		{"middle dot not at line start", "一二三·四", 6, []string{"一二", "三·四"}},
		{"middle dot binds both sides", "一二·三四", 6, []string{"一", "二·三", "四"}},
		{"fullwidth slash binds both sides", "一二三／四五", 8, []string{"一二", "三／四五"}},
		{"quotes between hanzi", "一二“三四”五六", 12, []string{"一二“三四”", "五六"}},
		{"mixed hanzi and latin", "村里WiFi全覆盖", 8, []string{"村里WiFi", "全覆盖"}},
		{"url whole", "见https://sg.example.cn/q?x=1", 12, []string{"见", "https://sg.e", "xample.cn/q?", "x=1"}},
		{"empty", "", 8, []string{""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := breakLines(tc.in, fixed.I(tc.cells), cellAdv)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("breakLines(%q, %d) = %q, want %q", tc.in, tc.cells, got, tc.want)
			}
		})
	}
}

func FuzzBreakLines(f *testing.F) {
	f.Add("村务公开，栏目“四”（五）——六……七¥1,234.50元 2026-11-01 hello", 8)
	f.Add("abcdefghij", 3)
	f.Add("。。。。。。。。", 4)
	f.Fuzz(func(t *testing.T, s string, cells int) {
		if !utf8.ValidString(s) || cells < 2 || cells > 200 {
			return
		}
		lines := breakLines(s, fixed.I(cells), cellAdv)
		squash := func(x string) string { return strings.Join(strings.Fields(x), "") }
		if got, want := squash(strings.Join(lines, "")), squash(s); got != want {
			t.Fatalf("text changed: %q -> %q", want, got)
		}
		for _, l := range lines {
			if w := width(l, cellAdv); w > fixed.I(cells) && utf8.RuneCountInString(l) > 1 {
				t.Fatalf("line %q is %d cells, max %d", l, w.Round(), cells)
			}
		}
	})
}

func TestWrapID(t *testing.T) {
	got := wrapID("370783-101-001-2026-10-finance", fixed.I(16), cellAdv)
	want := "370783-101-001-|2026-10-finance"
	if strings.Join(got, "|") != want {
		t.Errorf("wrapID = %q, want %q", got, want)
	}
}
