package feed

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/sunboard/sunboard/feed/publish"
)

func countyKeyID(t *testing.T, e *env) string {
	t.Helper()
	pub := keySigner(t, e.county("keys", "county.json"))
	pk, err := pub.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := metadata.KeyFromPublicKey(pk)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := k.ID()
	return id
}

func delegationKeyIDs(t *testing.T, e *env, twp string) []string {
	t.Helper()
	tg, err := metadata.Targets().FromFile(e.county("signed", "targets.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range tg.Signed.Delegations.Roles {
		if d.Name == "township-"+twp {
			return d.KeyIDs
		}
	}
	t.Fatalf("no delegation for %s", twp)
	return nil
}

func TestCountyKeyRotation(t *testing.T) {
	e, f, key := liveTownship(t)
	oldKey := filepath.Join(e.dir, "old-county.json")
	b, _ := os.ReadFile(e.county("keys", "county.json"))
	if err := os.WriteFile(oldKey, b, 0o600); err != nil {
		t.Fatal(err)
	}
	oldID := countyKeyID(t, e)
	if _, err := e.repo.RotateKey(publish.CountyRole); err != nil {
		t.Fatal(err)
	}
	newID := countyKeyID(t, e)
	if oldID == newID {
		t.Fatal("county key unchanged")
	}
	e.publish(v2)
	// Before the township approves: old delegation, old content, no error.
	if e.sync(f) {
		t.Fatal("content changed before the township approved")
	}
	wantContent(t, f, v1)
	if ids := delegationKeyIDs(t, e, twpA); !slices.Contains(ids, oldID) || slices.Contains(ids, newID) {
		t.Fatalf("delegation switched before approval: %v", ids)
	}
	if ps, err := e.repo.Pending(); err != nil || len(ps) != 1 || ps[0].Approved {
		t.Fatalf("Pending = %+v, %v", ps, err)
	}

	// A version signed by the OLD county key (and the township) is refused
	// by the county after the rotation.
	stagedPath := e.county("staged", "township-"+twpA+".json")
	good, _ := os.ReadFile(stagedPath)
	md, err := metadata.Targets().FromBytes(good)
	if err != nil {
		t.Fatal(err)
	}
	md.ClearSignatures()
	if _, err := md.Sign(keySigner(t, oldKey)); err != nil {
		t.Fatal(err)
	}
	forged, _ := md.ToBytes(true)
	os.WriteFile(stagedPath, forged, 0o644)
	if _, err := publish.Approve(e.county(), key, village); err != nil {
		t.Fatal(err) // the reviewer still knows the old county key
	}
	if done, waiting, err := e.repo.Finish(); err != nil || len(done) != 0 || len(waiting) != 1 {
		t.Fatalf("Finish of an old-county-key version = %v, %v, %v", done, waiting, err)
	}
	if e.sync(f) {
		t.Fatal("old-county-key version reached the agent")
	}
	wantContent(t, f, v1)

	// The real staged version: the reviewer follows the rotation.
	os.WriteFile(stagedPath, good, 0o644)
	a, err := publish.Approve(e.county(), key, village)
	if err != nil {
		t.Fatal(err)
	}
	if !a.CountyKeyChanged {
		t.Error("Approve did not report the county key change")
	}
	done, waiting, err := e.repo.Finish()
	if err != nil || len(done) != 1 || len(waiting) != 0 {
		t.Fatalf("Finish = %v, %v, %v", done, waiting, err)
	}
	if ids := delegationKeyIDs(t, e, twpA); slices.Contains(ids, oldID) || !slices.Contains(ids, newID) {
		t.Fatalf("delegation after approval: %v", ids)
	}
	if !e.sync(f) {
		t.Fatal("approved version after county rotation not synced")
	}
	wantContent(t, f, v2)

	// After the switch, a version signed by the old county key (with the
	// township's) is refused by agents, who keep v2.
	signed, _ := os.ReadFile(e.county("signed", "township-"+twpA+".json"))
	md, _ = metadata.Targets().FromBytes(signed)
	md.Signed.Version++
	md.Signed.Targets = map[string]*metadata.TargetFiles{}
	md.ClearSignatures()
	md.Sign(keySigner(t, oldKey))
	md.Sign(keySigner(t, key))
	forged, _ = md.ToBytes(true)
	e.forceSigned("township-"+twpA, forged)
	refused(t, e, f, "township-"+twpA, v2)
}

// Two townships: the switch is per township, the old county key stays in the
// delegations until the last township moves.
func TestCountyKeyRotationPerTownship(t *testing.T) {
	e, f, keyA := liveTownship(t)
	keyB := e.addTownship(twpB)
	vilB := twpB + "-001"
	e.publishVillage(vilB, map[string]string{"notice.md": "# B\n"})
	if _, err := publish.Approve(e.county(), keyB, vilB); err != nil {
		t.Fatal(err)
	}
	if done, _, err := e.repo.Finish(); err != nil || len(done) != 1 {
		t.Fatal(done, err)
	}
	oldID := countyKeyID(t, e)
	var out strings.Builder
	if err := publish.RotateKeyCmd(e.county(), publish.CountyRole, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "re-staged for approval with the new county key: township-"+twpA+" township-"+twpB) {
		t.Errorf("RotateKeyCmd said:\n%s", out.String())
	}
	newID := countyKeyID(t, e)
	e.approve(keyA, village)
	if ids := delegationKeyIDs(t, e, twpB); !slices.Contains(ids, oldID) {
		t.Fatalf("township B switched without approval: %v", ids)
	}
	e.sync(f)
	wantContent(t, f, v1)
	e.approve(keyB, vilB)
	if ids := delegationKeyIDs(t, e, twpB); !slices.Contains(ids, newID) {
		t.Fatalf("township B not switched: %v", ids)
	}
	tg, _ := metadata.Targets().FromFile(e.county("signed", "targets.json"))
	if _, ok := tg.Signed.Delegations.Keys[oldID]; ok {
		t.Error("old county key still in the delegations after every township moved")
	}
	e.publish(v2)
	e.approve(keyA, village)
	e.sync(f)
	wantContent(t, f, v2)
}

// An agent provisioned with root v1 keeps syncing across two root renewals
// (same keys, new versions) that Refresh makes as root nears expiry.
func TestRootRenewal(t *testing.T) {
	const day = 24 * time.Hour
	e := newEnv(t, map[string]time.Duration{"root": 8 * day})
	e.repo.SetNow(e.opts.Now)
	// The publisher's clock now drives expiry dates; re-sign everything.
	for _, role := range []string{"root", "targets"} {
		if err := e.repo.Renew(role); err != nil {
			t.Fatal(err)
		}
	}
	f := e.open()
	e.publish(v1)
	e.sync(f)
	wantContent(t, f, v1)
	rootVersion := func(p string) int64 {
		t.Helper()
		r, err := metadata.Root().FromFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return r.Signed.Version
	}
	agentRoot := filepath.Join(e.opts.State, "tuf", "root.json")
	start := rootVersion(agentRoot)
	// Early Refresh: root has most of its period left, no renewal.
	if err := e.repo.Refresh(); err != nil {
		t.Fatal(err)
	}
	if v := rootVersion(e.county("signed", "root.json")); v != start {
		t.Fatalf("root renewed too early: v%d", v)
	}
	for i := 1; i <= 2; i++ {
		e.advance(7 * day) // less than a quarter of 8 days left
		if err := e.repo.Refresh(); err != nil {
			t.Fatal(err)
		}
		e.sync(f)
		wantContent(t, f, v1)
		if v := rootVersion(agentRoot); v != start+int64(i) {
			t.Fatalf("after renewal %d agent root v%d, want v%d", i, v, start+int64(i))
		}
	}
	e.publish(v2)
	e.sync(f)
	wantContent(t, f, v2)
	// A fresh agent provisioned with 1.root.json follows the chain.
	e.opts.State = filepath.Join(e.dir, "state2")
	g := e.open()
	if changed, err := g.Sync(context.Background()); err != nil || !changed {
		t.Fatalf("fresh agent: %v, %v", changed, err)
	}
	wantContent(t, g, v2)
	// Without root keys, Renew says so and Refresh still runs.
	os.Rename(e.county("keys", "root.json"), filepath.Join(e.dir, "root-offline.json"))
	if err := e.repo.Renew("root"); err == nil {
		t.Error("Renew root without the root key succeeded")
	}
	e.advance(7 * day)
	if err := e.repo.Refresh(); err != nil {
		t.Fatal(err)
	}
}
