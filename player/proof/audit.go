package proof

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Window is one item's 公示期 as published: shown on every display from
// From up to, not including, To. For a content.Item that is Publish →
// Until plus one day (Until is the last day, inclusive).
type Window struct {
	Item     string
	From, To time.Time
	// SHA256, when set, is the hex SHA-256 of the item's file as
	// published; records with another hash do not count as showing it.
	SHA256 string
}

// Interval is [From, To).
type Interval struct {
	From, To time.Time
}

// Duration returns To − From.
func (iv Interval) Duration() time.Duration { return iv.To.Sub(iv.From) }

// Options tune Audit. The zero value is the default.
type Options struct {
	// Period: items rotate, so an item counts as shown when it appeared
	// at least once in every stretch of this length inside its window;
	// a stretch of Period or longer without it is a gap. 0 → 1 hour.
	Period time.Duration
	// Now, when set, ends the audit of windows still running (their
	// reports say InProgress); windows starting after Now are skipped.
	Now time.Time
	// Excused are times when a display is expected to show nothing (quiet
	// hours: LED off at night), by display name; key "" applies to every
	// display. They count as covered.
	Excused map[string][]Interval
	// MinOff is the shortest stretch without any record that a gap reports
	// as the board being off. 0 → 1 minute.
	MinOff time.Duration
}

// Report is the answer for each window on each display.
type Report struct {
	Period time.Duration
	Items  []ItemReport
}

// ItemReport is one window's answer.
type ItemReport struct {
	Window
	Audited    Interval // the part of the window audited: [From, min(To, Now))
	InProgress bool     // the window had not ended at Options.Now
	Pending    bool     // the window had not started at Options.Now: nothing audited
	Displays   []Coverage
}

// Coverage is one window on one display.
type Coverage struct {
	Display string
	Records int           // records of the item inside the window
	Shown   time.Duration // time on screen inside the window
	// First and Last are when the item was first and last on screen
	// inside the window; zero when never.
	First, Last time.Time
	Gaps        []Gap
	// WrongContent counts records of the item whose content hash is not
	// the window's SHA256 (they do not count as showing it).
	WrongContent int
	// Clock is the time on screen by clock source ("ntp", "persisted", …):
	// how far the record times can be trusted.
	Clock map[string]time.Duration
}

// Gap is a stretch of at least Period in which the item was not shown.
type Gap struct {
	Interval
	// Off lists the parts of the gap in which the display recorded nothing
	// at all (board off, power cut, agent down); the rest of the gap the
	// board was on but showed other things.
	Off []Interval
}

// OK reports whether the item was on every display for all of the audited
// window.
func (c Coverage) OK() bool { return len(c.Gaps) == 0 }

// OK reports whether every display showed the item for its whole window.
func (ir ItemReport) OK() bool {
	// A window that has begun with no display to vouch for it is not
	// proven shown: silence must never read as compliance.
	if !ir.Pending && len(ir.Displays) == 0 {
		return false
	}
	for _, c := range ir.Displays {
		if !c.OK() {
			return false
		}
	}
	return true
}

// OK reports whether every item was on every display for its window.
func (r Report) OK() bool {
	for _, ir := range r.Items {
		if !ir.OK() {
			return false
		}
	}
	return true
}

// Audit answers, with default Options, for each window on each display:
// was the item shown for its whole window, and where are the gaps. The
// entries should have passed Verify. displays nil means every display that
// appears in the entries.
func Audit(entries []Entry, windows []Window, displays []string) Report {
	return Options{}.Audit(entries, windows, displays)
}

