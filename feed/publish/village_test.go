package publish

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/cjson"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// roleVersions is the version of every village role the snapshot lists.
func roleVersions(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	sn, err := metadata.Snapshot().FromFile(filepath.Join(dir, "signed", "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for name, m := range sn.Signed.Meta {
		out[name] = m.Version
	}
	return out
}

// verifyVillageRoles checks every village role delegated in the signed
// targets against that delegation, as an agent would.
func verifyVillageRoles(t *testing.T, dir string) {
	t.Helper()
	tg, err := metadata.Targets().FromFile(filepath.Join(dir, "signed", "targets.json"))
	if err != nil {
		t.Fatal(err)
	}
	if tg.Signed.Delegations == nil {
		return
	}
	for _, d := range tg.Signed.Delegations.Roles {
		if len(d.Name) < len(VillageRolePrefix) || d.Name[:len(VillageRolePrefix)] != VillageRolePrefix {
			continue
		}
		md, err := metadata.Targets().FromFile(filepath.Join(dir, "signed", d.Name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := tg.VerifyDelegate(d.Name, md); err != nil {
			t.Errorf("%s does not verify against its delegation: %v", d.Name, err)
		}
	}
}

func TestPublishVillagesIncremental(t *testing.T) {
	photo := []byte("the same receipt photo in every village")
	villageFiles := func(rev string) map[string][]byte {
		return map[string][]byte{"notice.md": []byte("通知 " + rev), "photos/r.jpg": photo}
	}
	ids := []string{"370783-101-001", "370783-101-002", "370783-102-001"}
	type step struct {
		name  string
		batch map[string]string // village → revision of its notice
		// want: which versions moved
		targets, snapshot bool
		roles             []string // village roles re-signed
	}
	steps := []step{
		{"first batch: one commit, every role new", map[string]string{ids[0]: "a", ids[1]: "a", ids[2]: "a"}, true, true, ids},
		{"same content: nothing moves", map[string]string{ids[0]: "a", ids[1]: "a", ids[2]: "a"}, false, false, nil},
		{"one village changed: its role, snapshot, timestamp", map[string]string{ids[1]: "b"}, false, true, ids[1:2]},
		{"batch with one change among unchanged", map[string]string{ids[0]: "a", ids[1]: "b", ids[2]: "c"}, false, true, ids[2:3]},
		{"a new village: targets delegates it", map[string]string{"370783-102-002": "a"}, true, true, []string{"370783-102-002"}},
	}
	dir, r := newRepo(t)
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			tg0, sn0, ts0 := versions(t, dir)
			rv0 := roleVersions(t, dir)
			batch := map[string]map[string][]byte{}
			for v, rev := range s.batch {
				batch[v] = villageFiles(rev)
			}
			if err := r.PublishVillages(batch); err != nil {
				t.Fatal(err)
			}
			tg, sn, ts := versions(t, dir)
			if (tg != tg0) != s.targets || tg-tg0 > 1 {
				t.Errorf("targets %d → %d, want moved=%v by one", tg0, tg, s.targets)
			}
			if (sn != sn0) != s.snapshot || sn-sn0 > 1 || (ts != ts0) != s.snapshot || ts-ts0 > 1 {
				t.Errorf("snapshot %d → %d, timestamp %d → %d; want moved=%v by one", sn0, sn, ts0, ts, s.snapshot)
			}
			rv := roleVersions(t, dir)
			moved := map[string]bool{}
			for name, v := range rv {
				if v != rv0[name] && name != "targets.json" {
					moved[name] = true
				}
			}
			for _, id := range s.roles {
				if !moved[villageRole(id)+".json"] {
					t.Errorf("%s not re-signed", villageRole(id))
				}
				delete(moved, villageRole(id)+".json")
			}
			if len(moved) > 0 {
				t.Errorf("roles re-signed that did not change: %v", moved)
			}
			verifyVillageRoles(t, dir)
		})
	}
	// The photo every village shows is stored once: the served files are
	// links to one blob.
	got := signedTargets(t, dir)
	var first os.FileInfo
	n := 0
	for p, tf := range got {
		if filepath.Base(p) != "photos_2Fr.jpg" {
			continue
		}
		n++
		fp := filepath.Join(dir, "public", "targets", filepath.Dir(filepath.FromSlash(p)), tf.Hashes["sha256"].String()+".photos_2Fr.jpg")
		fi, err := os.Stat(fp)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = fi
		} else if !os.SameFile(first, fi) {
			t.Errorf("%s is a separate copy of the shared photo", fp)
		}
	}
	if n != 4 {
		t.Errorf("%d villages list the photo, want 4", n)
	}
	// A damaged served copy is repaired by republishing.
	for p, tf := range got {
		if filepath.Base(p) == "notice.md" {
			fp := filepath.Join(dir, "public", "targets", filepath.Dir(filepath.FromSlash(p)), tf.Hashes["sha256"].String()+".notice.md")
			os.Remove(fp)
			os.WriteFile(fp, []byte("damaged"), 0o644)
			if err := r.PublishVillages(map[string]map[string][]byte{ids[0]: villageFiles("a"), ids[1]: villageFiles("b"), ids[2]: villageFiles("c"), "370783-102-002": villageFiles("a")}); err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(fp); string(b) == "damaged" {
				t.Errorf("%s not repaired", fp)
			}
			break
		}
	}
}

