package render

import "testing"

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"1234.5", "1,234.50", true},
		{"0", "0.00", true},
		{"12", "12.00", true},
		{"999.995", "1,000.00", true},
		{"1234567.891", "1,234,567.89", true},
		{"-30", "-30.00", true},
		{"-0.001", "0.00", true},
		{".5", "0.50", true},
		{"100000", "100,000.00", true},
		{" 42.1 ", "42.10", true},
		{"00012.345", "12.35", true},
		{"abc", "", false},
		{"", "", false},
		{"1,234", "", false},
		{"1.2.3", "", false},
		{"-", "", false},
	}
	for _, tc := range tests {
		got, ok := formatAmount(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("formatAmount(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzFormatAmount(f *testing.F) {
	for _, s := range []string{"1234.5", "-0.005", "999.995", ".5", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := formatAmount(s)
		if !ok {
			return
		}
		if len(out) < 4 || out[len(out)-3] != '.' {
			t.Fatalf("formatAmount(%q) = %q: not two decimals", s, out)
		}
	})
}
