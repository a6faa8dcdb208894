package content

import (
	"strings"
	"testing"
)

func TestCanonicalAmount(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"1234.5", "1234.50", ""},
		{"1234.50元", "1234.50", ""},
		{"¥1,234.50", "1234.50", ""},
		{"￥1234.5", "1234.50", ""},
		{"RMB 1,234.50", "1234.50", ""},
		{"（123.00）", "-123.00", ""},
		{"(123.00)", "-123.00", ""},
		{"(1,234.5)元", "-1234.50", ""},
		{"-123", "-123.00", ""},
		{"－123", "-123.00", ""},
		{"−123", "-123.00", ""},
		{"+123", "123.00", ""},
		{"１２３４．５０", "1234.50", ""},
		{"１，２３４．５", "1234.50", ""},
		{"1.2万", "12000.00", ""},
		{"1.2万元", "12000.00", ""},
		{"3万", "30000.00", ""},
		{"0.0001万", "1.00", ""},
		{"1.234567万", "12345.67", ""},
		{"1 234 567.50", "1234567.50", ""},
		{"1\u00a0234.50", "1234.50", ""},
		{"1\u2009234.50", "1234.50", ""},
		{" 86400 ", "86400.00", ""},
		{"0", "0.00", ""},
		{"12.345", "", "at most two decimals"},
		{"1.2345678万", "", "at most two decimals"},
		{"12,34", "", "thousands separators"},
		{"1,2345.00", "", "thousands separators"},
		{"1234,567", "", "thousands separators"},
		{",123", "", "thousands separators"},
		{"-(123)", "", ""}, // error text checked below only for non-empty err
		{"(-123)", "", "brackets and a minus"},
		{"一百元", "", "digits"},
		{"12元5角", "", "digits"},
		{"", "", "digits"},
		{"1e5", "", "digits"},
		{"99999999999999999", "", "out of range"},
	}
	for _, tt := range tests {
		got, err := canonicalAmount(tt.in)
		if tt.want != "" {
			if err != nil || got != tt.want {
				t.Errorf("canonicalAmount(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("canonicalAmount(%q) = %q, want an error", tt.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tt.err) || zhOf(err) == "" {
			t.Errorf("canonicalAmount(%q) error = %v (zh %q), want %q and a Chinese text", tt.in, err, zhOf(err), tt.err)
		}
	}
}

func FuzzCanonicalAmount(f *testing.F) {
	for _, s := range []string{"1234.50元", "¥1,234.50", "（123.00）", "１２３４．５０", "1.2万", "1 234.50", "-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := canonicalAmount(s)
		if err != nil {
			return
		}
		// A canonical amount is its own canonical form.
		if again, err := canonicalAmount(c); err != nil || again != c {
			t.Errorf("canonicalAmount(%q) = %q, then %q, %v", s, c, again, err)
		}
	})
}
