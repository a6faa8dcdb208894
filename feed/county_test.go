package feed

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/sunboard/sunboard/feed/publish"
)

func (e *env) publishCounty(files map[string]string) {
	e.t.Helper()
	m := map[string][]byte{}
	for k, v := range files {
		m[k] = []byte(v)
	}
	if err := e.repo.PublishCounty(m); err != nil {
		e.t.Fatal(err)
	}
}

// merged is what a board shows: the village folder plus county under county/.
func merged(village, county map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range village {
		m[k] = v
	}
	for k, v := range county {
		m["county/"+k] = v
	}
	return m
}

var c1 = map[string]string{
	"2026-11-flood.md": "# 防汛紧急通知\n请沿河住户立即转移\n",
	"photos/x.jpg":     v1["photos/receipt.jpg"], // same bytes as a village photo
	"policy.md":        "# 低保政策\n",
}

// targetReqs returns the /targets/ requests since the last reset.
func targetReqs(e *env) []string {
	reqs, _ := e.cnt.reset()
	var out []string
	for _, r := range reqs {
		if strings.HasPrefix(r, "/targets/") {
			out = append(out, r)
		}
	}
	return out
}

func TestCountyItems(t *testing.T) {
	e := newEnv(t, nil)
	f := e.open()
	e.publish(v1)
	e.sync(f)
	before, _ := f.Current()

	e.publishCounty(c1)
	e.cnt.reset()
	if !e.sync(f) {
		t.Fatal("county publish did not change the version")
	}
	v := wantContent(t, f, merged(v1, c1))
	if v.Number <= before.Number {
		t.Errorf("Number %d not above %d", v.Number, before.Number)
	}
	// Content addressed: the county photo has the bytes of a village photo
	// already on the board, so it is not downloaded.
	for _, r := range targetReqs(e) {
		if strings.Contains(r, "photos") {
			t.Errorf("downloaded %s, already stored", r)
		}
	}
	// Same county set again: nothing changes, nothing fetched.
	e.publishCounty(c1)
	if e.sync(f) {
		t.Error("republishing the same county items changed the version")
	}
	// A village update keeps the county items and fetches none of them.
	e.publish(v2)
	if !e.sync(f) {
		t.Fatal("village update not synced")
	}
	wantContent(t, f, merged(v2, c1))
	for _, r := range targetReqs(e) {
		if strings.HasPrefix(r, "/targets/county/") {
			t.Errorf("village update fetched county target %s", r)
		}
	}
	// A county item removed is gone in the next version.
	c2 := with(c1, "photos/x.jpg", "")
	e.publishCounty(c2)
	if !e.sync(f) {
		t.Fatal("county removal not synced")
	}
	wantContent(t, f, merged(v2, c2))
	e.publishCounty(nil)
	if !e.sync(f) {
		t.Fatal("removing every county item not synced")
	}
	wantContent(t, f, v2)
	// And it survives a restart.
	wantContent(t, e.open(), v2)
}

func TestCountyItemsWithTownshipApproval(t *testing.T) {
	e, f, _ := liveTownship(t) // RequireTownship: village files need county + township
	e.publishCounty(c1)
	if !e.sync(f) {
		t.Fatal("county publish did not change the version")
	}
	wantContent(t, f, merged(v1, c1))
	wantContent(t, e.open(), merged(v1, c1))
}

func TestVillageCannotWriteCounty(t *testing.T) {
	e := newEnv(t, nil)
	err := e.repo.PublishVillage(village, map[string][]byte{"county/2026-11-flood.md": []byte("假通知")})
	if err == nil || !strings.Contains(err.Error(), "reserved for county-wide items") {
		t.Errorf("PublishVillage with county/ relpath: %v", err)
	}
}

// A township key signing county/*: the township's role is made to cover
// county/* (by the county's targets key, as a compromised county server
// could) and lists new county items signed by county and township keys,
// while the top-level targets no longer list them. The agent refuses.
func TestRefusedTownshipSignsCounty(t *testing.T) {
	e, f, key := liveTownship(t)
	e.publishCounty(c1)
	e.sync(f)
	old := merged(v1, c1)
	wantContent(t, f, old)

	// The reviewer tool refuses a staged role listing county/*.
	role := "township-" + twpA
	e.publishCounty(with(c1, "2026-11-flood.md", "# 假通知\n"))
	tg, _ := metadata.Targets().FromFile(e.county("signed", "targets.json"))
	county := map[string]*metadata.TargetFiles{}
	for p, tf := range tg.Signed.Targets {
		if strings.HasPrefix(p, "county/") {
			county[p] = tf
		}
	}
	md, _ := metadata.Targets().FromFile(e.county("signed", role+".json"))
	for p, tf := range county {
		md.Signed.Targets[p] = tf
	}
	md.Signed.Version++
	md.ClearSignatures()
	if _, err := md.Sign(keySigner(t, e.county("keys", "county.json"))); err != nil {
		t.Fatal(err)
	}
	b, _ := md.ToBytes(true)
	if err := os.WriteFile(e.county("staged", role+".json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := publish.Approve(e.county(), key, village); err == nil || !strings.Contains(err.Error(), "outside township") {
		t.Errorf("Approve of a role listing county/*: %v", err)
	}
	// The township key signs it anyway; a compromised county server publishes it.
	if _, err := md.Sign(keySigner(t, key)); err != nil {
		t.Fatal(err)
	}
	b, _ = md.ToBytes(true)
	e.forceSigned(role, b)
	e.forgeTargets("targets", func(tg *metadata.TargetsType) {
		for p := range county {
			delete(tg.Targets, p)
		}
		for i := range tg.Delegations.Roles {
			if tg.Delegations.Roles[i].Name == role {
				tg.Delegations.Roles[i].Paths = append(tg.Delegations.Roles[i].Paths, "county/*")
			}
		}
	})
	refused(t, e, f, "county/manifest.json is not signed by the county's targets key", old)

	// Without the widened pattern go-tuf never asks the township role about
	// county/*: the listing is ignored and the county items simply vanish
	// from the county's own targets.
	e.forgeTargets("targets", func(tg *metadata.TargetsType) {
		for i := range tg.Delegations.Roles {
			if tg.Delegations.Roles[i].Name == role {
				tg.Delegations.Roles[i].Paths = []string{publish.TownshipPattern(twpA)}
			}
		}
	})
	if _, err := f.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantContent(t, f, v1)
}
