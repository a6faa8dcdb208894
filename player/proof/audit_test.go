package proof

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// sim describes a fake agent: each display rotates through the items due,
// one page each, and writes one record per page when the page ends.
type sim struct {
	displays []string
	windows  []Window
	from, to time.Time
	page     time.Duration
	off      map[string][]Interval // per display: no power / board off
	clock    func(t time.Time) string
}

func (s sim) run(emit func(Record)) {
	for _, d := range s.displays {
		t, n := s.from, 0
		for t.Before(s.to) {
			if iv, ok := offAt(s.off[d], t); ok {
				t = iv.To // the page in progress at the cut is lost
				continue
			}
			var due []Window
			for _, w := range s.windows {
				if !t.Before(w.From) && t.Before(w.To) {
					due = append(due, w)
				}
			}
			end := t.Add(s.page)
			if iv, ok := nextOff(s.off[d], t, end); ok {
				t = iv.To // power cut mid-page: never recorded
				continue
			}
			r := Record{Display: d, Version: 3, Start: t, End: end, Clock: ClockNTP}
			if s.clock != nil {
				r.Clock = s.clock(t)
			}
			if len(due) > 0 {
				w := due[n%len(due)]
				r.Item, r.SHA256 = w.Item, sum(w.Item)
				n++
			}
			emit(r)
			t = end
		}
	}
}

func offAt(ivs []Interval, t time.Time) (Interval, bool) {
	for _, iv := range ivs {
		if !t.Before(iv.From) && t.Before(iv.To) {
			return iv, true
		}
	}
	return Interval{}, false
}

func nextOff(ivs []Interval, from, to time.Time) (Interval, bool) {
	for _, iv := range ivs {
		if iv.From.After(from) && iv.From.Before(to) {
			return iv, true
		}
	}
	return Interval{}, false
}

// entries returns the records as entries, unsigned: Audit reads only the
// records (it expects entries that passed Verify), and signing thousands
// of records per case is slow under -race.
func (s sim) entries() []Entry {
	var es []Entry
	s.run(func(r Record) { es = append(es, Entry{Record: r}) })
	return es
}

func at(day, h, m int) time.Time { return time.Date(2026, 10, day, h, m, 0, 0, chinaTime) }

// nightly returns 22:00–06:00 every night of October 2026.
func nightly() []Interval {
	var out []Interval
	for d := 0; d <= 31; d++ {
		out = append(out, Interval{at(1, 22, 0).AddDate(0, 0, d-1), at(1, 6, 0).AddDate(0, 0, d)})
	}
	return out
}

