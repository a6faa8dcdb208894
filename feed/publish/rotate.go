package publish

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/sunboard/sunboard/feed/internal/fsutil"
)

// CountyRole is the RotateKey name of the county delegation key
// (keys/county.json), the county's half of every township delegation.
const CountyRole = countyKey

// countyRotations is staged/county-keys.json: each county key rotation,
// signed by the outgoing key, so a township reviewer (who knows only the
// county key of their key file) can follow the county to its new key.
type countyRotations struct {
	Rotations []countyRotation `json:"rotations"`
}

type countyRotation struct {
	Old string `json:"old"` // hex ed25519 public key
	New string `json:"new"`
	Sig string `json:"sig"` // by Old over rotationMessage(Old, New)
}

func rotationMessage(oldHex, newHex string) []byte {
	return []byte("sunboard county key rotation v1\nold " + oldHex + "\nnew " + newHex + "\n")
}

func (r *Repo) countyRotationsPath() string {
	return filepath.Join(r.dir, "staged", "county-keys.json")
}

func readCountyRotations(p string) (*countyRotations, error) {
	var cr countyRotations
	b, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return &cr, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &cr); err != nil {
		return nil, fmt.Errorf("parse %s: %w", p, err)
	}
	return &cr, nil
}

// followCounty walks the signed rotations from the county key from (hex) and
// returns the newest key it reaches (from itself if none applies).
func followCounty(cr *countyRotations, from string) string {
	cur := from
	for _, rot := range cr.Rotations {
		if rot.Old != cur {
			continue
		}
		pub, err1 := hex.DecodeString(rot.Old)
		sig, err2 := hex.DecodeString(rot.Sig)
		if err1 != nil || err2 != nil || len(pub) != ed25519.PublicKeySize ||
			!ed25519.Verify(ed25519.PublicKey(pub), rotationMessage(rot.Old, rot.New), sig) {
			continue
		}
		cur = rot.New
	}
	return cur
}

