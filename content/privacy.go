package content

import (
	"regexp"
	"strings"
)

// Personal data that must never reach a public screen (民政 rules for
// 低保 lists: household head, size and amount only). Both sunpub and the
// agent run Load, so this refuses at publish time and again on the board.
var (
	// Runs of digits, allowing the spaces or dashes people type inside bank
	// card and phone numbers.
	digitRun = regexp.MustCompile(`[0-9][0-9 \-]{9,30}[0-9Xx]`)
)

// findPersonalData names each kind of personal number found in s.
func findPersonalData(s string) []string {
	var found []string
	seen := map[string]bool{}
	add := func(kind string) {
		if !seen[kind] {
			seen[kind] = true
			found = append(found, kind)
		}
	}
	for _, loc := range digitRun.FindAllStringIndex(s, -1) {
		// A run glued to more digits or to a decimal point is an amount.
		if loc[0] > 0 && (s[loc[0]-1] == '.' || s[loc[0]-1] == ',') {
			continue
		}
		if loc[1] < len(s) && (s[loc[1]] == '.' || s[loc[1]] == ',') {
			continue
		}
		run := s[loc[0]:loc[1]]
		compact := strings.NewReplacer(" ", "", "-", "").Replace(run)
		switch {
		case len(compact) == 18 && isIDCard(compact):
			add("ID card number (身份证号)")
		case len(compact) == 11 && compact[0] == '1' && compact[1] >= '3' && compact[1] <= '9' && allDigits(compact):
			add("mobile phone number (手机号)")
		case len(compact) >= 16 && len(compact) <= 19 && allDigits(compact) && luhn(compact):
			add("bank card number (银行卡号)")
		}
	}
	return found
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
