package render

import "strings"

// formatAmount turns a canonical decimal ("1234.5", "-30") into the form
// villagers read on paper: thousands separators and exactly two decimals
// (1,234.50). It rounds half away from zero on the digits themselves, so no
// float ever touches money. ok is false when s is not a plain decimal.
func formatAmount(s string) (out string, ok bool) {
	s = strings.TrimSpace(s)
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	ip, fp, _ := strings.Cut(s, ".")
	if ip == "" && fp == "" || !allDigits(ip) || !allDigits(fp) {
		return "", false
	}
	if ip == "" {
		ip = "0"
	}
	fp += "000"
	digits := []byte(ip + fp[:2])
	if fp[2] >= '5' {
		// Carry through the digits.
		i := len(digits) - 1
		for ; i >= 0; i-- {
			if digits[i] == '9' {
				digits[i] = '0'
				continue
			}
			digits[i]++
			break
		}
		if i < 0 {
			digits = append([]byte{'1'}, digits...)
		}
	}
	intPart := strings.TrimLeft(string(digits[:len(digits)-2]), "0")
	if intPart == "" {
		intPart = "0"
	}
	frac := string(digits[len(digits)-2:])
	var b strings.Builder
	if neg && (intPart != "0" || frac != "00") {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteByte('.')
	b.WriteString(frac)
	return b.String(), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
