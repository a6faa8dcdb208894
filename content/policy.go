package content

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// Action is what publishing does with personal numbers in an item.
type Action int

const (
	// Refuse stops the publish and names every number found (the default:
	// a county must opt in to masking, category by category).
	Refuse Action = iota
	// Mask publishes the item with each number masked (3701**********1234).
	Mask
)

func (a Action) String() string {
	if a == Mask {
		return "mask"
	}
	return "refuse"
}

// Policy is the county's rule for personal numbers, per category. It is
// one small file the county keeps beside its repository (policy.toml):
//
//	default = "refuse"
//	[categories]
//	"村务公开/社会救助" = "mask"
//	"财务公开"          = "mask"
//
// A key matches a category equal to it or below it ("财务公开" covers
// "财务公开/收支情况"); the longest matching key wins.
type Policy struct {
	Default    Action
	Categories map[string]Action
}

type policyFile struct {
	Default    string            `toml:"default"`
	Categories map[string]string `toml:"categories"`
}

// LoadPolicy reads a policy.toml.
func LoadPolicy(path string) (*Policy, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read privacy policy %q: %w", path, err)
	}
	return ParsePolicy(raw, path)
}

// ParsePolicy parses policy.toml bytes; name is used in errors.
func ParsePolicy(raw []byte, name string) (*Policy, error) {
	var pf policyFile
	md, err := toml.Decode(string(raw), &pf)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			line := perr.Position.Line
			if key, _, ok := strings.Cut(lineAt(raw, line), "="); ok && looksLikeCategory(key) && !strings.ContainsAny(key, "\"'") {
				k := strings.TrimSpace(key)
				return nil, fmt.Errorf("privacy policy %s:%d: %s: a category must be quoted and under [categories], e.g. [categories] then %q = \"mask\" / 类别要加英文双引号，并写在 [categories] 下面：先写一行 [categories]，再写 %q = \"mask\"",
					name, line, perr.Message, k, k)
			}
			return nil, fmt.Errorf("privacy policy %s:%d: %s / 第%d行格式有误", name, line, perr.Message, line)
		}
		return nil, fmt.Errorf("privacy policy %s: %w", name, err)
	}
	var bad []string
	// at prefixes a problem with the file and, when known, its line.
	at := func(line int) string {
		if line > 0 {
			return fmt.Sprintf("%s:%d", name, line)
		}
		return name
	}
	for _, k := range md.Undecoded() {
		key := k[len(k)-1]
		line := tomlKeyLine(raw, key)
		if len(k) == 1 && looksLikeCategory(key) {
			// The README once showed a category rule without its
			// section; say where it goes rather than just "unknown".
			bad = append(bad, fmt.Sprintf("%s: unknown key %q: a category's rule goes under [categories]: put a line [categories] above it / 未知的设置项：类别规则要写在 [categories] 下面，先写一行 [categories]，再写 %q = \"mask\"",
				at(line), key, key))
			continue
		}
		bad = append(bad, fmt.Sprintf("%s: unknown key %q: policy.toml holds default = \"refuse\" or \"mask\" and a [categories] section / 未知的设置项：只能写 default 和 [categories]", at(line), k.String()))
	}
	parse := func(where string, line int, v string) Action {
		switch strings.TrimSpace(v) {
		case "", "refuse":
			return Refuse
		case "mask":
			return Mask
		}
		bad = append(bad, fmt.Sprintf("%s: %s = %q: use \"mask\" or \"refuse\" / 只能填 mask 或 refuse", at(line), where, v))
		return Refuse
	}
	p := &Policy{Default: parse("default", tomlKeyLine(raw, "default"), pf.Default), Categories: map[string]Action{}}
	keys := make([]string, 0, len(pf.Categories))
	for k := range pf.Categories {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c := strings.Trim(strings.TrimSpace(k), "/")
		if c == "" {
			bad = append(bad, fmt.Sprintf("%s: empty category key %q / 类别不能为空", at(tomlKeyLine(raw, k)), k))
			continue
		}
		p.Categories[c] = parse("categories."+k, tomlKeyLine(raw, k), pf.Categories[k])
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("privacy policy %s", strings.Join(bad, "\nprivacy policy "))
	}
	return p, nil
}

// For returns the action for a category. A nil Policy refuses everything.
func (p *Policy) For(category string) Action {
	if p == nil {
		return Refuse
	}
	best, act := -1, p.Default
	for k, a := range p.Categories {
		if (category == k || strings.HasPrefix(category, k+"/")) && len(k) > best {
			best, act = len(k), a
		}
	}
	return act
}

// looksLikeCategory: a key naming a category (村务公开/社会救助), not a
// misspelt setting.
func looksLikeCategory(key string) bool {
	if strings.Contains(key, "/") {
		return true
	}
	for _, r := range key {
		if r >= 0x80 {
			return true
		}
	}
	return false
}

// tomlKeyLine is the 1-based line where key is set in raw, bare or
// quoted; 0 when it is not found.
func tomlKeyLine(raw []byte, key string) int {
	for i, l := range strings.Split(string(raw), "\n") {
		l = strings.TrimSpace(l)
		if l == "["+key+"]" {
			return i + 1
		}
		for _, form := range []string{`"` + key + `"`, `'` + key + `'`, key} {
			if rest, ok := strings.CutPrefix(l, form); ok && strings.HasPrefix(strings.TrimSpace(rest), "=") {
				return i + 1
			}
		}
	}
	return 0
}

// lineAt is the 1-based line n of raw, or "".
func lineAt(raw []byte, n int) string {
	lines := strings.Split(string(raw), "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	return lines[n-1]
}