// TestVillageRolesFollowTownship: villages the county published alone move
// into their township's role when the township approves its first version;
// their village roles are no longer delegated, yet stay in the snapshot
// (TUF clients refuse a snapshot that drops a role).
func TestVillageRolesFollowTownship(t *testing.T) {
	dir, r := newRepo(t)
	if err := r.PublishVillages(map[string]map[string][]byte{
		village: {"a.md": []byte("a")}, "370783-101-002": {"b.md": []byte("b")}, "370783-102-001": {"c.md": []byte("c")},
	}); err != nil {
		t.Fatal(err)
	}
	key, err := r.AddTownship("370783-101", "古城街道")
	if err != nil {
		t.Fatal(err)
	}
	staged, err := metadata.Targets().FromFile(r.stagedPath(townshipRole("370783-101")))
	if err != nil {
		t.Fatal(err)
	}
	if got := villagesOf(staged); len(got) != 2 {
		t.Errorf("staged township role lists villages %v, want the two published", got)
	}
	ws, err := r.Waiting("370783-101")
	if err != nil || len(ws) != 1 || len(ws[0].Villages) != 0 {
		t.Errorf("Waiting before any change = %+v, %v; want the version with no changed village", ws, err)
	}
	if _, err := Approve(dir, key, village); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	tg, _ := metadata.Targets().FromFile(filepath.Join(dir, "signed", "targets.json"))
	var names []string
	for _, d := range tg.Signed.Delegations.Roles {
		names = append(names, d.Name)
	}
	if len(names) != 2 || names[0] != villageRole("370783-102-001") || names[1] != townshipRole("370783-101") {
		t.Errorf("delegations %v, want the other township's village role, then the township role", names)
	}
	rv := roleVersions(t, dir)
	if _, ok := rv[villageRole(village)+".json"]; !ok {
		t.Error("snapshot dropped a village role it listed")
	}
	if _, err := os.Stat(filepath.Join(dir, "signed", villageRole(village)+".json")); !os.IsNotExist(err) {
		t.Errorf("signed village role of a live township kept: %v", err)
	}
	// Publishing the village now stages it for the township.
	if err := r.PublishVillage(village, map[string][]byte{"a.md": []byte("a2")}); err != nil {
		t.Fatal(err)
	}
	if ws, _ := r.Waiting("370783-101"); len(ws) != 1 || len(ws[0].Villages) != 1 || ws[0].Villages[0].Village != village || ws[0].Signatures != 1 || ws[0].Threshold != 2 {
		t.Errorf("Waiting = %+v", ws)
	}
	if err := r.Refresh(); err != nil {
		t.Fatal(err)
	}
}

func TestVillageRolesResigned(t *testing.T) {
	dir, r := newRepo(t)
	if err := r.PublishVillages(map[string]map[string][]byte{village: {"a.md": []byte("a")}, "370783-102-001": {"c.md": []byte("c")}}); err != nil {
		t.Fatal(err)
	}
	rv0 := roleVersions(t, dir)
	// Refresh renews village roles once half their period is gone.
	if err := r.Refresh(); err != nil {
		t.Fatal(err)
	}
	if rv := roleVersions(t, dir); rv[villageRole(village)+".json"] != rv0[villageRole(village)+".json"] {
		t.Error("Refresh re-signed a fresh village role")
	}
	r.now = func() time.Time { return time.Now().Add(50 * 24 * time.Hour) }
	if err := r.Refresh(); err != nil {
		t.Fatal(err)
	}
	rv1 := roleVersions(t, dir)
	if rv1[villageRole(village)+".json"] != rv0[villageRole(village)+".json"]+1 {
		t.Errorf("Refresh near expiry: village role %d → %d", rv0[villageRole(village)+".json"], rv1[villageRole(village)+".json"])
	}
	r.now = time.Now
	// A new targets key signs the village roles, delegated to it.
	if _, err := r.RotateKey(metadata.TARGETS); err != nil {
		t.Fatal(err)
	}
	if rv := roleVersions(t, dir); rv[villageRole(village)+".json"] != rv1[villageRole(village)+".json"]+1 {
		t.Error("RotateKey(targets) did not re-sign the village roles")
	}
	verifyVillageRoles(t, dir)
	if err := r.Renew(metadata.TARGETS); err != nil {
		t.Fatal(err)
	}
	verifyVillageRoles(t, dir)
}

// TestEncodeSnapshotCanonical: the snapshot's signed part is encoded
// exactly as go-tuf signs it, so agents verify it.
func TestEncodeSnapshotCanonical(t *testing.T) {
	sn := metadata.Snapshot(time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC))
	sn.Signed.Version = 42
	sn.Signed.Meta["targets.json"] = metaInfo(7, []byte("targets"))
	sn.Signed.Meta["village-370783-101-001.json"] = metaInfo(3, []byte("v"))
	sn.Signed.Meta["township-370783-102.json"] = &metadata.MetaFiles{Version: 2}
	got, err := encodeSnapshot(&sn.Signed)
	if err != nil {
		t.Fatal(err)
	}
	want, err := cjson.EncodeCanonical(sn.Signed)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("encodeSnapshot:\n%s\nwant\n%s", got, want)
	}
	_, r := newRepo(t)
	b, err := r.signSnapshot(sn)
	if err != nil {
		t.Fatal(err)
	}
	back, err := metadata.Snapshot().FromBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := metadata.Root().FromFile(r.RootPath())
	if err := root.VerifyDelegate(metadata.SNAPSHOT, back); err != nil {
		t.Errorf("signed snapshot does not verify: %v", err)
	}
}
