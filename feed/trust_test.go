package feed

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/sunboard/sunboard/feed/publish"
)

// These tests play the county, the township reviewers and an attacker who
// holds some keys. An attacker "with the county's online keys" is simulated by
// writing into the county's signed/ directory and running Refresh, which
// publishes whatever signed/ holds: exactly what a compromised county server
// could do.

const twpA = "370783-101" // village's own township
const twpB = "370783-102"

func keySigner(t testing.TB, p string) signature.Signer {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var kf struct {
		KeyVal struct{ Private string } `json:"keyval"`
	}
	if err := json.Unmarshal(b, &kf); err != nil {
		t.Fatal(err)
	}
	seed, _ := hex.DecodeString(kf.KeyVal.Private)
	s, err := signature.LoadSigner(ed25519.NewKeyFromSeed(seed), crypto.Hash(0))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *env) county(p ...string) string {
	return filepath.Join(append([]string{e.dir, "county"}, p...)...)
}

// addTownship delegates twp and returns the reviewer key file, as the
// reviewer keeps it (the county's hand-over copy may be deleted or replaced).
func (e *env) addTownship(twp string) string {
	e.t.Helper()
	p, err := e.repo.AddTownship(twp, "镇")
	if err != nil {
		e.t.Fatal(err)
	}
	return e.handOver(p)
}

var handOvers int

func (e *env) handOver(p string) string {
	e.t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		e.t.Fatal(err)
	}
	handOvers++
	dst := filepath.Join(e.dir, fmt.Sprintf("reviewer-%d.key.json", handOvers))
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		e.t.Fatal(err)
	}
	return dst
}

// approve is the township reviewer signing, then the county finishing.
func (e *env) approve(keyFile, vil string) {
	e.t.Helper()
	if _, err := publish.Approve(e.county(), keyFile, vil); err != nil {
		e.t.Fatal(err)
	}
	done, waiting, err := e.repo.Finish()
	if err != nil || len(done) != 1 {
		e.t.Fatalf("Finish = %v, %v, %v; want one published", done, waiting, err)
	}
}

func (e *env) publishVillage(vil string, files map[string]string) {
	e.t.Helper()
	m := map[string][]byte{}
	for k, v := range files {
		m[k] = []byte(v)
	}
	if err := e.repo.PublishVillage(vil, m); err != nil {
		e.t.Fatal(err)
	}
}

// forceSigned puts role metadata into signed/ as a compromised county server
// would, and publishes it with the county's online keys.
func (e *env) forceSigned(role string, data []byte) {
	e.t.Helper()
	if err := os.WriteFile(e.county("signed", role+".json"), data, 0o644); err != nil {
		e.t.Fatal(err)
	}
	os.Remove(e.county("staged", role+".json"))
	if err := e.repo.Refresh(); err != nil {
		e.t.Fatal(err)
	}
}

// forgeTargets re-signs the top-level targets with key file keyName after
// mutate, as the next version, and publishes it.
func (e *env) forgeTargets(keyName string, mutate func(*metadata.TargetsType)) {
	e.t.Helper()
	tg, err := metadata.Targets().FromFile(e.county("signed", "targets.json"))
	if err != nil {
		e.t.Fatal(err)
	}
	mutate(&tg.Signed)
	tg.Signed.Version++
	tg.ClearSignatures()
	if _, err := tg.Sign(keySigner(e.t, e.county("keys", keyName+".json"))); err != nil {
		e.t.Fatal(err)
	}
	b, _ := tg.ToBytes(true)
	e.forceSigned("targets", b)
}

// refused asserts that Sync fails saying want and that the board still shows
// old, also after a restart.
func refused(t *testing.T, e *env, f *Feed, want string, old map[string]string) {
	t.Helper()
	before, _ := f.Current()
	changed, err := f.Sync(context.Background())
	if err == nil || changed {
		t.Fatalf("Sync = %v, %v; want refusal", changed, err)
	}
	t.Logf("refused: %v", err)
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	if v := wantContent(t, f, old); v.Number != before.Number {
		t.Errorf("Number moved from %d to %d", before.Number, v.Number)
	}
	wantContent(t, e.open(), old)
}

