package fleet

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestReviewPage(t *testing.T) {
	items := []WaitingItem{
		{Village: village101, VillageName: "东升村", Item: "2026-11-notice", Title: "村民会议通知", Category: "村务公开/村民会议及实施",
			SubmittedAt: t0.Add(-time.Hour), SubmittedBy: "clerk-wang", Signatures: 1, Needed: 2, Privacy: []string{"未发现个人号码 / no personal numbers found"}},
		{Village: village102, VillageName: "西河村", Item: "2026-10-finance", Title: "10月收支", Category: "财务公开/收支情况",
			Signatures: 1, Needed: 2, Screen: "审核：古城街道农经站 2026-11-02"},
	}
	var fail error
	e := authEnv(t, Opts{Waiting: func() ([]WaitingItem, error) { return items, fail }})
	for _, c := range []struct {
		name, user, pass string
		items            []WaitingItem
		err              error
		want, not        []string
	}{
		{"county sees every township", "zhang", "zhang-password-1", items, nil,
			[]string{`data-item="2026-11-notice"`, `data-item="2026-10-finance"`, "clerk-wang", "1/2", "审核：古城街道农经站 2026-11-02", "待审核事项 <b>2</b> 项"}, nil},
		{"township sees its own villages only", "li", "li-password-102", items, nil,
			[]string{`data-item="2026-10-finance"`}, []string{`data-item="2026-11-notice"`, "clerk-wang"}},
		{"nothing waiting", "zhang", "zhang-password-1", nil, nil, []string{`id="none"`}, []string{`id="waiting"`}},
		{"repository error shown", "zhang", "zhang-password-1", nil, errors.New("read staged township-370783-101: boom"),
			[]string{"boom"}, []string{`id="none"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			items, fail = c.items, c.err
			b := newBrowser(t, e.http)
			if resp := b.login(c.user, c.pass); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("login: %d", resp.StatusCode)
			}
			resp, page := b.do("GET", "/review", nil)
			if resp.StatusCode != 200 {
				t.Fatalf("GET /review: %d", resp.StatusCode)
			}
			for _, w := range c.want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q:\n%s", w, page)
				}
			}
			for _, n := range c.not {
				if strings.Contains(page, n) {
					t.Errorf("page shows %q", n)
				}
			}
		})
	}
	b := newBrowser(t, e.http)
	b.login("li", "li-password-102")
	if _, page := b.do("GET", "/", nil); !strings.Contains(page, `href="/review"`) {
		t.Error("the fleet page does not link to /review")
	}
	if resp, _ := newBrowser(t, e.http).do("GET", "/review", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /review without a session: %d, want 303 to login", resp.StatusCode)
	}
}
