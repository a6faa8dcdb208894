package publish

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

func TestInitThresholds(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c")
	warn, err := Init(dir, InitOpts{RootThreshold: 2, VillageThreshold: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(warn) != 2 {
		t.Errorf("warnings %q, want one per root key", warn)
	}
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := metadata.Root().FromFile(r.RootPath())
	if rr := root.Signed.Roles["root"]; rr.Threshold != 2 || len(rr.KeyIDs) != 2 || len(root.Signatures) != 2 {
		t.Errorf("root role %+v, %d signatures", rr, len(root.Signatures))
	}
	if err := root.VerifyDelegate("root", root); err != nil {
		t.Error(err)
	}
	if _, err := r.AddTownship("370783-101", ""); err != nil {
		t.Fatal(err)
	}
	tg, _ := metadata.Targets().FromFile(filepath.Join(dir, "signed", "targets.json"))
	if d := tg.Signed.Delegations.Roles[0]; d.Threshold != 1 {
		t.Errorf("village threshold %d, want 1", d.Threshold)
	}
	for _, bad := range []InitOpts{{VillageThreshold: 3}, {VillageThreshold: -1}, {RootThreshold: 10}} {
		if _, err := Init(filepath.Join(t.TempDir(), "x"), bad); err == nil {
			t.Errorf("Init(%+v) succeeded", bad)
		}
	}
}

func TestAddTownshipDelegation(t *testing.T) {
	dir, r := newRepo(t)
	if _, err := r.AddTownship("370783", ""); err == nil {
		t.Error("AddTownship accepted a county id")
	}
	p, err := r.AddTownship("370783-101", "古城街道")
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("reviewer key file %s: %v", p, err)
	}
	if _, err := r.AddTownship("370783-101", ""); err == nil {
		t.Error("second AddTownship succeeded")
	}
	tg, _ := metadata.Targets().FromFile(filepath.Join(dir, "signed", "targets.json"))
	d := tg.Signed.Delegations.Roles[0]
	if d.Name != "township-370783-101" || d.Threshold != 2 || !d.Terminating || len(d.KeyIDs) != 2 ||
		len(d.Paths) != 1 || d.Paths[0] != "villages/370783-101/*/*" {
		t.Errorf("delegation %+v", d)
	}
	for p, want := range map[string]bool{
		"villages/370783-101/370783-101-001/manifest.json": true,
		"villages/370783-101/370783-101-001/x/y":           false,
		"villages/370783-102/370783-102-001/manifest.json": false,
		"villages/370783-101/manifest.json":                false,
		"county/urgent.md":                                 false,
	} {
		if got, _ := d.IsDelegatedPath(p); got != want {
			t.Errorf("IsDelegatedPath(%q) = %v", p, got)
		}
	}
}

func TestApproveRefuses(t *testing.T) {
	dir, r := newRepo(t)
	key, err := r.AddTownship("370783-101", "")
	if err != nil {
		t.Fatal(err)
	}
	keyB, _ := r.AddTownship("370783-102", "")
	if err := r.PublishVillage(village, map[string][]byte{"a.md": []byte("a")}); err != nil {
		t.Fatal(err)
	}
	staged := filepath.Join(dir, "staged", "township-370783-101.json")
	for name, tc := range map[string]struct{ key, village, want string }{
		"county key file":   {filepath.Join(dir, "keys", "targets.json"), village, "not a township reviewer key"},
		"other township":    {keyB, village, "this key is for 370783-102"},
		"village not in it": {key, "370783-101-009", "no files of village"},
	} {
		if _, err := Approve(dir, tc.key, tc.village); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	// A staged file changed after the county signed it is refused.
	b, _ := os.ReadFile(staged)
	os.WriteFile(staged, []byte(strings.Replace(string(b), `"length": 1`, `"length": 2`, 1)), 0o644)
	if _, err := Approve(dir, key, village); err == nil || !strings.Contains(err.Error(), "not signed by the county") {
		t.Errorf("tampered staged role: %v", err)
	}
	os.WriteFile(staged, b, 0o644)
	if _, err := Approve(dir, key, village); err != nil {
		t.Fatal(err)
	}
	if done, _, err := r.Finish(); err != nil || len(done) != 1 {
		t.Fatalf("Finish = %v, %v", done, err)
	}
}

func TestRotateRoot(t *testing.T) {
	dir, r := newRepo(t)
	old, _ := metadata.Root().FromFile(r.RootPath())
	if _, err := r.RotateKey("root"); err != nil {
		t.Fatal(err)
	}
	nw, err := metadata.Root().FromFile(filepath.Join(dir, "public", "metadata", "2.root.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := old.VerifyDelegate("root", nw); err != nil {
		t.Errorf("new root not signed by the old root keys: %v", err)
	}
	if err := nw.VerifyDelegate("root", nw); err != nil {
		t.Errorf("new root not signed by the new root keys: %v", err)
	}
	if ents, _ := filepath.Glob(filepath.Join(dir, "keys", "retired-*")); len(ents) != 0 {
		t.Errorf("retired root keys left on disk: %v", ents)
	}
	if _, err := r.RotateKey("bogus"); err == nil {
		t.Error("RotateKey(bogus) succeeded")
	}
}

func TestRefreshStagesTownshipRenewal(t *testing.T) {
	_, r := newRepo(t)
	key, _ := r.AddTownship("370783-101", "")
	if err := r.PublishVillage(village, map[string][]byte{"a.md": []byte("a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := Approve(r.dir, key, village); err != nil {
		t.Fatal(err)
	}
	if err := r.Refresh(); err != nil {
		t.Fatal(err)
	}
	if ps, _ := r.Pending(); len(ps) != 0 {
		t.Fatalf("pending after Refresh published the approval: %+v", ps)
	}
	r.now = func() time.Time { return time.Now().Add(50 * 24 * time.Hour) }
	if err := r.Refresh(); err != nil {
		t.Fatal(err)
	}
	ps, _ := r.Pending()
	if len(ps) != 1 || ps[0].Version != 2 || ps[0].Approved {
		t.Fatalf("no renewal staged near expiry: %+v", ps)
	}
}

func TestRenewCmd(t *testing.T) {
	dir, _ := newRepo(t)
	var out strings.Builder
	for _, role := range []string{"root", "targets", "snapshot", "timestamp"} {
		if err := RenewCmd(dir, role, &out); err != nil {
			t.Fatalf("renew %s: %v", role, err)
		}
	}
	if err := RenewCmd(dir, "county", &out); err == nil {
		t.Error("renew county succeeded")
	}
	root, _ := metadata.Root().FromFile(filepath.Join(dir, "public", "metadata", "2.root.json"))
	if root == nil || root.Signed.Version != 2 || root.VerifyDelegate("root", root) != nil {
		t.Fatalf("2.root.json: %+v", root)
	}
	if !strings.Contains(out.String(), "root renewed with the same keys") {
		t.Errorf("output:\n%s", out.String())
	}
}
