package publish

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/sunboard/sunboard/feed/internal/fsutil"
	"github.com/sunboard/sunboard/feed/internal/scheme"
)

// countyKey is the key file of the county's half of every township delegation.
// It is not the targets key, so a stolen targets key cannot approve village
// content and the targets key can be rotated without touching townships.
const countyKey = "county"

// TownshipRolePrefix prefixes the delegated role name of a township:
// "township-370783-101".
const TownshipRolePrefix = "township-"

type townshipConfig struct {
	Name    string `json:"name"`
	KeyID   string `json:"keyid"`             // the township reviewer's key
	Revoked bool   `json:"revoked,omitempty"` // key revoked, no new key yet
}

func townshipRole(id string) string { return TownshipRolePrefix + id }

// TownshipPattern is the path pattern delegated to township id. go-tuf
// matches it one "/" segment at a time, so it covers exactly the four-segment
// targets of that township's villages.
func TownshipPattern(id string) string { return "villages/" + id + "/*/*" }

func checkTownshipID(id string) error {
	if _, err := scheme.ParseVillage(id + "-0"); err != nil || strings.Count(id, "-") != 1 {
		return fmt.Errorf("township id %q: want county-township, e.g. 370783-101", id)
	}
	return nil
}

func rootKeyNames(n int) []string {
	names := []string{metadata.ROOT}
	for i := 2; i <= n; i++ {
		names = append(names, fmt.Sprintf("root-%d", i))
	}
	return names
}

func genKeyFile() (*keyFile, *metadata.Key, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	kf := &keyFile{KeyType: "ed25519", Scheme: "ed25519"}
	kf.KeyVal.Public = hex.EncodeToString(pub)
	kf.KeyVal.Private = hex.EncodeToString(priv.Seed())
	key, err := metadata.KeyFromPublicKey(pub)
	if err != nil {
		return nil, nil, err
	}
	return kf, key, nil
}

func writeKeyFile(p string, kf *keyFile) error {
	b, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return err
	}
	if err := fsutil.WriteFile(p, b, 0o600); err != nil {
		return fmt.Errorf("write key %s: %w", p, err)
	}
	return nil
}

// newKey makes keys/<name>.json and returns its public key.
func (r *Repo) newKey(name string) (*metadata.Key, error) {
	kf, key, err := genKeyFile()
	if err != nil {
		return nil, err
	}
	if err := writeKeyFile(r.keyPath(name), kf); err != nil {
		return nil, err
	}
	delete(r.signers, name)
	return key, nil
}

func readKeyFile(p string) (*keyFile, *metadata.Key, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, nil, err
	}
	var kf keyFile
	if err := json.Unmarshal(b, &kf); err != nil {
		return nil, nil, fmt.Errorf("parse key %q: %w", p, err)
	}
	pub, err := hex.DecodeString(kf.KeyVal.Public)
	if err != nil || kf.KeyType != "ed25519" || len(pub) != ed25519.PublicKeySize {
		return nil, nil, fmt.Errorf("key %q: not an ed25519 key", p)
	}
	key, err := metadata.KeyFromPublicKey(ed25519.PublicKey(pub))
	if err != nil {
		return nil, nil, err
	}
	return &kf, key, nil
}

// KeyFileTownship returns the township id a reviewer key file (from
// AddTownship) is for.
func KeyFileTownship(p string) (string, error) {
	kf, _, err := readKeyFile(p)
	if err != nil {
		return "", err
	}
	if kf.Township == "" {
		return "", fmt.Errorf("%s is not a township reviewer key file (no \"township\" field)", p)
	}
	return kf.Township, nil
}

func (r *Repo) publicKey(name string) (*metadata.Key, error) {
	_, key, err := readKeyFile(r.keyPath(name))
	if err != nil {
		return nil, fmt.Errorf("load %s key: %w", name, err)
	}
	return key, nil
}

// signRoot signs root with every root key file present whose key the new
// root or the previous root (prev, nil at Init) lists for the root role, so
// a rotated root carries signatures by old and new keys.
func (r *Repo) signRoot(root *metadata.Metadata[metadata.RootType], retired []string) error {
	root.ClearSignatures()
	names := append(rootKeyNames(max(r.cfg.RootThreshold, 1)), retired...)
	for _, name := range names {
		if _, err := os.Stat(r.keyPath(name)); err != nil {
			continue // offline; the operator signs where the key is
		}
		s, err := r.signer(name)
		if err != nil {
			return err
		}
		if _, err := root.Sign(s); err != nil {
			return fmt.Errorf("sign root with %s: %w", name, err)
		}
	}
	return nil
}

