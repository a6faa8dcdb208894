package player

import (
	"strings"
	"testing"
	"time"

	"github.com/sunboard/sunboard/content"
)

func TestOrderWeights(t *testing.T) {
	items := []*content.Item{
		item("u", "村务公开/通告栏", "2026-11-01", "2026-11-30", content.Urgent),
		item("p1", "党务公开/组织建设", "2026-11-01", "2026-11-30", content.Normal),
		item("p2", "党务公开/组织建设", "2026-11-01", "2026-11-30", content.Normal),
		item("v1", "村务公开/村民会议", "2026-11-01", "2026-11-30", content.Normal),
		item("f1", "财务公开/收支情况", "2026-11-01", "2026-11-30", content.Normal),
	}
	tests := []struct {
		name    string
		weights map[string]float64
		want    string
	}{
		{"equal weights interleave categories", nil, "u p1 v1 f1 p2"},
		{"finance twice as often", map[string]float64{"财务公开": 2}, "u f1 p1 v1 f1 f1 p2"},
		{"party heavy", map[string]float64{"党务公开": 3}, "u p1 v1 p2 f1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(ids(Schedule{Weights: tt.weights}.Order(items)), " ")
			if got != tt.want {
				t.Errorf("Order = %q, want %q", got, tt.want)
			}
		})
	}
	if got := (Schedule{}).Order(nil); len(got) != 0 {
		t.Errorf("Order(nil) = %v", got)
	}
}

func TestWithdrawalNotice(t *testing.T) {
	road := item("road", "村务公开/村民会议及实施", "2026-11-10", "2026-12-10", content.Normal)
	road.Withdrawn = day("2026-11-20")
	road.WithdrawReason = "经镇招投标中心复核，招标文件有误，本次表决结果作废，将重新召开村民代表会议。"
	v := &content.Village{ID: "370783-101-001", Name: "东升村", Items: []*content.Item{road}}
	before := Due(v, day("2026-11-19").Add(12*time.Hour))
	after := Due(v, day("2026-11-25").Add(12*time.Hour))
	gone := Due(v, day("2026-12-11"))
	if len(before) != 1 || before[0].Title != "road" {
		t.Fatalf("before withdrawal: %+v", before)
	}
	if len(after) != 1 || after[0].ID != "road" || !strings.HasPrefix(after[0].Title, "【已撤回】") {
		t.Fatalf("after withdrawal: %+v", after)
	}
	var body []string
	for _, b := range after[0].Body {
		body = append(body, b.Text)
	}
	if !strings.Contains(strings.Join(body, ""), "撤回原因：经镇招投标中心复核") {
		t.Errorf("withdrawal notice does not show the reason: %q", body)
	}
	if len(gone) != 0 {
		t.Errorf("after the window: %+v", gone)
	}
	if road.Title != "road" {
		t.Error("the original item was modified")
	}
}

// TestWindowEdges: the 公示期 is whole China days, inclusive of until,
// whatever the board's clock zone; leap days count.
func TestWindowEdges(t *testing.T) {
	cst := content.ChinaTime
	leap := item("leap", "财务公开/收支情况", "2028-02-28", "2028-02-29", content.Normal)
	nov := item("nov", "村务公开/通告栏", "2026-11-01", "2026-11-30", content.Normal)
	tests := []struct {
		name string
		it   *content.Item
		at   time.Time
		want bool
	}{
		{"first instant", nov, time.Date(2026, 11, 1, 0, 0, 0, 0, cst), true},
		{"just before", nov, time.Date(2026, 10, 31, 23, 59, 59, 999999999, cst), false},
		{"last instant of until", nov, time.Date(2026, 11, 30, 23, 59, 59, 999999999, cst), true},
		{"midnight after until", nov, time.Date(2026, 12, 1, 0, 0, 0, 0, cst), false},
		{"UTC evening is China's next day", nov, time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC), false},
		{"UTC afternoon still the last day", nov, time.Date(2026, 11, 30, 15, 59, 59, 0, time.UTC), true},
		{"leap day shown", leap, time.Date(2028, 2, 29, 12, 0, 0, 0, cst), true},
		{"after leap day", leap, time.Date(2028, 3, 1, 0, 0, 0, 0, cst), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &content.Village{Items: []*content.Item{tt.it}}
			if got := len(Due(v, tt.at)) == 1; got != tt.want {
				t.Errorf("Due at %v = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}