func TestAudit(t *testing.T) {
	windows := []Window{
		{Item: "2026-10-finance", From: at(1, 0, 0), To: at(8, 0, 0), SHA256: sum("2026-10-finance")},
		{Item: "2026-10-notice", From: at(2, 0, 0), To: at(5, 0, 0)},
		{Item: "2026-09-meeting", From: at(1, 0, 0), To: at(8, 0, 0)},
	}
	base := sim{displays: []string{"led-1", "tv-1"}, windows: windows, from: at(1, 0, 0), to: at(8, 0, 0), page: 10 * time.Minute}
	withOff := func(off map[string][]Interval) sim { s := base; s.off = off; return s }
	cut := Interval{at(3, 2, 0), at(3, 5, 0)}

	type gap struct {
		display, item string
		gap           Interval
		off           []Interval
	}
	cases := []struct {
		name     string
		sim      sim
		opt      Options
		displays []string
		windows  []Window
		gaps     []gap
		manyGaps bool // many gaps: check OK and the summary only
		summary  []string
	}{
		{name: "continuous coverage", sim: base,
			summary: []string{"✓ 2026-10-finance 2026-10-01 00:00 → 2026-10-08 00:00  全程公示 / shown for its whole window: led-1, tv-1", "all 3 items fully shown"}},
		{name: "3-hour power cut", sim: withOff(map[string][]Interval{"led-1": {cut}}),
			gaps: []gap{
				// 3 items rotate every 10 min: each was last shown before 02:00
				// and first again after 05:00.
				{"led-1", "2026-10-finance", Interval{at(3, 1, 40), at(3, 5, 0)}, []Interval{cut}},
				{"led-1", "2026-10-notice", Interval{at(3, 1, 50), at(3, 5, 10)}, []Interval{cut}},
				{"led-1", "2026-09-meeting", Interval{at(3, 2, 0), at(3, 5, 20)}, []Interval{cut}},
			},
			summary: []string{
				"✗ 2026-10-finance 2026-10-01 00:00 → 2026-10-08 00:00  未完整公示",
				"led-1: 缺失 gap 2026-10-03 01:40–05:00（3小时20分 / 3h20m）：无任何记录（断电或关机）/ no records, board off or power cut: 2026-10-03 02:00–05:00",
				"3 of 3 items not fully shown",
			}},
		// A 30-minute cut plus the 20 minutes an item waits for its turn
		// stays under the hour.
		{name: "30-minute cut is within the period", sim: withOff(map[string][]Interval{"led-1": {{at(3, 2, 0), at(3, 2, 30)}}})},
		{name: "quiet hours, excused", sim: withOff(map[string][]Interval{"led-1": nightly()}),
			opt: Options{Excused: map[string][]Interval{"led-1": nightly()}}},
		{name: "quiet hours for every display, excused", sim: withOff(map[string][]Interval{"led-1": nightly(), "tv-1": nightly()}),
			opt: Options{Excused: map[string][]Interval{"": nightly()}}},
		{name: "quiet hours, not excused", sim: withOff(map[string][]Interval{"led-1": nightly()}),
			windows: windows[1:2],
			gaps: []gap{
				// Clipped to the window, which opens at midnight.
				{"led-1", "2026-10-notice", Interval{at(2, 0, 0), at(2, 6, 10)}, []Interval{{at(2, 0, 0), at(2, 6, 0)}}},
				{"led-1", "2026-10-notice", Interval{at(2, 21, 50), at(3, 6, 10)}, []Interval{{at(2, 22, 0), at(3, 6, 0)}}},
				{"led-1", "2026-10-notice", Interval{at(3, 21, 50), at(4, 6, 10)}, []Interval{{at(3, 22, 0), at(4, 6, 0)}}},
				{"led-1", "2026-10-notice", Interval{at(4, 21, 50), at(5, 0, 0)}, []Interval{{at(4, 22, 0), at(5, 0, 0)}}},
			}},
		{name: "display never showed it", sim: base, displays: []string{"led-1", "led-2"}, windows: windows[1:2],
			gaps:    []gap{{"led-2", "2026-10-notice", Interval{at(2, 0, 0), at(5, 0, 0)}, []Interval{{at(2, 0, 0), at(5, 0, 0)}}}},
			summary: []string{"led-2: 从未显示 / never shown"}},
		// 3 items × 10 min: each item's holes are 20 min, under 25.
		{name: "rotation faster than the period", sim: base, opt: Options{Period: 25 * time.Minute}, windows: windows[:1]},
		// Two items alternate on day 1 (10-minute holes), three from day 2
		// (20-minute holes ≥ 15).
		{name: "period shorter than the rotation", sim: base, opt: Options{Period: 15 * time.Minute}, windows: windows[2:3], displays: []string{"tv-1"},
			manyGaps: true,
			summary:  []string{"tv-1: 缺失 gap 2026-10-02 00:00–00:20（20分钟 / 20m）：屏幕在运行但未显示此项 / board on but the item was not shown"}},
		{name: "window still running", sim: withOff(map[string][]Interval{"led-1": {{at(4, 12, 0), at(9, 0, 0)}}}),
			opt: Options{Now: at(4, 12, 0)}, windows: windows[1:2],
			summary: []string{"公示中，审计至 2026-10-04 12:00"}},
		{name: "window not started", sim: base, opt: Options{Now: at(1, 12, 0)}, windows: windows[1:2],
			summary: []string{"· 2026-10-notice 2026-10-02 00:00 → 2026-10-05 00:00  未开始 / not started yet"}},
		{name: "other content than published", sim: base,
			windows: []Window{{Item: "2026-10-notice", From: at(2, 0, 0), To: at(5, 0, 0), SHA256: sum("tampered")}},
			gaps: []gap{
				{"led-1", "2026-10-notice", Interval{at(2, 0, 0), at(5, 0, 0)}, nil},
				{"tv-1", "2026-10-notice", Interval{at(2, 0, 0), at(5, 0, 0)}, nil},
			},
			summary: []string{"records showed a different file than published"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ws := c.windows
			if ws == nil {
				ws = windows
			}
			rep := c.opt.Audit(c.sim.entries(), ws, c.displays)
			var got []gap
			for _, ir := range rep.Items {
				for _, cv := range ir.Displays {
					for _, g := range cv.Gaps {
						got = append(got, gap{cv.Display, ir.Item, g.Interval, g.Off})
					}
				}
			}
			if !c.manyGaps && fmt.Sprint(got) != fmt.Sprint(c.gaps) {
				t.Errorf("gaps:\n got %v\nwant %v", got, c.gaps)
			}
			if rep.OK() != (len(c.gaps) == 0 && !c.manyGaps) {
				t.Errorf("OK = %v with %d gaps", rep.OK(), len(c.gaps))
			}
			sum := rep.Summary()
			for _, s := range c.summary {
				if !strings.Contains(sum, s) {
					t.Errorf("summary lacks %q:\n%s", s, sum)
				}
			}
			if t.Failed() || testing.Verbose() {
				t.Log("\n" + sum)
			}
		})
	}
}

