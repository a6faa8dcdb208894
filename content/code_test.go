package content

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestItemCode(t *testing.T) {
	for _, c := range []struct{ id, want string }{
		{"2026-11-07", "2026-11-07"},      // digits and dashes: as it is
		{"2026-11-cold-wave", "2026-11-"}, // date kept, then three digits
		{"2026-10-finance", "2026-10-"},
		{"notice", ""},       // no date: three digits
		{"2026q4-dibao", ""}, // 2026q4 is no date part
	} {
		got := ItemCode(c.id)
		if strings.Trim(c.id, "0123456789-") == "" {
			if got != c.want {
				t.Errorf("ItemCode(%q) = %q, want %q", c.id, got, c.want)
			}
			continue
		}
		rest, ok := strings.CutPrefix(got, c.want)
		if !ok || len(rest) != 3 || strings.Trim(rest, "0123456789") != "" {
			t.Errorf("ItemCode(%q) = %q, want %q and three digits", c.id, got, c.want)
		}
		if strings.ContainsAny(got, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			t.Errorf("ItemCode(%q) = %q has Latin letters", c.id, got)
		}
		if again := ItemCode(c.id); again != got {
			t.Errorf("ItemCode(%q) not stable: %q then %q", c.id, got, again)
		}
	}
	if ItemCode("2026-11-cold-wave") == ItemCode("2026-11-road-repair") {
		t.Error("two names made the same code (possible, but not for these)")
	}
}

func TestItemCodeFrontMatterAndClash(t *testing.T) {
	village := "id = \"370783-101-001\"\nname = \"东升村\"\ntownship = \"370783-101\"\n"
	item := func(title, extra string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("---\ntitle: " + title + "\ncategory: 村务公开/通告栏\npublish: 2026-11-20\nuntil: 2026-11-30\n" + extra + "---\n正文。\n")}
	}
	v, err := Load(fstest.MapFS{
		"village.toml":         {Data: []byte(village)},
		"2026-11-cold-wave.md": item("寒潮", ""),
		"2026-11-meeting.md":   item("会议", "number: 2026-村-07\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{}
	for _, it := range v.Items {
		codes[it.ID] = it.Code
	}
	if codes["2026-11-meeting"] != "2026-村-07" {
		t.Errorf("front matter number: %q", codes["2026-11-meeting"])
	}
	if codes["2026-11-cold-wave"] != ItemCode("2026-11-cold-wave") {
		t.Errorf("made code: %q", codes["2026-11-cold-wave"])
	}

	_, err = Load(fstest.MapFS{
		"village.toml":         {Data: []byte(village)},
		"2026-11-cold-wave.md": item("寒潮", ""),
		"2026-11-meeting.md":   item("会议", "number: "+ItemCode("2026-11-cold-wave")+"\n"),
	})
	if err == nil || !strings.Contains(err.Error(), "2026-11-cold-wave.md") || !strings.Contains(err.Error(), "number") {
		t.Errorf("a clash of 编号: %v, want an error naming the other file and number:", err)
	}
	_, err = Load(fstest.MapFS{
		"village.toml":       {Data: []byte(village)},
		"2026-11-meeting.md": item("会议", "number: 2026 村 07\n"),
	})
	if err == nil || !strings.Contains(err.Error(), "2026-11-meeting.md:6") {
		t.Errorf("a number with spaces: %v, want an error at 2026-11-meeting.md:6", err)
	}
}
