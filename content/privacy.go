package content

import (
	"regexp"
	"sort"
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
	// card and phone numbers. Unbounded, so a long run is split into
	// groups rather than cut off mid-number (a cut-off card would surface
	// once its neighbour was masked); windows of groups stop at 19 digits.
	digitRun = regexp.MustCompile(`[0-9][0-9 \-]{9,}[0-9Xx]`)
	// sepRun splits a run into the groups the writer typed.
	sepRun = regexp.MustCompile(`[ \-]+`)
)

// Kinds of personal data, as messages name them.
const (
	KindID     = "ID card number (身份证号)"
	KindMobile = "mobile phone number (手机号)"
	KindBank   = "bank card number (银行卡号)"
	// KindPhone is a landline (0536-5211234), or any long number in a
	// column headed 电话 / 联系方式 that is not a mobile.
	KindPhone = "phone number (电话号码)"
	// KindHealth is an illness or disability named in a table: 民政 lists
	// may show who gets how much, never why in medical terms.
	KindHealth = "health detail (健康状况)"
)

// personalHit is one personal number found in a string: s[Start:End] as
// typed (separators included), Digits without separators, Masked what is
// published instead.
type personalHit struct {
	Start, End int
	Kind       string
	Digits     string
	Masked     string
}

// findPersonalData names each kind of personal number found in s.
func findPersonalData(s string) []string {
	return kindsOf(scanPersonal(s))
}

func kindsOf(hits []personalHit) []string {
	var found []string
	seen := map[string]bool{}
	for _, h := range hits {
		if !seen[h.Kind] {
			seen[h.Kind] = true
			found = append(found, h.Kind)
		}
	}
	return found
}

// parenLandline is a landline written with its area code in brackets,
// (0536)5211234 or （0536）521 1234, which digitRun sees as two short runs.
var parenLandline = regexp.MustCompile(`[(（] ?(0[0-9]{2,3}) ?[)）][ \-]?([0-9]{3,4})[ \-]?([0-9]{3,5})`)

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
			// The longest window from group i wins: a card typed
			// "6222 0216 0200 1234 568" is one card, not a 16-digit
			// card and a stray 568.
			var best *personalHit
			bestJ := i
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
				kind, masked := classify(d, lens)
				if kind == "" {
					continue
				}
				best = &personalHit{Start: loc[0] + groups[i].start, End: loc[0] + groups[j].end, Kind: kind, Digits: d, Masked: masked}
				bestJ = j
			}
			if best != nil {
				hits = append(hits, *best)
				i = bestJ // groups used by a hit are not reused
			}
		}
	}
	for _, m := range parenLandline.FindAllStringSubmatchIndex(s, -1) {
		if m[1] < len(s) && s[m[1]] >= '0' && s[m[1]] <= '9' {
			continue // more digits follow: not a phone number as written
		}
		area := s[m[2]:m[3]]
		sub := s[m[4]:m[5]] + s[m[6]:m[7]]
		if kind, masked := classify(area+sub, []int{len(area), len(sub)}); kind == KindPhone {
			hits = append(hits, personalHit{Start: m[0], End: m[1], Kind: kind, Digits: area + sub, Masked: masked})
		}
	}
	return dropOverlaps(hits)
}

// dropOverlaps sorts hits by position and keeps the first of any that
// overlap, so a masked string is built left to right without clashes.
func dropOverlaps(hits []personalHit) []personalHit {
	if len(hits) < 2 {
		return hits
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Start < hits[j].Start })
	out := hits[:1]
	for _, h := range hits[1:] {
		if h.Start >= out[len(out)-1].End {
			out = append(out, h)
		}
	}
	return out
}

// classify names the kind of personal number d is when typed in groups of
// lens, and its masked form; "" when it is none.
func classify(d string, lens []int) (kind, masked string) {
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
	// A wrong check digit is a typo in a real person's number far more
	// often than an 18-digit serial that happens to start with a
	// province and a birth date, so both are ID numbers.
	case len(d) == 18 && (isIDCard(d) || isIDShape(d)) && shape(6, 8, 4):
		return KindID, maskDigits(KindID, d)
	case len(d) == 15 && isOldIDCard(d) && shape(6, 6, 3):
		return KindID, maskDigits(KindID, d)
	case len(d) == 11 && isMobile(d) && (len(lens) == 1 || shape(3, 4, 4) && len(lens) == 3 && lens[0] == 3):
		return KindMobile, maskDigits(KindMobile, d)
	// Cards are checked by Luhn, but a clerk's typo fails it; a card
	// issuer's prefix is enough.
	case len(d) >= 16 && len(d) <= 19 && allDigits(d) && (luhn(d) || isCardPrefix(d)) && shape():
		return KindBank, maskDigits(KindBank, d)
	}
	if area := landlineArea(d, lens); area > 0 {
		return KindPhone, d[:area] + "-" + strings.Repeat("*", len(d)-area)
	}
	return "", ""
}

