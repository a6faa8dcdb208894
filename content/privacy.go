package content

import (
	"regexp"
	"strings"
	"time"
)

// Personal data that must never reach a public screen (民政 rules for
// 低保 lists: household head, size and amount only). Both sunpub and the
// agent run Load, so this refuses at publish time and again on the board;
// sunpub may first mask what it finds (Redact) when the county's Policy
// says so for the item's category.
var (
	// Runs of digits, allowing the spaces or dashes people type inside bank
	// card and phone numbers.
	digitRun = regexp.MustCompile(`[0-9][0-9 \-]{9,30}[0-9Xx]`)
	// sepRun splits a run into the groups the writer typed.
	sepRun = regexp.MustCompile(`[ \-]+`)
)

// Kinds of personal number, as messages name them.
const (
	KindID     = "ID card number (身份证号)"
	KindMobile = "mobile phone number (手机号)"
	KindBank   = "bank card number (银行卡号)"
)

// personalHit is one personal number found in a string: s[Start:End] as
// typed (separators included), Digits without separators.
type personalHit struct {
	Start, End int
	Kind       string
	Digits     string
}

// findPersonalData names each kind of personal number found in s.
func findPersonalData(s string) []string {
	var found []string
	seen := map[string]bool{}
	for _, h := range scanPersonal(s) {
		if !seen[h.Kind] {
			seen[h.Kind] = true
			found = append(found, h.Kind)
		}
	}
	return found
}

// scanPersonal finds personal numbers in s. Full-width digits are folded
// first (a Chinese IME types １３８…), so offsets refer to foldDigits(s).
func scanPersonal(s string) []personalHit {
	s = foldDigits(s)
	var hits []personalHit
	for _, loc := range digitRun.FindAllStringIndex(s, -1) {
		// A run glued to a decimal point or thousands comma is an amount.
		gluedLeft := loc[0] > 0 && (s[loc[0]-1] == '.' || s[loc[0]-1] == ',')
		gluedRight := loc[1] < len(s) && (s[loc[1]] == '.' || s[loc[1]] == ',')
		run := s[loc[0]:loc[1]]
		// Groups as typed: "138 1234 5678" is three groups. Dates and
		// serials ("2026-11-02 2026-11-30") are groups too, and only a
		// window of groups shaped like a phone, ID or card number counts,
		// so two dates side by side never pass as a bank card.
		seps := sepRun.FindAllStringIndex(run, -1)
		type group struct{ start, end int }
		var groups []group
		prev := 0
		for _, sp := range seps {
			groups = append(groups, group{prev, sp[0]})
			prev = sp[1]
		}
		groups = append(groups, group{prev, len(run)})
		for i := 0; i < len(groups); i++ {
			for j := i; j < len(groups); j++ {
				if (i == 0 && gluedLeft) || (j == len(groups)-1 && gluedRight) {
					continue
				}
				lens := make([]int, 0, j-i+1)
				var digits strings.Builder
				for _, g := range groups[i : j+1] {
					lens = append(lens, g.end-g.start)
					digits.WriteString(run[g.start:g.end])
				}
				d := digits.String()
				if len(d) > 19 {
					break
				}
				kind := classify(d, lens)
				if kind == "" {
					continue
				}
				hits = append(hits, personalHit{Start: loc[0] + groups[i].start, End: loc[0] + groups[j].end, Kind: kind, Digits: d})
				i = j // groups used by a hit are not reused
				break
			}
		}
	}
	return hits
}

