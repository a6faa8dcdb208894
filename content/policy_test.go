package content

import (
	"strings"
	"testing"
)

// TestPolicyErrors: a mistake in policy.toml is named with its line and
// told how to fix it, in English and Chinese.
func TestPolicyErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"category outside [categories]", "default = \"refuse\"\n\"村务公开/社会救助\" = \"mask\"\n",
			[]string{"privacy policy /srv/county/policy.toml:2: unknown key \"村务公开/社会救助\": a category's rule goes under [categories]",
				"类别规则要写在 [categories] 下面，先写一行 [categories]，再写 \"村务公开/社会救助\" = \"mask\""}},
		{"bare category key", "财务公开 = \"mask\"\n", []string{"policy.toml:1: ", "a category must be quoted and under [categories], e.g. [categories] then \"财务公开\" = \"mask\"", "类别要加英文双引号"}},
		{"misspelt setting", "\ndefualt = \"mask\"\n", []string{"policy.toml:2: unknown key \"defualt\": policy.toml holds default", "只能写 default 和 [categories]"}},
		{"bad action", "[categories]\n\"财务公开\" = \"hide\"\n", []string{"policy.toml:2: categories.财务公开 = \"hide\": use \"mask\" or \"refuse\" / 只能填 mask 或 refuse"}},
		{"bad default", "default = \"show\"\n", []string{"policy.toml:1: default = \"show\""}},
		{"syntax", "default = \n", []string{"privacy policy /srv/county/policy.toml:1:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(tt.in), "/srv/county/policy.toml")
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error = %v\nwant it to contain %q", err, w)
				}
			}
		})
	}
	// The README's example, as written there, parses.
	p, err := ParsePolicy([]byte("default = \"refuse\"\n\n[categories]\n\"村务公开/社会救助\" = \"mask\"\n\"财务公开\"          = \"mask\"\n"), "policy.toml")
	if err != nil || p.For("村务公开/社会救助/低保") != Mask {
		t.Errorf("README policy: %v", err)
	}
}
