package brightness

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Quiet is a daily window, in the Controller's time zone, when a board is off
// (Level 0) or dimmed to at most Level. From > To wraps past midnight.
type Quiet struct {
	From, To time.Duration // since midnight
	Level    uint8
}

func (q Quiet) String() string {
	hm := func(d time.Duration) string { return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60) }
	if q.Level == 0 {
		return hm(q.From) + "-" + hm(q.To) + " off"
	}
	return fmt.Sprintf("%s-%s dim:%d", hm(q.From), hm(q.To), q.Level)
}

// contains reports whether the time of day tod falls in the window.
func (q Quiet) contains(tod time.Duration) bool {
	if q.From < q.To {
		return tod >= q.From && tod < q.To
	}
	return tod >= q.From || tod < q.To
}

// ParseQuiet parses windows separated by commas or semicolons, each
// "HH:MM-HH:MM off" or "HH:MM-HH:MM dim:N" with N in 1..255, e.g.
// "22:00-06:00 off" or "21:00-22:00 dim:10, 22:00-05:30 off". The empty
// string means no quiet hours.
func ParseQuiet(s string) ([]Quiet, error) {
	var qs []Quiet
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		span, what, _ := strings.Cut(strings.TrimSpace(f), " ")
		from, to, ok := strings.Cut(span, "-")
		if !ok {
			return nil, fmt.Errorf("brightness: quiet hours %q: want HH:MM-HH:MM off|dim:N", f)
		}
		var q Quiet
		var err error
		if q.From, err = clock(from); err != nil {
			return nil, fmt.Errorf("brightness: quiet hours %q: %w", f, err)
		}
		if q.To, err = clock(to); err != nil {
			return nil, fmt.Errorf("brightness: quiet hours %q: %w", f, err)
		}
		if q.From == q.To {
			return nil, fmt.Errorf("brightness: quiet hours %q: empty window", f)
		}
		switch what = strings.ToLower(strings.TrimSpace(what)); {
		case what == "off":
		case strings.HasPrefix(what, "dim:"):
			n, err := strconv.Atoi(strings.TrimSpace(what[4:]))
			if err != nil || n < 1 || n > 255 {
				return nil, fmt.Errorf("brightness: quiet hours %q: dim level wants 1..255", f)
			}
			q.Level = uint8(n)
		default:
			return nil, fmt.Errorf("brightness: quiet hours %q: want off or dim:N after the times", f)
		}
		qs = append(qs, q)
	}
	return qs, nil
}

func clock(s string) (time.Duration, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || hh == 24 && mm != 0 {
		return 0, fmt.Errorf("bad time of day %q", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}