// liveTownship: the village's township is delegated and approved v1, and the
// agent shows v1 verified through the township role.
func liveTownship(t *testing.T) (*env, *Feed, string) {
	e := newEnv(t, nil)
	e.opts.RequireTownship = true
	f := e.open()
	key := e.addTownship(twpA)
	e.publish(v1)
	if changed, err := f.Sync(context.Background()); err == nil || changed {
		t.Fatalf("sync before approval = %v, %v; want nothing published", changed, err)
	}
	e.approve(key, village)
	if !e.sync(f) {
		t.Fatal("sync after approval: changed = false")
	}
	wantContent(t, f, v1)
	return e, f, key
}

var v2 = with(v1, "notice.md", "# 通知\n第二期\n")

func TestTownshipApprovalFlow(t *testing.T) {
	e := newEnv(t, nil)
	f := e.open()
	// Single-county flow: no township yet, the county signs alone.
	e.publish(v1)
	e.sync(f)
	key := e.addTownship(twpA)
	// Until the township approves its first version, top-level entries stay.
	if e.sync(f) {
		t.Error("delegation alone changed content")
	}
	wantContent(t, f, v1)
	e.approve(key, village)
	tg, _ := metadata.Targets().FromFile(e.county("signed", "targets.json"))
	for p := range tg.Signed.Targets {
		if strings.HasPrefix(p, "villages/"+twpA+"/") {
			t.Errorf("%s still signed at top level after the township role went live", p)
		}
	}
	if e.sync(f) {
		t.Error("same content through the township role changed the version")
	}
	e.publish(v2)
	// Staged, not approved: agents see nothing new, and no error.
	if e.sync(f) {
		t.Fatal("unapproved version reached the agent")
	}
	wantContent(t, f, v1)
	ps, err := e.repo.Pending()
	if err != nil || len(ps) != 1 || ps[0].Approved || ps[0].Role != "township-"+twpA {
		t.Fatalf("Pending = %+v, %v", ps, err)
	}
	if done, waiting, err := e.repo.Finish(); err != nil || len(done) != 0 || len(waiting) != 1 {
		t.Fatalf("Finish without approval = %v, %v, %v", done, waiting, err)
	}
	a, err := publish.Approve(e.county(), key, village)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Changed) != 2 { // notice.md and the manifest
		t.Errorf("approval lists changes %q", a.Changed)
	}
	// Refresh (cron) finishes approved versions too.
	if err := e.repo.Refresh(); err != nil {
		t.Fatal(err)
	}
	if !e.sync(f) {
		t.Fatal("approved version not synced")
	}
	wantContent(t, f, v2)
}

func TestRefusedWronglySignedMetadata(t *testing.T) {
	t.Run("targets signed by the snapshot key", func(t *testing.T) {
		e := newEnv(t, nil)
		f := e.open()
		e.publish(v1)
		e.sync(f)
		e.publish(v2)
		e.forgeTargets("snapshot", func(*metadata.TargetsType) {})
		refused(t, e, f, "targets.json: signature check failed", v1)
	})
	t.Run("township role without signatures", func(t *testing.T) {
		e, f, _ := liveTownship(t)
		e.publish(v2)
		md, _ := metadata.Targets().FromFile(e.county("staged", "township-"+twpA+".json"))
		md.ClearSignatures()
		b, _ := md.ToBytes(true)
		e.forceSigned("township-"+twpA, b)
		refused(t, e, f, "Verifying township-370783-101 failed, not enough signatures, got 0", v1)
	})
}