// isIDShape is an 18-character resident ID whatever its check digit: a
// province code, then a real birth date (YYYYMMDD, 1900-2099), then a
// sequence and a digit or X. The date range is fixed rather than taken
// from the clock so a board without RTC judges exactly as sunpub did.
func isIDShape(s string) bool {
	if len(s) != 18 || !allDigits(s[:17]) || !provinces[s[:2]] {
		return false
	}
	if c := s[17]; (c < '0' || c > '9') && c != 'X' && c != 'x' {
		return false
	}
	t, err := time.Parse("20060102", s[6:14])
	return err == nil && t.Year() >= 1900 && t.Year() <= 2099
}

// isCardPrefix: UnionPay (62), older domestic debit cards (60, 95 such as
// ICBC's 9558), Visa (4), Mastercard (51-55) and JCB (35).
func isCardPrefix(d string) bool {
	switch {
	case strings.HasPrefix(d, "62"), strings.HasPrefix(d, "60"), strings.HasPrefix(d, "95"),
		strings.HasPrefix(d, "4"), strings.HasPrefix(d, "35"):
		return true
	case d[0] == '5' && d[1] >= '1' && d[1] <= '5':
		return true
	}
	return false
}

// landlineArea returns the length of the area code when d is a landline
// (0 + a 2-3 digit area code + a 7-8 digit number not starting with 0 or
// 1), typed whole or as area code then number groups; 0 when it is not.
func landlineArea(d string, lens []int) int {
	if len(d) < 10 || len(d) > 12 || !allDigits(d) || d[0] != '0' {
		return 0
	}
	var area int
	switch {
	case d[1] == '1' && d[2] == '0', d[1] == '2':
		area = 3 // 010 Beijing, 02x the big cities
	case d[1] >= '3' && d[1] <= '9':
		area = 4
	default:
		return 0
	}
	sub := len(d) - area
	if sub < 7 || sub > 8 || d[area] < '2' {
		return 0
	}
	if len(lens) > 1 {
		if lens[0] != area {
			return 0
		}
		for _, n := range lens[1:] {
			if n < 3 {
				return 0
			}
		}
	}
	return area
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
// (138****5678), landlines their area code only (0536-*******). It
// reports how many it masked. Text without personal numbers comes back
// unchanged.
func MaskPersonalData(s string) (string, int) {
	m, hits := maskAll(s)
	return m, len(hits)
}

// maskAll masks every personal number in s and returns what it masked.
// Masking keeps a few digits beside the stars, and those can complete a
// number with the digits next to them (0536 521 6222… leaves "0536 521
// 6222", a landline), so s is scanned again until nothing is found; each
// pass hides at least four digits, so this ends.
func maskAll(s string) (string, []personalHit) {
	var all []personalHit
	for {
		hits := scanPersonal(s)
		if len(hits) == 0 {
			return s, all
		}
		s = applyMasks(foldDigits(s), hits)
		all = append(all, hits...)
	}
}

// applyMasks replaces each hit's span of s (non-overlapping, in order)
// with its masked form.
func applyMasks(s string, hits []personalHit) string {
	var b strings.Builder
	prev := 0
	for _, h := range hits {
		b.WriteString(s[prev:h.Start])
		b.WriteString(h.Masked)
		prev = h.End
	}
	b.WriteString(s[prev:])
	return b.String()
}

func maskDigits(kind, d string) string {
	keep := 4
	if kind == KindMobile {
		keep = 3
	}
	if len(d) < keep+8 {
		return strings.Repeat("*", len(d)) // too short to keep any digit
	}
	return d[:keep] + strings.Repeat("*", len(d)-keep-4) + d[len(d)-4:]
}

// Column headers that name a person's identity, contact or account
// number, and the kind a number in such a column is. In these columns a
// number is personal whatever its checksum or length: a clerk's typo in
// an ID or card number still identifies the person.
var columnKinds = []struct {
	words []string
	kind  string
}{
	// Not 社保 or 医保 alone: 社保补贴（元） is a column of amounts.
	{[]string{"身份证", "证件", "证号", "身份号", "保障卡", "护照"}, KindID},
	{[]string{"银行卡", "卡号", "账号", "帐号", "账户", "帐户", "存折", "折号"}, KindBank},
	{[]string{"电话", "手机", "联系方式", "联系号码", "固话", "座机", "微信"}, KindPhone},
}

// columnKind returns the kind of number a column headed h holds, or "".
func columnKind(h string) string {
	for _, ck := range columnKinds {
		for _, w := range ck.words {
			if strings.Contains(h, w) {
				return ck.kind
			}
		}
	}
	return ""
}

// longRun is a run of digits as people type them in an ID, card or phone
// column: spaces and dashes inside, an X at the end.
var longRun = regexp.MustCompile(`[0-9](?:[0-9 \-]*[0-9])?[Xx]?`)

// minColumnDigits: in an identity/contact/account column this many digits
// are a number worth hiding (a 7-digit local phone number is the
// shortest); 序号, ages and counts stay well below it.
const minColumnDigits = 7

// Health details: words naming an illness or disability, and column
// headers whose every value is one. 重度残疾人护理补贴 and other subsidy
// names are not matched (重度残疾, 失能: they say what is paid, and the
// list is public), nor 病虫害, 病险水库 or 中风险.
var (
	healthTerms = regexp.MustCompile(`(?:[一二三四1-4]级|肢体|智力|精神|视力|听力|言语|多重)残疾|残疾(?:[一二三四1-4]级|证)|伤残[一二三四五六七八九十1-9]+级|` +
		`重病|大病|重症|慢性病|慢病|患病|患有|因病|因残|癌|肿瘤|白血病|尿毒症|精神病|精神分裂|抑郁症|瘫痪|偏瘫|截瘫|脑梗|脑瘫|脑溢血|透析|艾滋|HIV|痴呆|住院`)
	healthColumns = []string{"健康", "身体状况", "病种", "病情", "疾病", "残疾", "伤残", "诊断", "病因"}
)

// isHealthColumn reports whether every value of a column headed h is a
// health detail (健康状况, 病种, 残疾等级 …). A money column such as
// 残疾人补贴（元） is not: its values are amounts.
func isHealthColumn(h string) bool {
	for _, w := range amountWords {
		if strings.Contains(h, w) {
			return false
		}
	}
	for _, w := range healthColumns {
		if strings.Contains(h, w) {
			return true
		}
	}
	return false
}

// healthMask stands for a masked health detail: it says something was
// hidden, never how long it was.
const healthMask = "**"

// emptyValue: what a clerk writes in a cell with nothing to say.
func emptyValue(s string) bool {
	s = strings.TrimSpace(s)
	return strings.Trim(s, "*＊") == "" || s == "无" || s == "-" || s == "—" || s == "/" || s == "／"
}

// scanCell finds personal data in one table cell whose column is headed
// header, and returns the cell as published when it is masked: the
// numbers scanPersonal finds anywhere, then in identity/contact/account
// columns any remaining run of minColumnDigits digits, then health
// details. A masked cell has none left (FuzzMaskCell).
func scanCell(header, cell string) (masked string, hits []personalHit) {
	masked = cell
	for {
		m, more := scanCellOnce(header, masked)
		if len(more) == 0 {
			return masked, hits
		}
		masked, hits = m, append(hits, more...)
	}
}

// scanCellOnce is one pass of scanCell; masking can complete a number
// with its neighbours, so scanCell repeats it until nothing is found.
func scanCellOnce(header, cell string) (masked string, hits []personalHit) {
	masked, hits = maskAll(cell)
	if kind := columnKind(header); kind != "" {
		var more []personalHit
		s := foldDigits(masked)
		for _, loc := range longRun.FindAllStringIndex(s, -1) {
			var d strings.Builder
			for _, r := range s[loc[0]:loc[1]] {
				if r >= '0' && r <= '9' || r == 'X' || r == 'x' {
					d.WriteRune(r)
				}
			}
			digits := strings.TrimRight(d.String(), "Xx")
			if len(digits) < minColumnDigits {
				continue
			}
			more = append(more, personalHit{Start: loc[0], End: loc[1], Kind: kind, Digits: d.String(), Masked: maskColumnDigits(d.String())})
		}
		if len(more) > 0 {
			masked = applyMasks(s, more)
			hits = append(hits, more...)
		}
	}
	switch {
	case isHealthColumn(header) && !emptyValue(masked):
		hits = append(hits, personalHit{Kind: KindHealth, Masked: healthMask})
		masked = healthMask
	case healthTerms.MatchString(masked):
		masked = healthTerms.ReplaceAllString(masked, healthMask)
		hits = append(hits, personalHit{Kind: KindHealth, Masked: masked})
	}
	return masked, hits
}

// findPersonalCell names each kind of personal data in a table cell.
func findPersonalCell(header, cell string) []string {
	_, hits := scanCell(header, cell)
	return kindsOf(hits)
}

// maskColumnDigits masks a number found only because of its column: card
// length keeps the first and last four like a card, anything shorter is
// hidden whole (the last four of a 7-digit phone are most of it).
func maskColumnDigits(d string) string {
	if len(d) >= 16 {
		return d[:4] + strings.Repeat("*", len(d)-8) + d[len(d)-4:]
	}
	return strings.Repeat("*", len(d))
}
