// Package player decides what each display shows and when: the items
// inside their 公示期, in play order, urgent notices first, and it drives
// each display frame by frame with pages from render.
package player

import (
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/render"
)

// majorOrder is the order villagers know from the three boards
// (党务、村务、财务公开栏).
var majorOrder = map[string]int{"党务公开": 0, "村务公开": 1, "财务公开": 2}

// Due returns the items shown at t, in play order: urgent first, then by
// 党务/村务/财务, then newest first, then by id so the order is stable.
func Due(v *content.Village, t time.Time) []*content.Item {
	if v == nil {
		return nil
	}
	var due []*content.Item
	for _, it := range v.Items {
		if it.ActiveAt(t) {
			due = append(due, it)
		}
	}
	rank := func(it *content.Item) int {
		if r, ok := majorOrder[it.Major()]; ok {
			return r
		}
		return len(majorOrder)
	}
	sort.SliceStable(due, func(i, j int) bool {
		a, b := due[i], due[j]
		if a.Priority != b.Priority {
			return a.Priority > b.Priority
		}
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		if !a.Publish.Equal(b.Publish) {
			return a.Publish.After(b.Publish)
		}
		return a.ID < b.ID
	})
	return due
}

// Playlist lays out every page a display shows at t, in play order; when
// nothing is due it is the idle page alone. An item that cannot be laid
// out is left out (or shown in part) and named in the error, which comes
// with the pages of every other item.
func Playlist(r *render.Renderer, v *content.Village, t time.Time) ([]*render.Page, error) {
	var pages []*render.Page
	due := Due(v, t)
	var errs []error
	for _, it := range due {
		ps, err := r.Item(v, it)
		if err != nil {
			// One bad item must not blank the board: show what could be laid
			// out (a photo that failed is drawn as a visible notice) and
			// report the rest.
			errs = append(errs, err)
			var ie *render.ItemError
			if !errors.As(err, &ie) || !ie.Partial {
				continue
			}
		}
		pages = append(pages, ps...)
	}
	if len(pages) == 0 {
		pages = append(pages, r.Idle(v, t))
	}
	// The TV crawl keeps urgent notices in view whatever page is up, and
	// otherwise tells viewers what else is on the channel.
	if tk := r.Ticker(TickerText(due)); tk != nil {
		for _, p := range pages {
			p.SetTicker(tk)
		}
	}
	return pages, errors.Join(errs...)
}

// TickerText is the crawl line for the due items: urgent notices when
// there are any, else the titles now in their 公示期.
func TickerText(due []*content.Item) string {
	var urgent, all []string
	for _, it := range due {
		if it.Priority == content.Urgent {
			urgent = append(urgent, strings.TrimPrefix(strings.TrimPrefix(it.Title, "紧急通知："), "紧急通知"))
		}
		all = append(all, it.Title)
	}
	if len(urgent) > 0 {
		return "紧急通知：" + strings.Join(urgent, "　◆　")
	}
	if len(all) == 0 {
		return ""
	}
	return "正在公示：" + strings.Join(all, "　◆　") + "　◆　对公开内容有疑问，请扫描屏幕右上角二维码反馈"
}