func TestRefusedCountyAloneForVillage(t *testing.T) {
	t.Run("township role signed by the county only", func(t *testing.T) {
		e, f, _ := liveTownship(t)
		e.publish(v2) // staged, county-signed
		b, err := os.ReadFile(e.county("staged", "township-"+twpA+".json"))
		if err != nil {
			t.Fatal(err)
		}
		e.forceSigned("township-"+twpA, b)
		refused(t, e, f, "Verifying township-370783-101 failed, not enough signatures, got 1, want 2", v1)
		var unsigned *metadata.ErrUnsignedMetadata
		if _, err := f.Sync(context.Background()); !errors.As(err, &unsigned) {
			t.Errorf("error %v is not ErrUnsignedMetadata", err)
		}
	})
	t.Run("village file signed in top-level targets", func(t *testing.T) {
		e, f, _ := liveTownship(t)
		e.publish(v2)
		staged, _ := metadata.Targets().FromFile(e.county("staged", "township-"+twpA+".json"))
		e.forgeTargets("targets", func(tg *metadata.TargetsType) {
			for p, tf := range staged.Signed.Targets {
				tg.Targets[p] = tf
			}
		})
		refused(t, e, f, "signed by the county alone", v1)
		// Without RequireTownship the rule holds too, because the role is live.
		e.opts.RequireTownship = false
		g := e.open()
		if _, err := g.Sync(context.Background()); err == nil || !strings.Contains(err.Error(), "signed by the county alone") {
			t.Errorf("agent without RequireTownship: %v", err)
		}
		wantContent(t, g, v1)
	})
	t.Run("village role delegated again beside the live township", func(t *testing.T) {
		// The county published v1 alone (its village role), then the
		// township approved v2. The targets key alone re-delegates the
		// village to its old role, still listed in the snapshot, ahead of
		// the township: go-tuf would take v1 from it.
		e := newEnv(t, nil)
		f := e.open()
		e.publish(v1)
		e.sync(f)
		key := e.addTownship(twpA)
		e.publish(v2)
		e.approve(key, village)
		e.sync(f)
		wantContent(t, f, v2)
		pub := keySigner(t, e.county("keys", "targets.json"))
		pk, _ := pub.PublicKey()
		mk, _ := metadata.KeyFromPublicKey(pk)
		kid, _ := mk.ID()
		dir, _ := filepath.Split("villages/" + twpA + "/" + village + "/x")
		e.forgeTargets("targets", func(tg *metadata.TargetsType) {
			tg.Delegations.Keys[kid] = mk
			tg.Delegations.Roles = append([]metadata.DelegatedRole{{Name: publish.VillageRolePrefix + village, KeyIDs: []string{kid},
				Threshold: 1, Terminating: true, Paths: []string{dir + "*"}}}, tg.Delegations.Roles...)
		})
		refused(t, e, f, "is also delegated to village-"+village, v2)
	})
	t.Run("delegation removed by the targets key", func(t *testing.T) {
		e, f, _ := liveTownship(t)
		e.publish(v2)
		staged, _ := metadata.Targets().FromFile(e.county("staged", "township-"+twpA+".json"))
		e.forgeTargets("targets", func(tg *metadata.TargetsType) {
			tg.Delegations = nil
			for p, tf := range staged.Signed.Targets {
				tg.Targets[p] = tf
			}
		})
		refused(t, e, f, "township approval required", v1)
	})
}