// Audit is Audit with these options.
func (o Options) Audit(entries []Entry, windows []Window, displays []string) Report {
	if o.Period <= 0 {
		o.Period = time.Hour
	}
	if o.MinOff <= 0 {
		o.MinOff = time.Minute
	}
	byDisplay := map[string][]Record{}
	for _, e := range entries {
		byDisplay[e.Record.Display] = append(byDisplay[e.Record.Display], e.Record)
	}
	if displays == nil {
		for d := range byDisplay {
			displays = append(displays, d)
		}
		sort.Strings(displays)
	}
	rep := Report{Period: o.Period}
	for _, w := range windows {
		ir := ItemReport{Window: w, Audited: Interval{w.From, w.To}}
		if !o.Now.IsZero() && o.Now.Before(w.To) {
			ir.Audited.To = o.Now
			ir.InProgress = true
		}
		if !ir.Audited.To.After(ir.Audited.From) {
			ir.Pending, ir.InProgress = true, false
			rep.Items = append(rep.Items, ir)
			continue
		}
		for _, d := range displays {
			ir.Displays = append(ir.Displays, o.cover(byDisplay[d], d, w, ir.Audited))
		}
		rep.Items = append(rep.Items, ir)
	}
	return rep
}

func (o Options) cover(recs []Record, display string, w Window, span Interval) Coverage {
	c := Coverage{Display: display, Clock: map[string]time.Duration{}}
	var shown, on []Interval
	for _, r := range recs {
		iv, ok := clip(Interval{r.Start, r.End}, span)
		if !ok {
			continue
		}
		on = append(on, iv)
		if r.Item != w.Item {
			continue
		}
		if w.SHA256 != "" && r.SHA256 != w.SHA256 {
			c.WrongContent++
			continue
		}
		c.Records++
		shown = append(shown, iv)
		c.Clock[r.Clock] += iv.Duration()
	}
	shown = merge(shown)
	for _, iv := range shown {
		c.Shown += iv.Duration()
	}
	if len(shown) > 0 {
		c.First, c.Last = shown[0].From, shown[len(shown)-1].To
	}
	var excused []Interval
	for _, k := range []string{"", display} {
		for _, iv := range o.Excused[k] {
			if iv, ok := clip(iv, span); ok {
				excused = append(excused, iv)
			}
		}
		if display == "" {
			break
		}
	}
	covered := merge(append(slices.Clone(shown), excused...))
	on = merge(append(on, excused...))
	for _, h := range holes(covered, span) {
		if h.Duration() < o.Period {
			continue
		}
		g := Gap{Interval: h}
		for _, off := range holes(on, h) {
			if off.Duration() >= o.MinOff {
				g.Off = append(g.Off, off)
			}
		}
		c.Gaps = append(c.Gaps, g)
	}
	return c
}

func clip(iv, span Interval) (Interval, bool) {
	if iv.From.Before(span.From) {
		iv.From = span.From
	}
	if iv.To.After(span.To) {
		iv.To = span.To
	}
	return iv, iv.To.After(iv.From)
}

// merge sorts ivs and joins those that overlap or touch.
func merge(ivs []Interval) []Interval {
	if len(ivs) == 0 {
		return nil
	}
	sort.Slice(ivs, func(i, j int) bool { return ivs[i].From.Before(ivs[j].From) })
	out := []Interval{ivs[0]}
	for _, iv := range ivs[1:] {
		last := &out[len(out)-1]
		if !iv.From.After(last.To) {
			if iv.To.After(last.To) {
				last.To = iv.To
			}
			continue
		}
		out = append(out, iv)
	}
	return out
}

// holes returns the parts of span not in the merged, sorted ivs.
func holes(ivs []Interval, span Interval) []Interval {
	var out []Interval
	at := span.From
	for _, iv := range ivs {
		if !iv.To.After(at) {
			continue
		}
		if iv.From.After(at) {
			if iv.From.After(span.To) {
				break
			}
			out = append(out, Interval{at, iv.From})
		}
		at = iv.To
		if !at.Before(span.To) {
			return out
		}
	}
	if span.To.After(at) {
		out = append(out, Interval{at, span.To})
	}
	return out
}

