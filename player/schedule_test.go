package player

import (
	"strings"
	"testing"

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