// rotateCounty replaces keys/county.json. Published delegations keep the old
// county key until each township approves a version signed by the new one:
// Finish then publishes that version together with its delegation switched
// to the new key, in one snapshot, so agents never see a delegation that no
// published version of the role satisfies. Revoked townships (nothing
// publishable until they get a new key) switch at once.
func (r *Repo) rotateCounty() (staged []string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.load()
	if err != nil {
		return nil, err
	}
	oldPub, err := r.publicKey(countyKey)
	if err != nil {
		return nil, err
	}
	oldSigner, err := r.signer(countyKey)
	if err != nil {
		return nil, err
	}
	kf, newPub, err := genKeyFile()
	if err != nil {
		return nil, err
	}
	oldHex, newHex := oldPub.Value.PublicKey, newPub.Value.PublicKey
	sig, err := oldSigner.SignMessage(strings.NewReader(string(rotationMessage(oldHex, newHex))))
	if err != nil {
		return nil, fmt.Errorf("rotate county key: sign rotation: %w", err)
	}
	// The rotation record first: if we crash before the new key is written,
	// it names a key nobody has, which is harmless.
	cr, err := readCountyRotations(r.countyRotationsPath())
	if err != nil {
		return nil, err
	}
	cr.Rotations = append(cr.Rotations, countyRotation{Old: oldHex, New: newHex, Sig: hex.EncodeToString(sig)})
	b, err := json.MarshalIndent(cr, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(r.dir, "staged"), 0o755); err != nil {
		return nil, err
	}
	if err := fsutil.WriteFile(r.countyRotationsPath(), b, 0o644); err != nil {
		return nil, err
	}
	if err := writeKeyFile(r.keyPath(countyKey), kf); err != nil {
		return nil, err
	}
	delete(r.signers, countyKey)

	oldID, _ := oldPub.ID()
	newID, _ := newPub.ID()
	ids := make([]string, 0, len(r.cfg.Townships))
	for id := range r.cfg.Townships {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	switched := false
	for _, id := range ids {
		tc := r.cfg.Townships[id]
		if tc.Revoked || tc.KeyID == "" {
			if d := st.targets.Signed.Delegations; d != nil {
				for i := range d.Roles {
					if d.Roles[i].Name == townshipRole(id) {
						d.Roles[i].KeyIDs = replaceID(d.Roles[i].KeyIDs, oldID, newID)
						d.Keys[newID] = newPub
						switched = true
					}
				}
			}
			continue
		}
		// Everything the township has (published or pending) again, signed
		// by the new county key; any earlier township signature is dropped.
		if err := r.stage(id, func(map[string]*metadata.TargetFiles) {}, true); err != nil {
			return nil, err
		}
		staged = append(staged, townshipRole(id))
	}
	if switched {
		pruneDelegationKeys(&st.targets.Signed)
		return staged, r.commit(st, true, r.now().UTC())
	}
	return staged, nil
}

func replaceID(ids []string, old, new string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id == old {
			id = new
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// pruneDelegationKeys drops delegation keys no role lists any more (an old
// county key once every township moved to the new one).
func pruneDelegationKeys(tg *metadata.TargetsType) {
	if tg.Delegations == nil {
		return
	}
	used := map[string]bool{}
	for _, d := range tg.Delegations.Roles {
		for _, id := range d.KeyIDs {
			used[id] = true
		}
	}
	for id := range tg.Delegations.Keys {
		if !used[id] {
			delete(tg.Delegations.Keys, id)
		}
	}
}

// verifyStaged checks a staged township role against the delegation it must
// be published under: the current county key and the township's key, with
// the delegated threshold and paths. It returns that delegation when it
// differs from the published one (after a county key rotation), for the
// caller to publish together with the role.
func (r *Repo) verifyStaged(st *state, id string, md *metadata.Metadata[metadata.TargetsType]) (*metadata.DelegatedRole, map[string]*metadata.Key, error) {
	role := townshipRole(id)
	tg := &st.targets.Signed
	if tg.Delegations == nil {
		return nil, nil, fmt.Errorf("%s: not delegated", role)
	}
	var cur *metadata.DelegatedRole
	for i := range tg.Delegations.Roles {
		if tg.Delegations.Roles[i].Name == role {
			cur = &tg.Delegations.Roles[i]
		}
	}
	if cur == nil {
		return nil, nil, fmt.Errorf("%s: not delegated", role)
	}
	tc := r.cfg.Townships[id]
	countyPub, err := r.publicKey(countyKey)
	if err != nil {
		return nil, nil, err
	}
	countyID, _ := countyPub.ID()
	keys := map[string]*metadata.Key{countyID: countyPub}
	want := []string{countyID}
	if tc != nil && tc.KeyID != "" {
		if k := tg.Delegations.Keys[tc.KeyID]; k != nil {
			keys[tc.KeyID] = k
			want = append(want, tc.KeyID)
		}
	}
	d := *cur
	d.KeyIDs = want
	check := metadata.Targets()
	check.Signed.Delegations = &metadata.Delegations{Keys: keys, Roles: []metadata.DelegatedRole{d}}
	if err := check.VerifyDelegate(role, md); err != nil {
		return nil, nil, err
	}
	same := len(cur.KeyIDs) == len(want)
	for _, k := range want {
		same = same && slices.Contains(cur.KeyIDs, k)
	}
	if same {
		return nil, nil, nil
	}
	return &d, keys, nil
}

// Renew re-signs role ("root", "targets", "snapshot" or "timestamp") as a
// new version with the same keys and a fresh expiry date. A new root version
// is signed by the root keys present here (it must meet the root threshold)
// and agents follow it through go-tuf's root chain like a rotation.
func (r *Repo) Renew(role string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.load()
	if err != nil {
		return err
	}
	t := r.now().UTC()
	switch role {
	case metadata.ROOT:
		return r.renewRoot(t)
	case metadata.TARGETS:
		// Village roles are signed by the targets key: renewed with it.
		if err := r.resignVillageRoles(st, t, func(*metadata.Metadata[metadata.TargetsType]) bool { return true }); err != nil {
			return err
		}
		return r.commit(st, true, t)
	case metadata.SNAPSHOT, metadata.TIMESTAMP:
		return r.commit(st, false, t)
	}
	return fmt.Errorf("renew %q: want root, targets, snapshot or timestamp", role)
}

var errRootKeysOffline = errors.New("not enough root keys on this machine")

func (r *Repo) renewRoot(t time.Time) error {
	root, err := metadata.Root().FromFile(filepath.Join(r.dir, "signed", "root.json"))
	if err != nil {
		return fmt.Errorf("load signed root: %w", err)
	}
	root.Signed.Version++
	root.Signed.Expires = r.expires(metadata.ROOT, t)
	if err := r.signRoot(root, nil); err != nil {
		return err
	}
	if err := root.VerifyDelegate(metadata.ROOT, root); err != nil {
		return fmt.Errorf("renew root: %w (threshold %d; run where the root keys are): %v", errRootKeysOffline, root.Signed.Roles[metadata.ROOT].Threshold, err)
	}
	return r.writeRoot(root)
}

func (r *Repo) writeRoot(root *metadata.Metadata[metadata.RootType]) error {
	rb, err := root.ToBytes(true)
	if err != nil {
		return err
	}
	if err := r.writeSigned("root.json", rb); err != nil {
		return err
	}
	if err := r.writePublic(fmt.Sprintf("metadata/%d.root.json", root.Signed.Version), rb); err != nil {
		return err
	}
	return r.writePublic("metadata/root.json", rb)
}

// rootDue reports whether root.json has less than a quarter of its period left.
func (r *Repo) rootDue(t time.Time) (bool, time.Time, error) {
	root, err := metadata.Root().FromFile(filepath.Join(r.dir, "signed", "root.json"))
	if err != nil {
		return false, time.Time{}, fmt.Errorf("load signed root: %w", err)
	}
	return root.Signed.Expires.Sub(t) < r.period(metadata.ROOT)/4, root.Signed.Expires, nil
}

// RootExpires is when the signed root.json expires.
func (r *Repo) RootExpires() (time.Time, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, exp, err := r.rootDue(r.now().UTC())
	return exp, err
}

// SetNow replaces the repository's clock (tests, and operators signing
// ahead of time). nil restores time.Now.
func (r *Repo) SetNow(now func() time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	r.now = now
}

func (r *Repo) verifyOK(st *state, id string, md *metadata.Metadata[metadata.TargetsType]) bool {
	_, _, err := r.verifyStaged(st, id, md)
	return err == nil
}
