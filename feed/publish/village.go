package publish

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/sunboard/sunboard/feed/internal/fsutil"
	"github.com/sunboard/sunboard/feed/internal/scheme"
)

// VillageRolePrefix prefixes the delegated role of one village whose
// township has no delegation yet: "village-370783-102-007", signed by the
// targets key alone (the same trust as the top-level targets it replaces),
// delegated villages/<township>/<village>/* and terminating.
//
// One role per village keeps a publish proportional to the change: a
// one-item edit re-signs that village's small role, snapshot and timestamp,
// never a targets.json listing every file of the county, and an agent
// downloads its own village's role only. The top-level targets lists the
// delegations (it changes when a village is added); the snapshot lists one
// line per role.
//
// Village roles come before township roles in the delegation list: until a
// township's first approved version goes live, go-tuf must find its
// villages in their village roles; promoting the township role removes
// them in the same commit.
const VillageRolePrefix = "village-"

func villageRole(id string) string { return VillageRolePrefix + id }

// villagePattern is the delegated path of a village's role: every target
// of the village folder (four segments).
func villagePattern(dir string) string { return dir + "/*" }

// sortDelegations orders village roles first, then the rest, each by name.
func sortDelegations(roles []metadata.DelegatedRole) {
	sort.SliceStable(roles, func(i, j int) bool {
		vi, vj := strings.HasPrefix(roles[i].Name, VillageRolePrefix), strings.HasPrefix(roles[j].Name, VillageRolePrefix)
		if vi != vj {
			return vi
		}
		return roles[i].Name < roles[j].Name
	})
}

// villageFiles is one village of a batch publish: its manifest and the
// targets it lists (path → info), ready to sign.
type villageFiles struct {
	id, township, dir, mpath string
	want                     map[string]*metadata.TargetFiles
}