func TestAuditCoverage(t *testing.T) {
	s := sim{displays: []string{"led-1"}, from: at(1, 0, 0), to: at(2, 0, 0), page: 10 * time.Minute,
		windows: []Window{{Item: "a", From: at(1, 0, 0), To: at(2, 0, 0)}, {Item: "b", From: at(1, 0, 0), To: at(2, 0, 0)}},
		clock: func(t time.Time) string {
			if t.Before(at(1, 6, 0)) {
				return ClockPersisted
			}
			return ClockNTP
		}}
	rep := Audit(s.entries(), s.windows[:1], nil)
	c := rep.Items[0].Displays[0]
	if c.Display != "led-1" || c.Records != 72 || c.Shown != 12*time.Hour {
		t.Errorf("coverage %+v", c)
	}
	if c.Clock[ClockPersisted] != 3*time.Hour || c.Clock[ClockNTP] != 9*time.Hour {
		t.Errorf("clock sources %v", c.Clock)
	}
	if !c.First.Equal(at(1, 0, 0)) || !c.Last.Equal(at(1, 23, 50)) {
		t.Errorf("first %v last %v", c.First, c.Last)
	}
	if rep.Period != time.Hour || !rep.OK() {
		t.Errorf("report %+v", rep)
	}
	if got := Audit(nil, nil, nil); !got.OK() || !strings.Contains(got.Summary(), "all 0 items") {
		t.Errorf("empty audit: %+v", got)
	}
}

