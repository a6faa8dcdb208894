package publish

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/sunboard/sunboard/feed/internal/scheme"
)

// Waiting is a township's staged role version as its reviewer sees it
// before sunpub approve: what changed in each village, with the staged
// files themselves so they can be previewed exactly as signed.
type Waiting struct {
	Township string
	Role     string
	Version  int64
	File     string // the staged file the reviewer signs
	// Signatures is how many of the delegation's keys (county, township)
	// have validly signed the staged version; Threshold how many it needs.
	Signatures, Threshold int
	Approved              bool             // Signatures ≥ Threshold: waits for Finish only
	Listed                []string         // every village the staged version lists
	Villages              []WaitingVillage // those whose files changed
}

// WaitingVillage is one village whose files differ from what agents have.
type WaitingVillage struct {
	Village string
	// Files is the village's whole staged folder (relpath → content),
	// read from public/targets and checked against the staged hashes.
	Files map[string][]byte
	// Changed and Removed are relpaths new or changed, and gone, against
	// the version agents have now (the township role, or the county's
	// own signature before the township's first approval).
	Changed, Removed []string
}

// Waiting lists the staged version of township (every delegated township
// when township is ""), sorted by township. A township with nothing staged
// is left out.
func (r *Repo) Waiting(township string) ([]Waiting, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.load()
	if err != nil {
		return nil, err
	}
	if township != "" && r.cfg.Townships[township] == nil {
		if err := checkTownshipID(township); err != nil {
			return nil, err
		}
		return nil, nil // not delegated: the county alone publishes, nothing waits
	}
	var ids []string
	for id := range r.cfg.Townships {
		if township == "" || id == township {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	var out []Waiting
	for _, id := range ids {
		role := townshipRole(id)
		md, err := metadata.Targets().FromFile(r.stagedPath(role))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read staged %s: %w", r.stagedPath(role), err)
		}
		w := Waiting{Township: id, Role: role, Version: md.Signed.Version, File: r.stagedPath(role)}
		w.Signatures, w.Threshold = r.countSignatures(st, id, md)
		w.Approved = r.verifyOK(st, id, md)
		// What agents have now: the live township role, else the
		// villages the county signed at top level.
		live := map[string]*metadata.TargetFiles{}
		if b, ok := st.deleg[role]; ok {
			cur, err := metadata.Targets().FromBytes(b)
			if err != nil {
				return nil, fmt.Errorf("signed %s: %w", role, err)
			}
			live = cur.Signed.Targets
		} else {
			for p, tf := range st.targets.Signed.Targets {
				if strings.HasPrefix(p, "villages/"+id+"/") {
					live[p] = tf
				}
			}
			vrs, err := r.villageRolesOf(st, id)
			if err != nil {
				return nil, err
			}
			for _, vm := range vrs {
				for p, tf := range vm.Signed.Targets {
					live[p] = tf
				}
			}
		}
		w.Listed = villagesOf(md)
		for _, v := range w.Listed {
			mpath, _ := scheme.ManifestPath(v)
			tf := md.Signed.Targets[mpath]
			if tf == nil {
				return nil, fmt.Errorf("staged %s lists files of %s but no %s", role, v, mpath)
			}
			if o := live[mpath]; o != nil && o.Equal(*tf) {
				continue // unchanged village
			}
			wv, err := r.stagedVillage(v, md.Signed.Targets, live)
			if err != nil {
				return nil, fmt.Errorf("staged %s: %w", role, err)
			}
			w.Villages = append(w.Villages, *wv)
		}
		out = append(out, w)
	}
	return out, nil
}

// stagedVillage reads village v's staged files from public/targets,
// checking each against its staged hash, and compares them with live.
func (r *Repo) stagedVillage(v string, staged, live map[string]*metadata.TargetFiles) (*WaitingVillage, error) {
	mpath, _ := scheme.ManifestPath(v)
	read := func(tf *metadata.TargetFiles) ([]byte, error) {
		dir, name := path.Split(tf.Path)
		sum := tf.Hashes["sha256"]
		fp := filepath.Join(r.dir, "public", "targets", filepath.FromSlash(dir), fmt.Sprintf("%x.%s", []byte(sum), name))
		b, err := os.ReadFile(fp)
		if err != nil {
			return nil, fmt.Errorf("read staged target %s: %w", tf.Path, err)
		}
		if err := tf.VerifyLengthHashes(b); err != nil {
			return nil, fmt.Errorf("staged target %s (%s) does not match its signed hash: %w", tf.Path, fp, err)
		}
		return b, nil
	}
	mf := staged[mpath]
	mf.Path = mpath
	mb, err := read(mf)
	if err != nil {
		return nil, err
	}
	m, err := scheme.ParseManifest(mb, v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", mpath, err)
	}
	wv := &WaitingVillage{Village: v, Files: map[string][]byte{}}
	var prev *scheme.Manifest
	if lm := live[mpath]; lm != nil {
		lm.Path = mpath
		if b, err := read(lm); err == nil {
			prev, _ = scheme.ParseManifest(b, v)
		}
	}
	for _, rel := range m.Rels() {
		e := m.Files[rel]
		tf := staged[e.Target]
		if tf == nil {
			return nil, fmt.Errorf("%s lists %s as %s, which the staged version does not sign", mpath, rel, e.Target)
		}
		tf.Path = e.Target
		b, err := read(tf)
		if err != nil {
			return nil, err
		}
		wv.Files[rel] = b
		if prev == nil || prev.Files[rel] != e {
			wv.Changed = append(wv.Changed, rel)
		}
	}
	if prev != nil {
		for _, rel := range prev.Rels() {
			if _, ok := m.Files[rel]; !ok {
				wv.Removed = append(wv.Removed, rel)
			}
		}
	}
	return wv, nil
}

// countSignatures counts the delegation keys of township id that validly
// signed md, and returns the delegation's threshold.
func (r *Repo) countSignatures(st *state, id string, md *metadata.Metadata[metadata.TargetsType]) (have, need int) {
	role := townshipRole(id)
	d := st.targets.Signed.Delegations
	if d == nil {
		return 0, r.cfg.VillageThreshold
	}
	need = r.cfg.VillageThreshold
	keys := map[string]*metadata.Key{}
	for _, dr := range d.Roles {
		if dr.Name == role {
			need = dr.Threshold
			for _, kid := range dr.KeyIDs {
				keys[kid] = d.Keys[kid]
			}
		}
	}
	// A county key not yet in the delegation (after sunpub key rotate
	// --role county) counts too: Finish switches the delegation to it.
	if ck, err := r.publicKey(countyKey); err == nil {
		kid, _ := ck.ID()
		keys[kid] = ck
	}
	for kid, k := range keys {
		if k == nil {
			continue
		}
		check := metadata.Targets()
		check.Signed.Delegations = &metadata.Delegations{Keys: map[string]*metadata.Key{kid: k},
			Roles: []metadata.DelegatedRole{{Name: role, KeyIDs: []string{kid}, Threshold: 1, Paths: []string{TownshipPattern(id)}}}}
		if check.VerifyDelegate(role, md) == nil {
			have++
		}
	}
	return have, need
}