// classify names the kind of personal number d is when typed in groups of
// lens, or "" when it is none.
func classify(d string, lens []int) string {
	shape := func(want ...int) bool {
		if len(lens) == 1 {
			return true // typed without separators
		}
		if len(want) == len(lens) {
			same := true
			for i := range want {
				same = same && want[i] == lens[i]
			}
			if same {
				return true
			}
		}
		// Groups of four, the last one shorter: how cards (and some IDs)
		// are written out.
		for i, n := range lens {
			if n != 4 && (i < len(lens)-1 || n < 1 || n > 4) {
				return false
			}
		}
		return true
	}
	switch {
	case len(d) == 18 && isIDCard(d) && shape(6, 8, 4):
		return KindID
	case len(d) == 15 && isOldIDCard(d) && shape(6, 6, 3):
		return KindID
	case len(d) == 11 && isMobile(d) && (len(lens) == 1 || shape(3, 4, 4) && len(lens) == 3 && lens[0] == 3):
		return KindMobile
	case len(d) >= 16 && len(d) <= 19 && allDigits(d) && luhn(d) && shape():
		return KindBank
	}
	return ""
}

// mobilePrefixes are the number segments MIIT has assigned to mobile
// networks (incl. IoT-free data segments 145/147/149 people still own), so
// an 11-digit account code such as 15401010001 is not taken for a phone.
var mobilePrefixes = map[string]bool{}

func init() {
	for _, p := range strings.Fields("130 131 132 133 134 135 136 137 138 139 145 147 149 150 151 152 153 155 156 157 158 159 162 165 166 167 170 171 172 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 190 191 192 193 195 196 197 198 199") {
		mobilePrefixes[p] = true
	}
}

func isMobile(d string) bool {
	return allDigits(d) && mobilePrefixes[d[:3]]
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isIDCard checks GB 11643's ISO 7064 MOD 11-2 check digit, so 18-digit
// amounts or serials are not mistaken for ID numbers.
func isIDCard(s string) bool {
	if !allDigits(s[:17]) {
		return false
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(s[i]-'0') * weights[i]
	}
	check := "10X98765432"[sum%11]
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	return last == check
}

// provinces are the first two digits of GB/T 2260 area codes.
var provinces = map[string]bool{}

func init() {
	for _, p := range strings.Fields("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82") {
		provinces[p] = true
	}
}

// isOldIDCard recognises the 15-digit IDs issued before 1999 (area code,
// YYMMDD birth date in the 1900s, 3-digit sequence). They have no check
// digit, so a valid province and a real calendar date keep serial numbers
// and amounts from being flagged.
func isOldIDCard(s string) bool {
	if len(s) != 15 || !allDigits(s) || !provinces[s[:2]] {
		return false
	}
	t, err := time.Parse("060102", s[6:12])
	if err != nil {
		return false
	}
	// Parse maps 00-68 to 2000-2068; old IDs are all 19xx births.
	return t.Format("060102") == s[6:12]
}

func luhn(s string) bool {
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// foldDigits turns full-width digits, dash and space (０-９, －, U+3000)
// into ASCII so numbers typed with a Chinese IME are found too.
func foldDigits(s string) string {
	if !strings.ContainsAny(s, "０１２３４５６７８９－　ｘＸ") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '－':
			return '-'
		case r == '　':
			return ' '
		case r == 'ｘ' || r == 'Ｘ':
			return 'X'
		}
		return r
	}, s)
}

// MaskPersonalData replaces every personal number in s with its masked
// form: IDs and bank cards keep their first and last four digits
// (3701**********1234), mobiles the first three and last four
// (138****5678). It reports how many it masked. Text without personal
// numbers comes back unchanged.
func MaskPersonalData(s string) (string, int) {
	hits := scanPersonal(s)
	if len(hits) == 0 {
		return s, 0
	}
	s = foldDigits(s)
	var b strings.Builder
	prev := 0
	for _, h := range hits {
		b.WriteString(s[prev:h.Start])
		b.WriteString(maskDigits(h.Kind, h.Digits))
		prev = h.End
	}
	b.WriteString(s[prev:])
	return b.String(), len(hits)
}

func maskDigits(kind, d string) string {
	keep := 4
	if kind == KindMobile {
		keep = 3
	}
	return d[:keep] + strings.Repeat("*", len(d)-keep-4) + d[len(d)-4:]
}