// AddTownship delegates villages/<id>/*/* to a new role township-<id> whose
// keys are the county key and a new reviewer key, and writes the reviewer key
// file to hand to the township (returned path; delete it once handed over).
// The township's villages already published stay signed by the county alone
// until the township approves the first version of its role (staged here),
// then Refresh/Finish moves them under the delegation.
// Re-adding a revoked township gives it a new key.
func (r *Repo) AddTownship(id, name string) (keyFilePath string, err error) {
	if err := checkTownshipID(id); err != nil {
		return "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.load()
	if err != nil {
		return "", err
	}
	old := r.cfg.Townships[id]
	if old != nil && !old.Revoked {
		return "", fmt.Errorf("township %s already has a key: revoke it first or rotate with key rotate --role %s", id, townshipRole(id))
	}
	if name == "" && old != nil {
		name = old.Name
	}
	countyPub, err := r.ensureCountyKey()
	if err != nil {
		return "", err
	}
	countyID, _ := countyPub.ID()
	kf, key, err := genKeyFile()
	if err != nil {
		return "", err
	}
	kid, _ := key.ID()
	kf.Township, kf.Name, kf.CountyPublic = id, name, countyPub.Value.PublicKey
	dir := filepath.Join(r.dir, "townships")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	keyFilePath = filepath.Join(dir, id+".key.json")
	if err := writeKeyFile(keyFilePath, kf); err != nil {
		return "", err
	}
	role := townshipRole(id)
	tg := &st.targets.Signed
	if tg.Delegations == nil {
		tg.Delegations = &metadata.Delegations{Keys: map[string]*metadata.Key{}}
	}
	tg.Delegations.Keys[countyID] = countyPub
	tg.Delegations.Keys[kid] = key
	found := false
	for i := range tg.Delegations.Roles {
		if tg.Delegations.Roles[i].Name == role {
			tg.Delegations.Roles[i].KeyIDs = []string{countyID, kid}
			found = true
		}
	}
	if !found {
		tg.Delegations.Roles = append(tg.Delegations.Roles, metadata.DelegatedRole{
			Name: role, KeyIDs: []string{countyID, kid}, Threshold: r.cfg.VillageThreshold,
			Terminating: true, Paths: []string{TownshipPattern(id)},
		})
		sortDelegations(tg.Delegations.Roles)
	}
	if r.cfg.Townships == nil {
		r.cfg.Townships = map[string]*townshipConfig{}
	}
	r.cfg.Townships[id] = &townshipConfig{Name: name, KeyID: kid}
	if err := r.saveConfig(); err != nil {
		return "", err
	}
	// First version (or, after a revocation, the next one) of the role: the
	// township's villages as published so far, for the reviewer to sign.
	want := map[string]*metadata.TargetFiles{}
	if b, ok := st.deleg[role]; ok {
		md, err := metadata.Targets().FromBytes(b)
		if err != nil {
			return "", err
		}
		want = md.Signed.Targets
	} else {
		for p, tf := range tg.Targets {
			if strings.HasPrefix(p, "villages/"+id+"/") {
				want[p] = tf
			}
		}
		vrs, err := r.villageRolesOf(st, id)
		if err != nil {
			return "", err
		}
		for _, md := range vrs {
			for p, tf := range md.Signed.Targets {
				want[p] = tf
			}
		}
	}
	if err := os.Remove(r.stagedPath(role)); err != nil && !os.IsNotExist(err) {
		return "", err
	}
	if err := r.stage(id, func(m map[string]*metadata.TargetFiles) {
		for p := range m {
			delete(m, p)
		}
		for p, tf := range want {
			m[p] = tf
		}
	}, true); err != nil {
		return "", err
	}
	if err := r.commit(st, true, r.now().UTC()); err != nil {
		return "", err
	}
	return keyFilePath, nil
}

func (r *Repo) ensureCountyKey() (*metadata.Key, error) {
	if k, err := r.publicKey(countyKey); err == nil {
		return k, nil
	} else if _, serr := os.Stat(r.keyPath(countyKey)); serr == nil {
		return nil, err
	}
	// Repositories made before townships existed have no county key yet.
	return r.newKey(countyKey)
}

func (r *Repo) saveConfig() error {
	b, err := json.MarshalIndent(r.cfg, "", "  ")
	if err != nil {
		return err
	}
	return fsutil.WriteFile(filepath.Join(r.dir, "repo.json"), b, 0o644)
}

func (r *Repo) stagedPath(role string) string {
	return filepath.Join(r.dir, "staged", role+".json")
}

// stage edits the township's pending role version (starting from the staged
// one, else the signed one) and, if anything changed (or force), signs it
// with the county key alone and writes staged/<role>.json. Any earlier
// township signature is dropped: the reviewer approves what is there now.
func (r *Repo) stage(twp string, edit func(map[string]*metadata.TargetFiles), force bool) error {
	role := townshipRole(twp)
	var base *metadata.Metadata[metadata.TargetsType]
	var signedVersion int64
	if md, err := metadata.Targets().FromFile(filepath.Join(r.dir, "signed", role+".json")); err == nil {
		signedVersion = md.Signed.Version
		base = md
	}
	if md, err := metadata.Targets().FromFile(r.stagedPath(role)); err == nil {
		base = md
	}
	if base == nil {
		base = metadata.Targets()
		base.Signed.Version = 0
	}
	before := map[string]*metadata.TargetFiles{}
	for p, tf := range base.Signed.Targets {
		before[p] = tf
	}
	edit(base.Signed.Targets)
	same := len(before) == len(base.Signed.Targets)
	for p, tf := range base.Signed.Targets {
		if o, ok := before[p]; !ok || !o.Equal(*tf) {
			same = false
		}
	}
	if same && !force {
		return nil
	}
	base.Signed.Version = max(base.Signed.Version, signedVersion+1)
	base.Signed.Expires = r.expires(metadata.TARGETS, r.now().UTC())
	if err := r.sign(countyKey, base); err != nil {
		return err
	}
	b, err := base.ToBytes(true)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(r.dir, "staged"), 0o755); err != nil {
		return err
	}
	return fsutil.WriteFile(r.stagedPath(role), b, 0o644)
}