// Summary is the report in Chinese and English, one line per item and
// one per display with a problem, times in China time.
func (r Report) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "公示审计 / disclosure audit: 每%s至少显示一次 / shown at least once every %s\n", durZH(r.Period), durEN(r.Period))
	bad := 0
	for _, ir := range r.Items {
		head := ir.Item + " " + span(ir.From, ir.To)
		switch {
		case ir.Pending:
			fmt.Fprintf(&b, "· %s  未开始 / not started yet\n", head)
			continue
		case len(ir.Displays) == 0:
			fmt.Fprintf(&b, "✗ %s  无任何显示记录 / no display has recorded it\n", head)
			bad++
			continue
		}
		var names []string
		for _, c := range ir.Displays {
			names = append(names, c.Display)
		}
		state := "全程公示 / shown for its whole window"
		mark := "✓"
		if !ir.OK() {
			state, mark = "未完整公示 / NOT shown for its whole window", "✗"
			bad++
		}
		if ir.InProgress {
			state += fmt.Sprintf("（公示中，审计至 %s / in progress, audited to %s）", stamp(ir.Audited.To), stamp(ir.Audited.To))
		}
		fmt.Fprintf(&b, "%s %s  %s: %s\n", mark, head, state, strings.Join(names, ", "))
		for _, c := range ir.Displays {
			if c.Records == 0 {
				fmt.Fprintf(&b, "    %s: 从未显示 / never shown\n", c.Display)
			}
			for _, g := range c.Gaps {
				if c.Records == 0 && len(c.Gaps) == 1 && g.Interval == ir.Audited {
					break // "never shown" said it
				}
				fmt.Fprintf(&b, "    %s: 缺失 gap %s（%s / %s）", c.Display, span(g.From, g.To), durZH(g.Duration()), durEN(g.Duration()))
				if len(g.Off) == 0 {
					b.WriteString("：屏幕在运行但未显示此项 / board on but the item was not shown\n")
					continue
				}
				var offs []string
				for _, off := range g.Off {
					offs = append(offs, span(off.From, off.To))
				}
				fmt.Fprintf(&b, "：无任何记录（断电或关机）/ no records, board off or power cut: %s\n", strings.Join(offs, ", "))
			}
			if c.WrongContent > 0 {
				fmt.Fprintf(&b, "    %s: %d 条记录内容与公布版本不符 / %d records showed a different file than published\n", c.Display, c.WrongContent, c.WrongContent)
			}
		}
	}
	if bad == 0 {
		fmt.Fprintf(&b, "结论 / result: %d 项全部完整公示 / all %d items fully shown\n", len(r.Items), len(r.Items))
	} else {
		fmt.Fprintf(&b, "结论 / result: %d 项中 %d 项未完整公示 / %d of %d items not fully shown\n", len(r.Items), bad, bad, len(r.Items))
	}
	return b.String()
}

func stamp(t time.Time) string { return t.In(chinaTime).Format("2006-01-02 15:04") }

func durZH(d time.Duration) string {
	d = d.Round(time.Minute)
	days, h, m := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var b strings.Builder
	if days > 0 {
		fmt.Fprintf(&b, "%d天", days)
	}
	if h > 0 {
		fmt.Fprintf(&b, "%d小时", h)
	}
	if m > 0 || b.Len() == 0 {
		if b.Len() == 0 {
			fmt.Fprintf(&b, "%d分钟", m)
		} else {
			fmt.Fprintf(&b, "%d分", m)
		}
	}
	return b.String()
}

func durEN(d time.Duration) string {
	d = d.Round(time.Minute)
	days, h, m := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var b strings.Builder
	if days > 0 {
		fmt.Fprintf(&b, "%dd", days)
	}
	if h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m > 0 || b.Len() == 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	return b.String()
}

// span formats [a, b), leaving out b's date when it is a's.
func span(a, b time.Time) string {
	a, b = a.In(chinaTime), b.In(chinaTime)
	if a.Format("2006-01-02") == b.Format("2006-01-02") {
		return stamp(a) + "–" + b.Format("15:04")
	}
	return stamp(a) + " → " + stamp(b)
}