func TestRefusedOtherTownshipKey(t *testing.T) {
	e := newEnv(t, nil)
	e.opts.Village = twpB + "-001"
	e.opts.RequireTownship = true
	f := e.open()
	keyA := e.addTownship(twpA)
	keyB := e.addTownship(twpB)
	e.publishVillage(twpB+"-001", v1)
	e.approve(keyB, twpB+"-001")
	e.sync(f)
	wantContent(t, f, v1)

	// The reviewer tool refuses at once.
	e.publishVillage(twpB+"-001", v2)
	if _, err := publish.Approve(e.county(), keyA, twpB+"-001"); err == nil || !strings.Contains(err.Error(), "this key is for "+twpA) {
		t.Errorf("Approve with A's key for B's village: %v", err)
	}
	// A's key signs B's staged role (with the county's signature already on
	// it) and a compromised county server publishes it.
	md, _ := metadata.Targets().FromFile(e.county("staged", "township-"+twpB+".json"))
	if _, err := md.Sign(keySigner(t, keyA)); err != nil {
		t.Fatal(err)
	}
	b, _ := md.ToBytes(true)
	e.forceSigned("township-"+twpB, b)
	refused(t, e, f, "township-"+twpB, v1)

	// A's own role, properly signed by county and A, listing B's village:
	// go-tuf never consults A's role for B's paths.
	t.Run("listed in own role", func(t *testing.T) {
		e := newEnv(t, nil)
		e.opts.Village = twpB + "-001"
		f := e.open()
		keyA := e.addTownship(twpA)
		keyB := e.addTownship(twpB)
		e.publishVillage(twpB+"-001", v1)
		e.approve(keyB, twpB+"-001")
		e.publishVillage(twpA+"-001", v1)
		e.approve(keyA, twpA+"-001")
		e.sync(f)
		e.publishVillage(twpB+"-001", v2)
		mdB, _ := metadata.Targets().FromFile(e.county("staged", "township-"+twpB+".json"))
		mdA, _ := metadata.Targets().FromFile(e.county("signed", "township-"+twpA+".json"))
		for p, tf := range mdB.Signed.Targets {
			mdA.Signed.Targets[p] = tf
		}
		mdA.Signed.Version++
		mdA.ClearSignatures()
		for _, k := range []string{e.county("keys", "county.json"), keyA} {
			if _, err := mdA.Sign(keySigner(t, k)); err != nil {
				t.Fatal(err)
			}
		}
		b, _ := mdA.ToBytes(true)
		e.forceSigned("township-"+twpA, b)
		changed, err := f.Sync(context.Background())
		if err != nil || changed {
			t.Fatalf("Sync = %v, %v; want A's listing of B's files ignored", changed, err)
		}
		wantContent(t, f, v1)
	})
}

func TestRefusedRevokedTownshipKey(t *testing.T) {
	e, f, key := liveTownship(t)
	if err := e.repo.RevokeTownship(twpA); err != nil {
		t.Fatal(err)
	}
	// The version signed with the revoked key no longer verifies.
	refused(t, e, f, "township-"+twpA, v1)
	// The revoked reviewer approving something new gets nowhere.
	e.publish(v2)
	if _, err := publish.Approve(e.county(), key, village); err != nil {
		t.Fatal(err) // signing locally works; the county must not accept it
	}
	if done, waiting, err := e.repo.Finish(); err != nil || len(done) != 0 || len(waiting) != 1 {
		t.Fatalf("Finish with a revoked key's approval = %v, %v, %v", done, waiting, err)
	}
	b, _ := os.ReadFile(e.county("staged", "township-"+twpA+".json"))
	e.forceSigned("township-"+twpA, b)
	refused(t, e, f, "township-"+twpA, v1)
	// A new key restores publishing.
	key2 := e.addTownship(twpA)
	e.publish(v2)
	e.approve(key2, village)
	if !e.sync(f) {
		t.Fatal("no change after re-keying")
	}
	wantContent(t, f, v2)
}

func TestKeyRotationThenUpdate(t *testing.T) {
	e, f, key := liveTownship(t)
	for _, role := range []string{"timestamp", "snapshot", "targets", "root"} {
		if _, err := e.repo.RotateKey(role); err != nil {
			t.Fatalf("rotate %s: %v", role, err)
		}
	}
	newKeyFile, err := e.repo.RotateKey("township-" + twpA)
	if err != nil {
		t.Fatal(err)
	}
	newKey := e.handOver(newKeyFile)
	e.publish(v2)
	// The old reviewer key no longer counts.
	if _, err := publish.Approve(e.county(), key, village); err != nil {
		t.Fatal(err)
	}
	if done, _, _ := e.repo.Finish(); len(done) != 0 {
		t.Fatal("old township key's approval published after rotation")
	}
	e.approve(newKey, village)
	if !e.sync(f) {
		t.Fatal("no change after rotations")
	}
	wantContent(t, f, v2)
	root, err := metadata.Root().FromFile(filepath.Join(e.opts.State, "tuf", "root.json"))
	if err != nil || root.Signed.Version != 5 {
		t.Fatalf("agent root version %v, %v; want 5 (four rotations)", root.Signed.Version, err)
	}
	// A fresh agent provisioned with the old 1.root.json follows the chain.
	e.opts.State = filepath.Join(e.dir, "state2")
	g := e.open()
	e.sync(g)
	wantContent(t, g, v2)
}

