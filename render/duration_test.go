package render

import (
	"testing"
	"time"
)

func TestRuneCount(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int
	}{
		{"", 0},
		{"村务公开", 4},
		{"村务　公开 ", 4},                  // spaces are not read
		{"1,150.00", 2},                // a number is read at a glance
		{"¥386,450.00元", 4},            // ¥, the number, 元
		{"2026-11-20 至 2026-11-30", 5}, // two dates and 至
		{"第 3 / 12 页", 7},              // 第, 3, /, 12, 页
		{"同意率93.5%", 5},                // 同意率 and the number
		{"12个人", 4},                    // a number, then text
		{"-5", 3},                      // a leading dash is a character
		{"7至8级", 6},                    // two numbers around 至
	} {
		if got := runeCount(c.s); got != c.want {
			t.Errorf("runeCount(%q) = %d, want %d", c.s, got, c.want)
		}
	}
}

// TestPageTimes keeps a board's loop short enough to wait for: every TV
// page of the sample (a 25-row finance month among them) stands between
// minPage and maxPage, a continued page is not charged the header again,
// and the whole sample loops in a few minutes, not an hour.
func TestPageTimes(t *testing.T) {
	v := sampleVillage()
	for _, c := range []struct {
		profile, size string
		loop          time.Duration // the whole sample, once
	}{
		{"tv", "1280x720", 7 * time.Minute},
		{"tv", "720x576", 8 * time.Minute},
		{"led-rgb", "128x64", 8 * time.Minute},
	} {
		prof, err := ParseProfile(c.profile, c.size)
		if err != nil {
			t.Fatal(err)
		}
		r, err := New(prof)
		if err != nil {
			t.Fatal(err)
		}
		var loop time.Duration
		for _, it := range v.Items {
			pages, err := r.Item(v, it)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range pages {
				d := p.Duration()
				loop += d
				if prof.Kind == TV && (d < minPage || d > maxPage+5*time.Second) {
					t.Errorf("%s %s %s page %d: %v on screen, want %v to %v", c.profile, c.size, it.ID, i+1, d, minPage, maxPage)
				}
			}
		}
		if loop > c.loop {
			t.Errorf("%s %s: the sample loops in %v, want under %v", c.profile, c.size, loop, c.loop)
		}
		t.Logf("%s %s: loop %v", c.profile, c.size, loop.Round(time.Second))
	}
}