// Pending is a staged township role version waiting for its reviewer.
type Pending struct {
	Township string // "370783-101"
	Role     string // "township-370783-101"
	Version  int64
	File     string   // staged file the reviewer signs (sunpub approve)
	Villages []string // villages whose files it lists
	Approved bool     // enough signatures: the next Finish/Refresh publishes it
}

// Pending lists staged township roles, sorted by township.
func (r *Repo) Pending() ([]Pending, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var staged []string
	for id := range r.cfg.Townships {
		if _, err := os.Stat(r.stagedPath(townshipRole(id))); err == nil {
			staged = append(staged, id)
		}
	}
	if len(staged) == 0 {
		return nil, nil // nothing to read: no cost for a county without townships
	}
	st, err := r.load()
	if err != nil {
		return nil, err
	}
	var out []Pending
	for _, id := range staged {
		role := townshipRole(id)
		md, err := metadata.Targets().FromFile(r.stagedPath(role))
		if err != nil {
			return nil, fmt.Errorf("read staged %s: %w", role, err)
		}
		out = append(out, Pending{Township: id, Role: role, Version: md.Signed.Version, File: r.stagedPath(role),
			Villages: villagesOf(md), Approved: r.verifyOK(st, id, md)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Township < out[j].Township })
	return out, nil
}

func villagesOf(md *metadata.Metadata[metadata.TargetsType]) []string {
	seen := map[string]bool{}
	var out []string
	for p := range md.Signed.Targets {
		parts := strings.Split(p, "/")
		if len(parts) == 4 && !seen[parts[2]] {
			seen[parts[2]] = true
			out = append(out, parts[2])
		}
	}
	sort.Strings(out)
	return out
}

// Finish publishes every staged township role that now carries enough
// signatures (the county's and the township's), re-signing snapshot and
// timestamp with the county's online keys. It returns the roles published
// and those still waiting. Refresh does the same.
func (r *Repo) Finish() (published, waiting []string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.load()
	if err != nil {
		return nil, nil, err
	}
	before := map[string]bool{}
	for role := range st.deleg {
		before[role] = true
	}
	changedTargets, err := r.promoteList(st, &published, &waiting)
	if err != nil {
		return nil, nil, err
	}
	if len(published) == 0 {
		return nil, waiting, nil
	}
	return published, waiting, r.commit(st, changedTargets, r.now().UTC())
}

func (r *Repo) promote(st *state) (changedTargets bool, err error) {
	var p, w []string
	changedTargets, err = r.promoteList(st, &p, &w)
	return changedTargets || len(p) > 0, err
}

// promoteList moves approved staged roles into st.deleg (and signed/), and
// drops the township's villages from top-level targets once its role is live.
func (r *Repo) promoteList(st *state, published, waiting *[]string) (changedTargets bool, err error) {
	ids := make([]string, 0, len(r.cfg.Townships))
	for id := range r.cfg.Townships {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		role := townshipRole(id)
		b, err := os.ReadFile(r.stagedPath(role))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return false, err
		}
		md, err := metadata.Targets().FromBytes(b)
		if err != nil {
			return false, fmt.Errorf("staged %s: %w", role, err)
		}
		newDeleg, newKeys, err := r.verifyStaged(st, id, md)
		if err != nil {
			*waiting = append(*waiting, role)
			continue
		}
		for p := range md.Signed.Targets {
			if ok, _ := (&metadata.DelegatedRole{Paths: []string{TownshipPattern(id)}}).IsDelegatedPath(p); !ok {
				return false, fmt.Errorf("staged %s lists %s outside %s", role, p, TownshipPattern(id))
			}
		}
		if err := r.writeSigned(role+".json", b); err != nil {
			return false, err
		}
		if err := os.Remove(r.stagedPath(role)); err != nil {
			return false, err
		}
		st.deleg[role] = b
		st.delegChanged[role] = true
		*published = append(*published, role)
		if r.dropVillageRoles(st, id) {
			changedTargets = true
		}
		if newDeleg != nil {
			// After a county key rotation: the delegation moves to the new
			// county key in the same commit as the role version it signed.
			d := st.targets.Signed.Delegations
			for i := range d.Roles {
				if d.Roles[i].Name == role {
					d.Roles[i] = *newDeleg
				}
			}
			for kid, k := range newKeys {
				d.Keys[kid] = k
			}
			pruneDelegationKeys(&st.targets.Signed)
			changedTargets = true
		}
		for p := range st.targets.Signed.Targets {
			if strings.HasPrefix(p, "villages/"+id+"/") {
				delete(st.targets.Signed.Targets, p)
				changedTargets = true
			}
		}
	}
	return changedTargets, nil
}

