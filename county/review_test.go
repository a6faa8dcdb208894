package county

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sunboard/sunboard/feed/publish"
)

// reviewCounty is a repository with township 370783-101 delegated (its
// reviewer key returned), village 370783-101-001 published from the
// sample folder, a second village of the same township and one village of
// the undelegated township 370783-102.
func reviewCounty(t *testing.T) (repo, key string, dirs map[string]string) {
	t.Helper()
	repo = filepath.Join(t.TempDir(), "repo")
	if _, err := publish.Init(repo, publish.InitOpts{}); err != nil {
		t.Fatal(err)
	}
	r, err := publish.Open(repo)
	if err != nil {
		t.Fatal(err)
	}
	if key, err = r.AddTownship("370783-101", "古城街道"); err != nil {
		t.Fatal(err)
	}
	dirs = map[string]string{}
	for _, id := range []string{"370783-101-001", "370783-101-002", "370783-102-001"} {
		d := filepath.Join(t.TempDir(), id)
		if err := os.CopyFS(d, os.DirFS(sampleDir)); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(d, "village.toml"), []byte("id = \""+id+"\"\nname = \"东升村\"\n"), 0o644)
		dirs[id] = d
	}
	return repo, key, dirs
}

func TestReview(t *testing.T) {
	t.Setenv("SUNPUB_USER", "clerk-wang")
	type step struct {
		name     string
		do       func(t *testing.T, repo, key string, dirs map[string]string)
		township string
		// want is village/item of every waiting item, in order.
		want []string
		// out must appear in the report.
		out []string
	}
	publishDirs := func(ids ...string) func(*testing.T, string, string, map[string]string) {
		return func(t *testing.T, repo, _ string, dirs map[string]string) {
			var ds []string
			for _, id := range ids {
				ds = append(ds, dirs[id])
			}
			if err := Publish(repo, ds, &strings.Builder{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	approve := func(village string) func(*testing.T, string, string, map[string]string) {
		return func(t *testing.T, repo, key string, _ map[string]string) {
			if _, err := publish.Approve(repo, key, village); err != nil {
				t.Fatal(err)
			}
		}
	}
	finish := func(t *testing.T, repo, _ string, _ map[string]string) {
		r, _ := publish.Open(repo)
		if _, _, err := r.Finish(); err != nil {
			t.Fatal(err)
		}
	}
	edit := func(t *testing.T, repo, key string, dirs map[string]string) {
		p := filepath.Join(dirs["370783-101-001"], "2026-11-village-meeting.md")
		b, _ := os.ReadFile(p)
		os.WriteFile(p, append(b, "\n会议地点改在村文化广场。\n"...), 0o644)
		publishDirs("370783-101-001")(t, repo, key, dirs)
	}
	all := []string{"2026-10-finance", "2026-11-cold-wave", "2026-11-party-meeting", "2026-11-village-meeting"}
	prefixed := func(v string, ids []string) []string {
		var out []string
		for _, id := range ids {
			out = append(out, v+"/"+id)
		}
		return out
	}
	steps := []step{
		{name: "nothing published", township: "370783-101",
			out: []string{"没有待审核的内容 / nothing is waiting for approval (township 370783-101)"}},
		{name: "one village waits", do: publishDirs("370783-101-001", "370783-102-001"), township: "370783-101",
			want: prefixed("370783-101-001", all),
			out:  []string{"approvals 审核签名: 1/2", "by clerk-wang", "2026-10-finance  「", "preview 预览: ", "sunpub approve --repo"}},
		{name: "wrong township sees nothing", township: "370783-102",
			out: []string{"没有待审核的内容 / nothing is waiting for approval (township 370783-102)"}},
		{name: "second village waits too", do: publishDirs("370783-101-002"), township: "",
			want: append(prefixed("370783-101-001", all), prefixed("370783-101-002", all)...)},
		{name: "approved items disappear", do: approve("370783-101-001"), township: "370783-101",
			out: []string{"approved (2/2 signatures), waits for sunpub publish", "没有待审核的内容"}},
		{name: "published: nothing waits", do: finish, township: "370783-101",
			out: []string{"没有待审核的内容"}},
		{name: "one edited item waits alone", do: edit, township: "370783-101",
			want: []string{"370783-101-001/2026-11-village-meeting"}},
		{name: "undelegated township: nothing waits", do: publishDirs("370783-102-001"), township: "370783-102",
			out: []string{"没有待审核的内容 / nothing is waiting for approval (township 370783-102)"}},
	}
	repo, key, dirs := reviewCounty(t)
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.do != nil {
				s.do(t, repo, key, dirs)
			}
			out := t.TempDir()
			var rep strings.Builder
			items, err := Review(repo, ReviewOpts{Township: s.township, OutDir: out, At: "2026-11-22T09:30"}, &rep)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range items {
				got = append(got, it.Village+"/"+it.ID)
				if it.Title == "" || it.Category == "" || it.SubmittedBy != "clerk-wang" || it.SubmittedAt.IsZero() || it.Needed != 2 || it.Signatures != 1 || len(it.Privacy) == 0 {
					t.Errorf("%s/%s: %+v", it.Village, it.ID, it)
				}
				if len(it.Previews) < 2 {
					t.Errorf("%s/%s: previews %v", it.Village, it.ID, it.Previews)
				}
				for _, p := range it.Previews {
					if !strings.Contains(rep.String(), p) {
						t.Errorf("report does not name %s", p)
					}
					f, err := os.Open(p)
					if err != nil {
						t.Fatal(err)
					}
					img, err := png.Decode(f)
					f.Close()
					if err != nil || img.Bounds().Dx() < 1280/2 {
						t.Errorf("%s: decode: %v", p, err)
					} else if img.Bounds().Dx() < 1280/2 {
						t.Errorf("%s: %v, want at least half of 1280 wide", p, img.Bounds())
					}
				}
			}
			if strings.Join(got, " ") != strings.Join(s.want, " ") {
				t.Errorf("waiting = %v\nwant      %v", got, s.want)
			}
			for _, o := range s.out {
				if !strings.Contains(rep.String(), o) {
					t.Errorf("report lacks %q:\n%s", o, rep.String())
				}
			}
		})
	}
}

func TestReviewTownshipKey(t *testing.T) {
	repo, key, dirs := reviewCounty(t)
	if err := Publish(repo, []string{dirs["370783-101-001"]}, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	var rep strings.Builder
	items, err := Review(repo, ReviewOpts{TownshipKey: key, OutDir: t.TempDir()}, &rep)
	if err != nil || len(items) != 4 {
		t.Fatalf("items %d, err %v", len(items), err)
	}
	if _, err := Review(repo, ReviewOpts{TownshipKey: key, Township: "370783-102"}, &rep); err == nil || !strings.Contains(err.Error(), "is for township 370783-101") {
		t.Errorf("mismatched --township: %v", err)
	}
	// The fleet page's list: the same items, nothing drawn.
	ws, err := WaitingForFleet(repo)
	if err != nil || len(ws) != 4 || ws[0].Village != "370783-101-001" || ws[0].Needed != 2 || ws[0].SubmittedBy == "" {
		t.Errorf("WaitingForFleet = %+v, %v", ws, err)
	}
}

// TestReviewAfterTownshipAdd: villages the county published alone, then
// handed to a new township, wait for nothing item by item, but the
// township's first version still needs its signature.
func TestReviewAfterTownshipAdd(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "repo")
	if _, err := publish.Init(repo, publish.InitOpts{}); err != nil {
		t.Fatal(err)
	}
	if err := Publish(repo, []string{sampleDir}, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	r, _ := publish.Open(repo)
	if _, err := r.AddTownship("370783-101", "古城街道"); err != nil {
		t.Fatal(err)
	}
	var rep strings.Builder
	items, err := Review(repo, ReviewOpts{Township: "370783-101", OutDir: t.TempDir()}, &rep)
	if err != nil || len(items) != 0 {
		t.Fatalf("items %v, err %v", items, err)
	}
	if !strings.Contains(rep.String(), "no item changed against what boards show, still needs the township's signature") {
		t.Errorf("report:\n%s", rep.String())
	}
}
