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
			return nil, fmt.Errorf("privacy policy %s:%d: %s", name, perr.Position.Line, perr.Message)
		}
		return nil, fmt.Errorf("privacy policy %s: %w", name, err)
	}
	var bad []string
	for _, k := range md.Undecoded() {
		bad = append(bad, fmt.Sprintf("unknown key %q (未知的设置项)", k.String()))
	}
	parse := func(where, v string) Action {
		switch strings.TrimSpace(v) {
		case "", "refuse":
			return Refuse
		case "mask":
			return Mask
		}
		bad = append(bad, fmt.Sprintf("%s = %q: use \"mask\" or \"refuse\" (只能填 mask 或 refuse)", where, v))
		return Refuse
	}
	p := &Policy{Default: parse("default", pf.Default), Categories: map[string]Action{}}
	keys := make([]string, 0, len(pf.Categories))
	for k := range pf.Categories {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c := strings.Trim(strings.TrimSpace(k), "/")
		if c == "" {
			bad = append(bad, fmt.Sprintf("empty category key %q (类别不能为空)", k))
			continue
		}
		p.Categories[c] = parse("categories."+k, pf.Categories[k])
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("privacy policy %s: %s", name, strings.Join(bad, "; "))
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