// RevokeTownship removes the township's reviewer key from its delegation.
// Its role stays delegated with the same threshold, so no version signed
// with the revoked key verifies any more and nothing new can be published
// for its villages until AddTownship gives it a new key (agents keep showing
// what they last verified). The reviewer key file, if still here, is deleted.
func (r *Repo) RevokeTownship(id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.load()
	if err != nil {
		return err
	}
	tc := r.cfg.Townships[id]
	if tc == nil {
		return fmt.Errorf("township %s: not delegated", id)
	}
	if tc.Revoked {
		return nil
	}
	if err := st.targets.Signed.RevokeKey(tc.KeyID, townshipRole(id)); err != nil {
		return fmt.Errorf("revoke township %s: %w", id, err)
	}
	tc.Revoked = true
	tc.KeyID = ""
	if err := r.saveConfig(); err != nil {
		return err
	}
	os.Remove(filepath.Join(r.dir, "townships", id+".key.json"))
	return r.commit(st, true, r.now().UTC())
}

// RotateKey replaces the key of role: "root", "targets", "snapshot",
// "timestamp" (a new root version, signed by the old and the new root keys
// when root changes, that agents follow through go-tuf's root chain),
// "township-<id>" (a new reviewer key; returned path is its key file; the
// role's current content is staged again for the new key to approve) or
// "county" (CountyRole: a new keys/county.json; every township's role is
// staged again signed by the new key and, once its township approves,
// Finish publishes it together with its delegation switched to the new key;
// until then agents keep the old delegation and content. The rotation is
// recorded, signed by the old key, in staged/county-keys.json, which Approve
// uses to follow the county to its new key).
func (r *Repo) RotateKey(role string) (keyFilePath string, err error) {
	if role == countyKey {
		_, err := r.rotateCounty()
		return "", err
	}
	if id, ok := strings.CutPrefix(role, TownshipRolePrefix); ok {
		if err := r.RevokeTownship(id); err != nil {
			return "", err
		}
		return r.AddTownship(id, "")
	}
	switch role {
	case metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP:
	default:
		return "", fmt.Errorf("rotate %q: want root, targets, snapshot, timestamp or %s<id>", role, TownshipRolePrefix)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.load()
	if err != nil {
		return "", err
	}
	root, err := metadata.Root().FromFile(filepath.Join(r.dir, "signed", "root.json"))
	if err != nil {
		return "", fmt.Errorf("load signed root: %w", err)
	}
	for _, kid := range append([]string(nil), root.Signed.Roles[role].KeyIDs...) {
		if err := root.Signed.RevokeKey(kid, role); err != nil {
			return "", fmt.Errorf("rotate %s: %w", role, err)
		}
	}
	names := []string{role}
	var retired []string
	if role == metadata.ROOT {
		names = rootKeyNames(max(r.cfg.RootThreshold, 1))
		// The old root keys sign this one version, then are deleted.
		for _, n := range names {
			old := "retired-" + n
			if err := os.Rename(r.keyPath(n), r.keyPath(old)); err != nil && !os.IsNotExist(err) {
				return "", err
			}
			delete(r.signers, n)
			retired = append(retired, old)
		}
	}
	for _, n := range names {
		key, err := r.newKey(n)
		if err != nil {
			return "", err
		}
		if err := root.Signed.AddKey(key, role); err != nil {
			return "", err
		}
	}
	root.Signed.Version++
	root.Signed.Expires = r.expires(metadata.ROOT, r.now().UTC())
	if err := r.signRoot(root, retired); err != nil {
		return "", err
	}
	for _, n := range retired {
		os.Remove(r.keyPath(n))
		delete(r.signers, n)
	}
	rb, err := root.ToBytes(true)
	if err != nil {
		return "", err
	}
	if err := r.writeSigned("root.json", rb); err != nil {
		return "", err
	}
	if err := r.writePublic(fmt.Sprintf("metadata/%d.root.json", root.Signed.Version), rb); err != nil {
		return "", err
	}
	if err := r.writePublic("metadata/root.json", rb); err != nil {
		return "", err
	}
	if role == metadata.TARGETS {
		// Village roles are signed by the targets key: delegate them to the
		// new key and re-sign them all in the same commit.
		if err := r.moveVillageRolesToTargetsKey(st); err != nil {
			return "", err
		}
	}
	// Re-sign with the new key at once so agents move on in one poll.
	return "", r.commit(st, role == metadata.TARGETS, r.now().UTC())
}

// Approval is what a township reviewer signed.
type Approval struct {
	Township string
	Role     string
	Version  int64
	File     string
	Villages []string
	Changed  []string // target paths added or changed against the signed version, if known
	Removed  []string
	// CountyKeyChanged: the county rotated its key (a rotation signed by the
	// county key the key file knew); the key file now names the new key.
	CountyKeyChanged bool
}

// Approve is run by a township reviewer on their own machine with only their
// key file (from AddTownship): it checks that the staged role in
// dir/staged/township-<id>.json was signed by the county key named in the key
// file and lists only the township's villages, including village, then adds
// the township's signature in place. dir needs only staged/ (and, to list
// what changed, signed/<role>.json); it may be a copy of the county
// repository. No county key is used; the county then runs Finish or Refresh.
func Approve(dir, keyFile, village string) (*Approval, error) {
	kf, key, err := readKeyFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("approve: %w", err)
	}
	if kf.Township == "" || kf.CountyPublic == "" {
		return nil, fmt.Errorf("approve: %s is not a township reviewer key file", keyFile)
	}
	twp, err := scheme.ParseVillage(village)
	if err != nil {
		return nil, fmt.Errorf("approve: %w", err)
	}
	if twp != kf.Township {
		return nil, fmt.Errorf("approve: village %s belongs to township %s, this key is for %s", village, twp, kf.Township)
	}
	role := townshipRole(twp)
	p := filepath.Join(dir, "staged", role+".json")
	md, err := metadata.Targets().FromFile(p)
	if err != nil {
		return nil, fmt.Errorf("approve: nothing staged for %s: %w", role, err)
	}
	cpub, err := hex.DecodeString(kf.CountyPublic)
	if err != nil || len(cpub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("approve: bad county key in %s", keyFile)
	}
	ck, err := metadata.KeyFromPublicKey(ed25519.PublicKey(cpub))
	if err != nil {
		return nil, err
	}
	countyCheck := func(ck *metadata.Key) (*metadata.Metadata[metadata.TargetsType], error) {
		cid, _ := ck.ID()
		check := metadata.Targets()
		check.Signed.Delegations = &metadata.Delegations{Keys: map[string]*metadata.Key{cid: ck},
			Roles: []metadata.DelegatedRole{{Name: role, KeyIDs: []string{cid}, Threshold: 1, Paths: []string{TownshipPattern(twp)}}}}
		return check, check.VerifyDelegate(role, md)
	}
	check, err := countyCheck(ck)
	newCounty := ""
	if err != nil {
		// The county may have rotated its key: follow the rotations it
		// signed with the key we know.
		cr, rerr := readCountyRotations(filepath.Join(dir, "staged", "county-keys.json"))
		if rerr != nil {
			return nil, fmt.Errorf("approve: %w", rerr)
		}
		if next := followCounty(cr, kf.CountyPublic); next != kf.CountyPublic {
			npub, derr := hex.DecodeString(next)
			if derr != nil || len(npub) != ed25519.PublicKeySize {
				return nil, fmt.Errorf("approve: bad county key in county-keys.json")
			}
			nk, kerr := metadata.KeyFromPublicKey(ed25519.PublicKey(npub))
			if kerr != nil {
				return nil, kerr
			}
			if c2, err2 := countyCheck(nk); err2 == nil {
				check, err, newCounty = c2, nil, next
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("approve: %s is not signed by the county key: %w", p, err)
	}
	a := &Approval{Township: twp, Role: role, Version: md.Signed.Version, File: p, Villages: villagesOf(md), CountyKeyChanged: newCounty != ""}
	found := false
	for tp := range md.Signed.Targets {
		if ok, _ := check.Signed.Delegations.Roles[0].IsDelegatedPath(tp); !ok {
			return nil, fmt.Errorf("approve: %s lists %s, outside township %s", p, tp, twp)
		}
		if strings.HasPrefix(tp, "villages/"+twp+"/"+village+"/") {
			found = true
		}
	}
	if !found {
		return nil, fmt.Errorf("approve: %s lists no files of village %s (villages: %s)", p, village, strings.Join(a.Villages, " "))
	}
	if prev, err := metadata.Targets().FromFile(filepath.Join(dir, "signed", role+".json")); err == nil {
		if prev.Signed.Version >= md.Signed.Version {
			return nil, fmt.Errorf("approve: staged %s version %d is not newer than signed version %d", role, md.Signed.Version, prev.Signed.Version)
		}
		for tp, tf := range md.Signed.Targets {
			if o, ok := prev.Signed.Targets[tp]; !ok || !o.Equal(*tf) {
				a.Changed = append(a.Changed, tp)
			}
		}
		for tp := range prev.Signed.Targets {
			if _, ok := md.Signed.Targets[tp]; !ok {
				a.Removed = append(a.Removed, tp)
			}
		}
	} else {
		for tp := range md.Signed.Targets {
			a.Changed = append(a.Changed, tp)
		}
	}
	sort.Strings(a.Changed)
	sort.Strings(a.Removed)
	// Replace an earlier signature of ours, keep the county's.
	kid, _ := key.ID()
	sigs := md.Signatures[:0]
	for _, s := range md.Signatures {
		if s.KeyID != kid {
			sigs = append(sigs, s)
		}
	}
	md.Signatures = sigs
	s, err := loadSigner(keyFile)
	if err != nil {
		return nil, err
	}
	if _, err := md.Sign(s); err != nil {
		return nil, fmt.Errorf("approve: sign: %w", err)
	}
	b, err := md.ToBytes(true)
	if err != nil {
		return nil, err
	}
	if err := fsutil.WriteFile(p, b, 0o644); err != nil {
		return nil, err
	}
	if newCounty != "" {
		// Trust the new county key from now on (the old one is retired).
		kf.CountyPublic = newCounty
		if err := writeKeyFile(keyFile, kf); err != nil {
			return nil, fmt.Errorf("approve: signed, but updating the county key in %s: %w", keyFile, err)
		}
	}
	return a, nil
}