// PublishVillages publishes many villages (village id → relpath → content)
// in one commit: content is stored once per distinct file (content
// addressed), each changed village's role is signed, then targets (only if
// villages were added), snapshot and timestamp are signed once for the
// whole batch. Villages of delegated townships are staged for approval,
// one staged version per township. Villages whose files did not change
// cost no signature; a batch that changes nothing changes no version.
func (r *Repo) PublishVillages(batch map[string]map[string][]byte) error {
	ids := make([]string, 0, len(batch))
	for id := range batch {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	vs := make([]*villageFiles, 0, len(ids))
	type blob struct {
		tf   *metadata.TargetFiles
		data []byte
	}
	// Targets to write: content-addressed, so a photo every village shares
	// is written (and checked) once per distinct path and hash.
	var blobs []blob
	for _, id := range ids {
		files := batch[id]
		m, err := scheme.NewManifest(id, files)
		if err != nil {
			return fmt.Errorf("publish %s: %w", id, err)
		}
		mb, err := m.Marshal()
		if err != nil {
			return fmt.Errorf("publish %s: encode manifest: %w", id, err)
		}
		twp, _ := scheme.ParseVillage(id)
		dir, _ := scheme.Dir(id)
		mpath, _ := scheme.ManifestPath(id)
		v := &villageFiles{id: id, township: twp, dir: dir, mpath: mpath, want: map[string]*metadata.TargetFiles{}}
		for _, rel := range m.Rels() {
			e := m.Files[rel]
			sum, _ := hex.DecodeString(e.SHA256) // hashed once, by NewManifest
			tf := &metadata.TargetFiles{Path: e.Target, Length: e.Length, Hashes: metadata.Hashes{"sha256": sum}}
			v.want[e.Target] = tf
			blobs = append(blobs, blob{tf, files[rel]})
		}
		tf := targetInfo(mpath, mb)
		v.want[mpath] = tf
		blobs = append(blobs, blob{tf, mb})
		vs = append(vs, v)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	tw := r.newTargetWriter()
	for _, b := range blobs {
		if err := tw.put(b.tf.Path, b.tf, b.data); err != nil {
			return fmt.Errorf("publish: %w", err)
		}
	}
	if err := tw.sync(); err != nil {
		return err
	}
	st, err := r.loadLight()
	if err != nil {
		return err
	}
	t := r.now().UTC()
	staged := map[string][]*villageFiles{}
	var own []*villageFiles
	for _, v := range vs {
		if r.cfg.Townships[v.township] != nil {
			// A delegated township: stage a new version of its role, signed
			// by the county, for the township reviewer to approve (see
			// Approve and Finish). Nothing changes for agents until then.
			staged[v.township] = append(staged[v.township], v)
			continue
		}
		own = append(own, v)
	}
	for twp, list := range staged {
		if err := r.stage(twp, func(m map[string]*metadata.TargetFiles) {
			for _, v := range list {
				for p := range m {
					if strings.HasPrefix(p, v.dir+"/") {
						delete(m, p)
					}
				}
				for p, tf := range v.want {
					m[p] = tf
				}
			}
		}, false); err != nil {
			return fmt.Errorf("publish: stage township %s: %w", twp, err)
		}
	}
	if len(own) == 0 {
		return nil
	}
	var added []*villageFiles
	for _, v := range own {
		role := villageRole(v.id)
		var listed int64
		mf, live := st.snapshot.Signed.Meta[role+".json"]
		if live {
			listed = mf.Version
		}
		b, changed, err := r.signVillageRole(v.id, v.want, listed, t)
		if err != nil {
			return fmt.Errorf("publish %s: %w", v.id, err)
		}
		if changed {
			st.vnew[role] = b
		}
		if !live {
			added = append(added, v)
		}
	}
	newTargets := false
	if len(added) > 0 {
		// New villages (or villages still listed at top level by an older
		// sunpub): delegate their roles and drop their top-level entries.
		if err := r.loadTargets(st); err != nil {
			return err
		}
		tg := &st.targets.Signed
		tk, err := r.publicKey(metadata.TARGETS)
		if err != nil {
			return err
		}
		tkid, _ := tk.ID()
		if tg.Delegations == nil {
			tg.Delegations = &metadata.Delegations{Keys: map[string]*metadata.Key{}}
		}
		tg.Delegations.Keys[tkid] = tk
		have := map[string]bool{}
		for _, d := range tg.Delegations.Roles {
			have[d.Name] = true
		}
		for _, v := range added {
			if !have[villageRole(v.id)] {
				tg.Delegations.Roles = append(tg.Delegations.Roles, metadata.DelegatedRole{
					Name: villageRole(v.id), KeyIDs: []string{tkid}, Threshold: 1,
					Terminating: true, Paths: []string{villagePattern(v.dir)},
				})
			}
			for p := range tg.Targets {
				if strings.HasPrefix(p, v.dir+"/") {
					delete(tg.Targets, p)
				}
			}
		}
		sortDelegations(tg.Delegations.Roles)
		newTargets = true
	}
	if len(st.vnew) == 0 && !newTargets {
		return nil
	}
	return r.commit(st, newTargets, t)
}

// signVillageRole signs a new version of village id's role listing want,
// unless the signed one already does and is the version the snapshot lists
// (listed; 0 when it lists none: after a crash before the snapshot was
// written, the role is signed again).
func (r *Repo) signVillageRole(id string, want map[string]*metadata.TargetFiles, listed int64, t time.Time) ([]byte, bool, error) {
	role := villageRole(id)
	var version int64 = 1
	if old, err := metadata.Targets().FromFile(filepath.Join(r.dir, "signed", role+".json")); err == nil {
		if listed == old.Signed.Version && sameTargets(old.Signed.Targets, want) {
			return nil, false, nil
		}
		version = old.Signed.Version + 1
	} else if !os.IsNotExist(err) {
		return nil, false, fmt.Errorf("read signed %s: %w", role, err)
	}
	md := metadata.Targets(r.expires(metadata.TARGETS, t))
	md.Signed.Version = version
	md.Signed.Targets = want
	if err := r.sign(metadata.TARGETS, md); err != nil {
		return nil, false, err
	}
	b, err := md.ToBytes(true)
	if err != nil {
		return nil, false, fmt.Errorf("encode %s: %w", role, err)
	}
	return b, true, nil
}

// resignVillageRoles re-signs, as new versions with a fresh expiry, every
// village role for which due returns true (Refresh near expiry; RotateKey
// of targets, all of them), adding them to st.vnew.
func (r *Repo) resignVillageRoles(st *state, t time.Time, due func(*metadata.Metadata[metadata.TargetsType]) bool) error {
	for name := range st.snapshot.Signed.Meta {
		role, ok := strings.CutSuffix(name, ".json")
		if !ok || !strings.HasPrefix(role, VillageRolePrefix) {
			continue
		}
		md, err := metadata.Targets().FromFile(filepath.Join(r.dir, "signed", name))
		if os.IsNotExist(err) {
			continue // dropped when its township went live
		}
		if err != nil {
			return fmt.Errorf("read signed %s: %w", role, err)
		}
		if !due(md) {
			continue
		}
		md.Signed.Version++
		md.Signed.Expires = r.expires(metadata.TARGETS, t)
		if err := r.sign(metadata.TARGETS, md); err != nil {
			return err
		}
		b, err := md.ToBytes(true)
		if err != nil {
			return fmt.Errorf("encode %s: %w", role, err)
		}
		st.vnew[role] = b
	}
	return nil
}

// villageRolesOf returns village id → signed village role of township twp
// that the snapshot lists.
func (r *Repo) villageRolesOf(st *state, twp string) (map[string]*metadata.Metadata[metadata.TargetsType], error) {
	out := map[string]*metadata.Metadata[metadata.TargetsType]{}
	for name := range st.snapshot.Signed.Meta {
		id, ok := strings.CutPrefix(strings.TrimSuffix(name, ".json"), VillageRolePrefix)
		if !ok {
			continue
		}
		if t, err := scheme.ParseVillage(id); err != nil || t != twp {
			continue
		}
		md, err := metadata.Targets().FromFile(filepath.Join(r.dir, "signed", name))
		if os.IsNotExist(err) {
			continue // dropped when its township went live
		}
		if err != nil {
			return nil, fmt.Errorf("read signed %s: %w", name, err)
		}
		out[id] = md
	}
	return out, nil
}

// dropVillageRoles removes township twp's village roles (its own role is
// going live): their delegations from targets and their signed files once
// committed. The snapshot keeps listing their last versions.
func (r *Repo) dropVillageRoles(st *state, twp string) (changedTargets bool) {
	if d := st.targets.Signed.Delegations; d != nil {
		roles := d.Roles[:0]
		for _, dr := range d.Roles {
			if id, ok := strings.CutPrefix(dr.Name, VillageRolePrefix); ok {
				if t, err := scheme.ParseVillage(id); err == nil && t == twp {
					changedTargets = true
					continue
				}
			}
			roles = append(roles, dr)
		}
		d.Roles = roles
		pruneDelegationKeys(&st.targets.Signed)
	}
	for name := range st.snapshot.Signed.Meta {
		if id, ok := strings.CutPrefix(strings.TrimSuffix(name, ".json"), VillageRolePrefix); ok {
			if t, err := scheme.ParseVillage(id); err == nil && t == twp {
				st.vgone[strings.TrimSuffix(name, ".json")] = true
				delete(st.vnew, strings.TrimSuffix(name, ".json"))
			}
		}
	}
	return changedTargets
}

func sameTargets(a, b map[string]*metadata.TargetFiles) bool {
	if len(a) != len(b) {
		return false
	}
	for p, tf := range a {
		o, ok := b[p]
		if !ok || !o.Equal(*tf) {
			return false
		}
	}
	return true
}

// moveVillageRolesToTargetsKey points every village role's delegation at
// the current targets key (after RotateKey) and re-signs the roles with it.
func (r *Repo) moveVillageRolesToTargetsKey(st *state) error {
	d := st.targets.Signed.Delegations
	if d == nil {
		return nil
	}
	tk, err := r.publicKey(metadata.TARGETS)
	if err != nil {
		return err
	}
	tkid, _ := tk.ID()
	any := false
	for i := range d.Roles {
		if strings.HasPrefix(d.Roles[i].Name, VillageRolePrefix) {
			d.Roles[i].KeyIDs = []string{tkid}
			any = true
		}
	}
	if !any {
		return nil
	}
	d.Keys[tkid] = tk
	pruneDelegationKeys(&st.targets.Signed)
	return r.resignVillageRoles(st, r.now().UTC(), func(*metadata.Metadata[metadata.TargetsType]) bool { return true })
}

// BlobsDir (in the repository directory) holds each distinct target
// content once, as blobs/<sha256[:2]>/<sha256>; the served files under
// public/targets are hard links to it, so a receipt photo every village
// shows is stored once however many villages list it.
const BlobsDir = "blobs"

// targetWriter stores the targets of one publish: each distinct content
// is checked (or written) once, served files are hard links to the blob,
// and nothing is fsynced until sync, once for the whole batch.
type targetWriter struct {
	r        *Repo
	verified map[string]string // sha256 hex → blob path known good
	written  []string
}

func (r *Repo) newTargetWriter() *targetWriter {
	return &targetWriter{r: r, verified: map[string]string{}}
}

// put stores data as target p (see writeTarget). A served file that is
// already a link to the good blob, or a copy with the right content, is
// kept; anything else is replaced.
func (w *targetWriter) put(p string, tf *metadata.TargetFiles, data []byte) error {
	sum := hex.EncodeToString(tf.Hashes["sha256"])
	blob, ok := w.verified[sum]
	if !ok {
		blob = filepath.Join(w.r.dir, BlobsDir, sum[:2], sum)
		if old, err := os.ReadFile(blob); err != nil || tf.VerifyLengthHashes(old) != nil {
			if err := os.MkdirAll(filepath.Dir(blob), 0o755); err != nil {
				return fmt.Errorf("write target %s: %w", p, err)
			}
			if err := fsutil.WriteFileNoSync(blob, data, 0o644); err != nil {
				return fmt.Errorf("write target %s: %w", p, err)
			}
			w.written = append(w.written, blob)
		}
		w.verified[sum] = blob
	}
	dir, name := path.Split(p)
	fp := filepath.Join(w.r.dir, "public", "targets", filepath.FromSlash(dir), sum+"."+name)
	if fi, err := os.Stat(fp); err == nil {
		if bi, err := os.Stat(blob); err == nil && os.SameFile(fi, bi) {
			return nil
		}
		if old, err := os.ReadFile(fp); err == nil && tf.VerifyLengthHashes(old) == nil {
			return nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
		return fmt.Errorf("write target %s: %w", p, err)
	}
	tmp := filepath.Join(filepath.Dir(fp), fsutil.TempPrefix+"link-"+sum+"."+name)
	os.Remove(tmp)
	if err := os.Link(blob, tmp); err == nil {
		if err := os.Rename(tmp, fp); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("write target %s: %w", p, err)
		}
	} else if err := fsutil.WriteFileNoSync(fp, data, 0o644); err != nil {
		// No hard links here (another filesystem, a FAT stick): a copy.
		return fmt.Errorf("write target %s: %w", p, err)
	}
	w.written = append(w.written, fp)
	return nil
}

// sync makes every file put wrote durable, before metadata naming them
// is written.
func (w *targetWriter) sync() error {
	if len(w.written) == 0 {
		return nil
	}
	if err := fsutil.SyncFS(w.r.dir, w.written); err != nil {
		return fmt.Errorf("write targets: %w", err)
	}
	w.written = nil
	return nil
}

// encodeSnapshot is the snapshot's signed part as canonical JSON, byte for
// byte what go-tuf's Sign encodes (cjson: sorted keys, no spaces), written
// directly: the snapshot lists a line per village role, and go-tuf's
// generic encoder (marshal, decode into maps, re-encode) would make every
// publish pay for the whole county.
func encodeSnapshot(s *metadata.SnapshotType) ([]byte, error) {
	if len(s.UnrecognizedFields) > 0 {
		return nil, fmt.Errorf("snapshot with unknown fields")
	}
	exp, err := s.Expires.MarshalJSON()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(s.Meta))
	for n := range s.Meta {
		names = append(names, n)
	}
	sort.Strings(names)
	b := make([]byte, 0, 64+len(names)*128)
	str := func(v string) {
		b = append(b, '"')
		for i := 0; i < len(v); i++ {
			if v[i] == '"' || v[i] == '\\' {
				b = append(b, '\\')
			}
			b = append(b, v[i])
		}
		b = append(b, '"')
	}
	b = append(b, `{"_type":`...)
	str(s.Type)
	b = append(b, `,"expires":`...)
	b = append(b, exp...)
	b = append(b, `,"meta":{`...)
	for i, n := range names {
		m := s.Meta[n]
		if len(m.UnrecognizedFields) > 0 {
			return nil, fmt.Errorf("snapshot meta %s with unknown fields", n)
		}
		if i > 0 {
			b = append(b, ',')
		}
		str(n)
		b = append(b, ':', '{')
		sep := false
		if len(m.Hashes) > 0 {
			algs := make([]string, 0, len(m.Hashes))
			for a := range m.Hashes {
				algs = append(algs, a)
			}
			sort.Strings(algs)
			b = append(b, `"hashes":{`...)
			for j, a := range algs {
				if j > 0 {
					b = append(b, ',')
				}
				str(a)
				b = append(b, ':')
				str(hex.EncodeToString(m.Hashes[a]))
			}
			b = append(b, '}')
			sep = true
		}
		if m.Length != 0 {
			if sep {
				b = append(b, ',')
			}
			b = append(b, `"length":`...)
			b = strconv.AppendInt(b, m.Length, 10)
			sep = true
		}
		if sep {
			b = append(b, ',')
		}
		b = append(b, `"version":`...)
		b = strconv.AppendInt(b, m.Version, 10)
		b = append(b, '}')
	}
	b = append(b, `},"spec_version":`...)
	str(s.SpecVersion)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, s.Version, 10)
	b = append(b, '}')
	return b, nil
}

// signSnapshot signs md with the snapshot key and returns the file bytes:
// {"signatures":[…],"signed":<canonical signed part>}.
func (r *Repo) signSnapshot(md *metadata.Metadata[metadata.SnapshotType]) ([]byte, error) {
	payload, err := encodeSnapshot(&md.Signed)
	if err != nil {
		return nil, err
	}
	s, err := r.signer(metadata.SNAPSHOT)
	if err != nil {
		return nil, err
	}
	sig, err := s.SignMessage(bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("sign snapshot: %w", err)
	}
	pub, err := s.PublicKey()
	if err != nil {
		return nil, err
	}
	key, err := metadata.KeyFromPublicKey(pub)
	if err != nil {
		return nil, err
	}
	kid, err := key.ID()
	if err != nil {
		return nil, err
	}
	md.Signatures = []metadata.Signature{{KeyID: kid, Signature: sig}}
	out := make([]byte, 0, len(payload)+256)
	out = append(out, `{"signatures":[{"keyid":"`...)
	out = append(out, kid...)
	out = append(out, `","sig":"`...)
	out = append(out, hex.EncodeToString(sig)...)
	out = append(out, `"}],"signed":`...)
	out = append(out, payload...)
	return append(out, '}'), nil
}