func TestRollbackSnapshotTargetsRefused(t *testing.T) {
	t.Run("timestamp points at an older snapshot", func(t *testing.T) {
		e := newEnv(t, nil)
		f := e.open()
		e.publish(v1)
		e.publish(v2)
		e.sync(f)
		wantContent(t, f, v2)
		// The timestamp key (online, so the likeliest to leak) signs a newer
		// timestamp for snapshot version 1.
		old, _ := os.ReadFile(e.county("public", "metadata", "1.snapshot.json"))
		ts, _ := metadata.Timestamp().FromFile(e.county("public", "metadata", "timestamp.json"))
		sn, _ := metadata.Snapshot().FromBytes(old)
		ts.Signed.Version++
		ts.Signed.Meta["snapshot.json"] = metadataMeta(sn.Signed.Version, old)
		ts.ClearSignatures()
		ts.Sign(keySigner(t, e.county("keys", "timestamp.json")))
		ts.ToFile(e.county("public", "metadata", "timestamp.json"), true)
		refused(t, e, f, "rollback refused", v2)
	})
	t.Run("snapshot points at older village role", func(t *testing.T) {
		e := newEnv(t, nil)
		f := e.open()
		e.publish(v1)
		e.publish(v2)
		e.sync(f)
		role := "village-" + village + ".json"
		old, _ := os.ReadFile(e.county("public", "metadata", "1."+role))
		sn, _ := metadata.Snapshot().FromFile(e.county("signed", "snapshot.json"))
		sn.Signed.Meta[role] = metadataMeta(1, old)
		sn.Signed.Version++
		sn.ClearSignatures()
		sn.Sign(keySigner(t, e.county("keys", "snapshot.json")))
		b, _ := sn.ToBytes(true)
		os.WriteFile(e.county("public", "metadata", fmt.Sprintf("%d.snapshot.json", sn.Signed.Version)), b, 0o644)
		ts, _ := metadata.Timestamp().FromFile(e.county("public", "metadata", "timestamp.json"))
		ts.Signed.Version++
		ts.Signed.Meta["snapshot.json"] = metadataMeta(sn.Signed.Version, b)
		ts.ClearSignatures()
		ts.Sign(keySigner(t, e.county("keys", "timestamp.json")))
		ts.ToFile(e.county("public", "metadata", "timestamp.json"), true)
		refused(t, e, f, "rollback refused", v2)
	})
}

func metadataMeta(version int64, b []byte) *metadata.MetaFiles {
	m := metadata.MetaFile(version)
	m.Length = int64(len(b))
	return m
}

func TestMixAndMatchRefused(t *testing.T) {
	t.Run("village role", func(t *testing.T) {
		e := newEnv(t, nil)
		f := e.open()
		e.publish(v1)
		e.sync(f)
		e.publish(v2)
		// Serve version 2's name with version 1's (validly signed) bytes.
		role := "village-" + village + ".json"
		old, _ := os.ReadFile(e.county("public", "metadata", "1."+role))
		os.WriteFile(e.county("public", "metadata", "2."+role), old, 0o644)
		refused(t, e, f, "delegated metadata refused: length/hash verification error", v1)
	})
	t.Run("targets", func(t *testing.T) {
		e := newEnv(t, nil)
		f := e.open()
		e.publish(v1)
		e.sync(f)
		// A new village changes the top-level targets (its delegation).
		e.publishVillage("370783-101-002", v2)
		// Serve version 3's name with version 2's (validly signed) bytes.
		old, _ := os.ReadFile(e.county("public", "metadata", "2.targets.json"))
		os.WriteFile(e.county("public", "metadata", "3.targets.json"), old, 0o644)
		refused(t, e, f, "targets.json", v1)
	})
	t.Run("township role", func(t *testing.T) {
		e, f, key := liveTownship(t)
		e.publish(v2)
		e.approve(key, village)
		// Version 2 of the role replaced by version 1, both county+township signed.
		old, _ := os.ReadFile(e.county("public", "metadata", "1.township-"+twpA+".json"))
		os.WriteFile(e.county("public", "metadata", "2.township-"+twpA+".json"), old, 0o644)
		refused(t, e, f, "hash verification failed", v1)
	})
}