// TestSimulated30Days runs a board for 30 days on a fake clock, through the
// real log file, with power cuts that also tear the last write; after each
// cut the agent reboots and reopens the log. The audit must find every item
// shown on every display except in the cuts, and report exactly those.
func TestSimulated30Days(t *testing.T) {
	key := testKey(7)
	path := filepath.Join(t.TempDir(), "proof.log")
	from, to := at(1, 0, 0), at(31, 0, 0)
	windows := []Window{
		{Item: "2026-10-finance", From: from, To: to},
		{Item: "2026-10-notice", From: at(3, 0, 0), To: at(13, 0, 0)},
		{Item: "2026-10-flood", From: at(10, 8, 0), To: at(12, 20, 0)},
		{Item: "2026-q3-assets", From: at(15, 0, 0), To: to},
	}
	cuts := map[string][]Interval{
		"led-1": {{at(5, 3, 0), at(5, 7, 30)}, {at(20, 13, 0), at(21, 9, 0)}},
		"tv-1":  {{at(11, 23, 0), at(12, 2, 0)}},
	}
	s := sim{displays: []string{"led-1", "tv-1"}, windows: windows, from: from, to: to, page: 15 * time.Minute, off: cuts}

	var rs []Record
	s.run(func(r Record) { rs = append(rs, r) })
	// Interleave the displays in time order, as the agent would write them.
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Start.Before(rs[j].Start) })
	var cutStarts []time.Time
	for _, ivs := range cuts {
		for _, iv := range ivs {
			cutStarts = append(cutStarts, iv.From)
		}
	}
	sort.Slice(cutStarts, func(i, j int) bool { return cutStarts[i].Before(cutStarts[j]) })

	l, err := Open(path, key)
	if err != nil {
		t.Fatal(err)
	}
	l.nosync = true // 30 days of fsyncs would take minutes; crash safety is tested elsewhere
	reboots := 0
	for _, r := range rs {
		if len(cutStarts) > 0 && !r.Start.Before(cutStarts[0]) {
			// A cut: the agent dies mid-write, leaving a torn half-line,
			// and reopens the log when it comes back.
			cutStarts = cutStarts[1:]
			l.Close()
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(`{"rec":{"v":1,"seq":`)
			f.Close()
			if l, err = Open(path, key); err != nil {
				t.Fatal(err)
			}
			if l.Cut() == 0 {
				t.Fatal("torn write not cut")
			}
			l.nosync = true
			reboots++
		}
		if _, err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	if reboots != 3 {
		t.Fatalf("%d reboots, want 3", reboots)
	}

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	es, err := ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != len(rs) {
		t.Fatalf("%d entries, wrote %d", len(es), len(rs))
	}
	if err := Verify(es, pubOf(key)); err != nil {
		t.Fatal(err)
	}
	rep := Audit(es, windows, []string{"led-1", "tv-1"})
	for _, ir := range rep.Items {
		for _, c := range ir.Displays {
			for _, g := range c.Gaps {
				if len(g.Off) != 1 {
					t.Errorf("%s on %s: gap %v–%v has off %v", ir.Item, c.Display, g.From, g.To, g.Off)
					continue
				}
				if !isCut(cuts[c.Display], g.Off[0]) {
					t.Errorf("%s on %s: off %v–%v is not a power cut", ir.Item, c.Display, g.Off[0].From, g.Off[0].To)
				}
			}
		}
	}
	// Each cut of 3 h or more appears as a gap for every item due then; tv-1's
	// 3-hour cut falls partly outside the flood notice's window.
	for d, ivs := range cuts {
		for _, iv := range ivs {
			for _, ir := range rep.Items {
				if !iv.From.Before(ir.To) || !iv.To.After(ir.From) {
					continue
				}
				found := false
				for _, c := range ir.Displays {
					for _, g := range c.Gaps {
						found = found || c.Display == d && len(g.Off) == 1 && isCut([]Interval{iv}, g.Off[0])
					}
				}
				if !found {
					t.Errorf("cut %v–%v on %s not reported for %s", iv.From, iv.To, d, ir.Item)
				}
			}
		}
	}
	if testing.Verbose() {
		t.Log("\n" + rep.Summary())
	}
}

func isCut(ivs []Interval, off Interval) bool {
	for _, iv := range ivs {
		if off.From.Equal(iv.From) && off.To.Equal(iv.To) {
			return true
		}
	}
	return false
}
