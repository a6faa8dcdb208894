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
			if it.WithdrawnAt(t) {
				it = withdrawalNotice(it)
			}
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

// Schedule is how a county wants the loop run.
type Schedule struct {
	// Weights of the major categories (党务公开, 村务公开, 财务公开, …): a
	// category of weight 2 comes round twice as often as one of weight 1.
	// Missing or zero weights count as 1.
	Weights map[string]float64
	// UrgentEvery is how often urgent notices come back between other
	// items until they expire; 0 means every 3 minutes.
	UrgentEvery time.Duration
	// Dwell scales every page's time on screen (and the scroll speed with
	// it) for boards read from far away or by slower readers; 0 means 1.
	Dwell float64
}

func (s Schedule) urgentEvery() time.Duration {
	if s.UrgentEvery <= 0 {
		return 3 * time.Minute
	}
	return s.UrgentEvery
}

func (s Schedule) dwell() float64 {
	if s.Dwell <= 0 {
		return 1
	}
	return s.Dwell
}

// Order returns one cycle of the loop: urgent items first, then the other
// items interleaved by category with smooth weighted round-robin (as nginx
// balances upstreams), so a heavier category comes round more often while
// no category waits long. The cycle ends once every category has shown all
// its items at least once.
func (s Schedule) Order(due []*content.Item) []*content.Item {
	var out []*content.Item
	type queue struct {
		items   []*content.Item
		next    int
		weight  float64
		current float64
		done    bool
	}
	var queues []*queue
	byMajor := map[string]*queue{}
	for _, it := range due {
		if it.Priority == content.Urgent {
			out = append(out, it)
			continue
		}
		q := byMajor[it.Major()]
		if q == nil {
			w := s.Weights[it.Major()]
			if w <= 0 {
				w = 1
			}
			q = &queue{weight: w}
			byMajor[it.Major()] = q
			queues = append(queues, q)
		}
		q.items = append(q.items, it)
	}
	var total float64
	for _, q := range queues {
		total += q.weight
	}
	remaining := len(queues)
	// Bounded: each pick advances one queue; heavy weights repeat items.
	for guard := 0; remaining > 0 && guard < 100000; guard++ {
		var best *queue
		for _, q := range queues {
			q.current += q.weight
			if best == nil || q.current > best.current {
				best = q
			}
		}
		best.current -= total
		out = append(out, best.items[best.next])
		best.next++
		if best.next == len(best.items) {
			best.next = 0
			if !best.done {
				best.done = true
				remaining--
			}
		}
	}
	return out
}

// Playlist lays out every page a display shows at t, in play order, with
// the default schedule.
func Playlist(r *render.Renderer, v *content.Village, t time.Time) ([]*render.Page, error) {
	return Schedule{}.Playlist(r, v, t)
}

// Playlist lays out every page a display shows at t, in play order; when
// nothing is due it is the idle page alone. An item that cannot be laid
// out is left out (or shown in part) and named in the error, which comes
// with the pages of every other item.
func (s Schedule) Playlist(r *render.Renderer, v *content.Village, t time.Time) ([]*render.Page, error) {
	var pages []*render.Page
	due := Due(v, t)
	var errs []error
	laid := map[string][]*render.Page{}
	for _, it := range s.Order(due) {
		if ps, ok := laid[it.ID]; ok {
			pages = append(pages, ps...) // a heavy category repeats an item
			continue
		}
		ps, err := r.Item(v, it)
		if err != nil {
			// One bad item must not blank the board: show what could be laid
			// out (a photo that failed is drawn as a visible notice) and
			// report the rest.
			errs = append(errs, err)
			var ie *render.ItemError
			if !errors.As(err, &ie) || !ie.Partial {
				laid[it.ID] = nil
				continue
			}
		}
		laid[it.ID] = ps
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

// withdrawalNotice stands in for a withdrawn item for the rest of its
// 公示期: the slot is never silently emptied, and the reason is shown. It
// keeps the item's id so the proof log shows the slot was filled.
func withdrawalNotice(it *content.Item) *content.Item {
	day := func(t time.Time) string { return t.In(content.ChinaTime).Format("2006年1月2日") }
	n := *it
	n.Title = "【已撤回】" + it.Title
	n.Table, n.TableFile = nil, ""
	n.Priority = content.Normal
	n.Body = []content.Block{
		{Kind: content.Paragraph, Text: "本事项已于" + day(it.Withdrawn) + "撤回，原公示内容不再有效。"},
		{Kind: content.Paragraph, Text: "撤回原因：" + it.WithdrawReason},
		{Kind: content.Paragraph, Text: "原公示期：" + day(it.Publish) + "至" + day(it.Until) + "。如有疑问，请扫码反馈或向村务监督委员会反映。"},
	}
	return &n
}
