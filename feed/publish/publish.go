// Package publish is the county side of the feed: it keeps a TUF repository of
// village content on disk, signs it, and serves it as static files.
//
// Layout of a repository directory:
//
//	keys/       ed25519 private keys, one file per role (0600, dir 0700):
//	            root.json (root-2.json … when the root threshold is above 1),
//	            targets, snapshot, timestamp, and county.json, the county's
//	            half of every township delegation
//	repo.json   expiry periods, thresholds and the townships
//	signed/     the latest signed metadata, the source of truth for the next publish
//	staged/     township roles the county signed that wait for the township's signature
//	blobs/      every distinct target content once; public/targets/ hard-links to it
//	townships/  reviewer key files made by AddTownship, to hand over and then delete
//	public/     what is served: metadata/ (consistent snapshots) and targets/
//
// Trust model: root delegates to targets (the county), which signs county-wide
// items (county/*, see PublishCounty) itself and delegates villages/<township>/*/* to one role per
// township, "township-<id>", whose keys are {county.json, the township's
// reviewer key} with threshold VillageThreshold (default 2), terminating. So
// neither the county nor a township alone can change what a village shows.
// A township without a delegation yet (none after Init) has each of its
// villages signed by the targets key in a role of its own,
// "village-<id>" (see VillageRolePrefix), as a single-county setup needs:
// publishing one village re-signs that small role, snapshot and timestamp
// only.
//
// signed/ is kept apart from public/ so the served tree can be copied to a
// CDN or damaged without losing the publisher's state.
package publish

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/sunboard/sunboard/feed/internal/fsutil"
	"github.com/sunboard/sunboard/feed/internal/scheme"
)

// InitOpts configures a new repository.
type InitOpts struct {
	// Expiry maps a role name (root, targets, snapshot, timestamp) to how long
	// its signatures stay valid. Missing roles get the defaults: root 1 year,
	// targets 3 months, snapshot 1 week, timestamp 1 day.
	Expiry map[string]time.Duration
	// Now is the clock used while initialising; nil means time.Now.
	Now func() time.Time
	// RootThreshold is how many root keys are made and must sign each new
	// root version; 0 means 1.
	RootThreshold int
	// VillageThreshold is how many of {county, township} keys must sign a
	// township role; 0 means 2 (county publishes and township approves).
	// 1 lets either sign alone.
	VillageThreshold int
}

var roles = []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP}

var defaultExpiry = map[string]time.Duration{
	metadata.ROOT:      365 * 24 * time.Hour,
	metadata.TARGETS:   90 * 24 * time.Hour,
	metadata.SNAPSHOT:  7 * 24 * time.Hour,
	metadata.TIMESTAMP: 24 * time.Hour,
}

type repoConfig struct {
	// ExpirySeconds is role → validity period in seconds.
	ExpirySeconds    map[string]int64 `json:"expiry_seconds"`
	RootThreshold    int              `json:"root_threshold,omitempty"`
	VillageThreshold int              `json:"village_threshold,omitempty"`
	// Townships is township id → its delegation.
	Townships map[string]*townshipConfig `json:"townships,omitempty"`
}

type keyFile struct {
	KeyType string `json:"keytype"`
	Scheme  string `json:"scheme"`
	KeyVal  struct {
		Public  string `json:"public"`
		Private string `json:"private"` // hex ed25519 seed
	} `json:"keyval"`
	// Set in township reviewer key files only.
	Township     string `json:"township,omitempty"`
	Name         string `json:"name,omitempty"`
	CountyPublic string `json:"county_public,omitempty"` // hex ed25519 key the county co-signs with
}

// Init creates a county repository in dir and returns warnings to show the
// operator. It fails if dir already holds a repository.
func Init(dir string, opts InitOpts) (warnings []string, err error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	for _, p := range []string{filepath.Join(dir, "repo.json"), filepath.Join(dir, "signed"), filepath.Join(dir, "keys")} {
		if _, err := os.Stat(p); err == nil {
			return nil, fmt.Errorf("init %q: %q exists: directory already has a repository", dir, p)
		}
	}
	cfg := repoConfig{ExpirySeconds: map[string]int64{}, RootThreshold: max(opts.RootThreshold, 1), VillageThreshold: opts.VillageThreshold}
	if cfg.VillageThreshold == 0 {
		cfg.VillageThreshold = 2
	}
	if cfg.VillageThreshold < 1 || cfg.VillageThreshold > 2 || cfg.RootThreshold > 9 {
		return nil, fmt.Errorf("init %q: village threshold %d (want 1 or 2), root threshold %d (want 1..9)", dir, cfg.VillageThreshold, cfg.RootThreshold)
	}
	for role, d := range defaultExpiry {
		cfg.ExpirySeconds[role] = int64(d / time.Second)
	}
	for role, d := range opts.Expiry {
		if _, ok := defaultExpiry[role]; !ok {
			return nil, fmt.Errorf("init %q: unknown role %q in Expiry", dir, role)
		}
		if d < time.Second {
			return nil, fmt.Errorf("init %q: expiry for %s is %v, want at least 1s", dir, role, d)
		}
		cfg.ExpirySeconds[role] = int64(d / time.Second)
	}
	for _, d := range []string{dir, filepath.Join(dir, "signed"), filepath.Join(dir, "public", "metadata"), filepath.Join(dir, "public", "targets")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("init: %w", err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "keys"), 0o700); err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}

	r := &Repo{dir: dir, cfg: cfg, now: now, signers: map[string]signature.Signer{}}
	t := now().UTC()
	root := metadata.Root(r.expires(metadata.ROOT, t))
	for _, role := range roles {
		names := []string{role}
		if role == metadata.ROOT {
			names = rootKeyNames(cfg.RootThreshold)
		}
		for _, name := range names {
			key, err := r.newKey(name)
			if err != nil {
				return nil, err
			}
			if err := root.Signed.AddKey(key, role); err != nil {
				return nil, fmt.Errorf("add %s key to root: %w", role, err)
			}
		}
	}
	root.Signed.Roles[metadata.ROOT].Threshold = cfg.RootThreshold
	if _, err := r.newKey(countyKey); err != nil {
		return nil, err
	}
	if err := r.signRoot(root, nil); err != nil {
		return nil, err
	}
	rootBytes, err := root.ToBytes(true)
	if err != nil {
		return nil, fmt.Errorf("encode root: %w", err)
	}
	if err := r.writeSigned("root.json", rootBytes); err != nil {
		return nil, err
	}
	for _, name := range []string{"1.root.json", "root.json"} {
		if err := r.writePublic(path.Join("metadata", name), rootBytes); err != nil {
			return nil, err
		}
	}
	st := &state{targets: metadata.Targets(r.expires(metadata.TARGETS, t)), snapshot: metadata.Snapshot(), timestamp: metadata.Timestamp()}
	// Version 0 so commit's bump makes the first published set version 1.
	st.targets.Signed.Version, st.snapshot.Signed.Version, st.timestamp.Signed.Version = 0, 0, 0
	if err := r.commit(st, true, t); err != nil {
		return nil, err
	}
	cb, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	// repo.json last: its presence marks a complete repository for Open.
	if err := fsutil.WriteFile(filepath.Join(dir, "repo.json"), cb, 0o644); err != nil {
		return nil, err
	}
	return r.keyWarnings(), nil
}

// Repo is an initialised county repository. Its methods may be called from
// several goroutines; publishing is serialised.
type Repo struct {
	dir     string
	cfg     repoConfig
	now     func() time.Time
	mu      sync.Mutex
	signers map[string]signature.Signer
	// signerSrc is the key file each cached signer was parsed from.
	signerSrc map[string][]byte

	etagMu sync.Mutex
	etags  map[string]etagEntry
}

// Open opens the repository Init created in dir.
func Open(dir string) (*Repo, error) {
	b, err := os.ReadFile(filepath.Join(dir, "repo.json"))
	if err != nil {
		return nil, fmt.Errorf("open repository %q: %w", dir, err)
	}
	var cfg repoConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, fmt.Errorf("open repository %q: parse repo.json: %w", dir, err)
	}
	r := &Repo{dir: dir, cfg: cfg, now: time.Now, signers: map[string]signature.Signer{}}
	// Each operation reads what it needs; Open only checks the signed
	// metadata is there, so opening a 1,000-village county costs nothing.
	for _, name := range []string{"targets.json", "snapshot.json", "timestamp.json"} {
		if _, err := os.Stat(filepath.Join(dir, "signed", name)); err != nil {
			return nil, fmt.Errorf("open repository %q: signed metadata: %w", dir, err)
		}
	}
	return r, nil
}

// RootPath is the trusted root agents pin: version 1 of root.json.
func (r *Repo) RootPath() string {
	return filepath.Join(r.dir, "public", "metadata", "1.root.json")
}

// PublishVillage replaces the village's whole file set with files
// (relpath → content); see PublishVillages, which does it for many
// villages in one commit. Publishing the same set again changes nothing.
func (r *Repo) PublishVillage(villageID string, files map[string][]byte) error {
	return r.PublishVillages(map[string]map[string][]byte{villageID: files})
}

// PublishCounty replaces the county-wide items (policies, urgent notices)
// with files (relpath → content), signed by the county alone in the
// top-level targets: targets county/<flatname> and the manifest
// county/manifest.json, the same scheme as a village folder. Every agent
// shows them under county/ of its village folder, in the same version as
// its village files. An empty files removes every county-wide item.
// Publishing the same set again changes nothing.
func (r *Repo) PublishCounty(files map[string][]byte) error {
	m, err := scheme.NewCountyManifest(files)
	if err != nil {
		return fmt.Errorf("publish county items: %w", err)
	}
	mb, err := m.Marshal()
	if err != nil {
		return fmt.Errorf("publish county items: encode manifest: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.load()
	if err != nil {
		return err
	}
	if err := r.publishTop(st, scheme.CountyDir, scheme.CountyManifestPath, m, mb, files); err != nil {
		return fmt.Errorf("publish county items: %w", err)
	}
	return nil
}

// publishTop replaces the top-level targets under dir with the manifest's
// files and the manifest itself at mpath, and commits if anything changed.
func (r *Repo) publishTop(st *state, dir, mpath string, m *scheme.Manifest, mb []byte, files map[string][]byte) error {
	tg := st.targets.Signed.Targets
	want := map[string]*metadata.TargetFiles{}
	add := func(p string, data []byte) error {
		tf := targetInfo(p, data)
		want[p] = tf
		return r.writeTarget(p, tf, data)
	}
	for _, rel := range m.Rels() {
		if err := add(m.Files[rel].Target, files[rel]); err != nil {
			return err
		}
	}
	if err := add(mpath, mb); err != nil {
		return err
	}
	old := map[string]*metadata.TargetFiles{}
	for p, tf := range tg {
		if strings.HasPrefix(p, dir+"/") {
			old[p] = tf
			delete(tg, p)
		}
	}
	same := len(old) == len(want)
	for p, tf := range want {
		if o, ok := old[p]; !ok || !o.Equal(*tf) {
			same = false
		}
		tg[p] = tf
	}
	if same {
		return nil
	}
	return r.commit(st, true, r.now().UTC())
}

// Refresh publishes township versions that were approved (as Finish does),
// stages renewals of township roles past half their validity for approval,
// and re-signs snapshot and timestamp with fresh expiry dates (run from
// cron). Targets is re-signed too once less than half its period is left, so
// a county that publishes nothing for months does not let every board go
// stale, and root (a new version, same keys) once less than a quarter of its
// period is left and the root keys are on this machine (see Renew).
func (r *Repo) Refresh() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.load()
	if err != nil {
		return err
	}
	t := r.now().UTC()
	// Township roles need the township's signature, so Refresh cannot renew
	// them; it stages a renewal for approval once half their period is gone.
	for role, b := range st.deleg {
		md, err := metadata.Targets().FromBytes(b)
		if err != nil {
			return err
		}
		if _, err := os.Stat(r.stagedPath(role)); err == nil || md.Signed.Expires.Sub(t) >= r.period(metadata.TARGETS)/2 {
			continue
		}
		if err := r.stage(strings.TrimPrefix(role, TownshipRolePrefix), func(map[string]*metadata.TargetFiles) {}, true); err != nil {
			return err
		}
	}
	// Village roles are the county's alone: re-signed here once half
	// their period is gone, like targets.
	if err := r.resignVillageRoles(st, t, func(md *metadata.Metadata[metadata.TargetsType]) bool {
		return md.Signed.Expires.Sub(t) < r.period(metadata.TARGETS)/2
	}); err != nil {
		return err
	}
	promoted, err := r.promote(st)
	if err != nil {
		return err
	}
	left := st.targets.Signed.Expires.Sub(t)
	if err := r.commit(st, promoted || left < r.period(metadata.TARGETS)/2, t); err != nil {
		return err
	}
	// Root is renewed (same keys, new version) once less than a quarter of
	// its period is left, if enough root keys are on this machine; with the
	// root keys offline, run sunpub key renew --role root where they are.
	if due, _, err := r.rootDue(t); err != nil {
		return err
	} else if due {
		if err := r.renewRoot(t); err != nil && !errors.Is(err, errRootKeysOffline) {
			return err
		}
	}
	return nil
}

// state is the latest signed metadata set.
type state struct {
	// targets is nil in a light state (loadLight) until loadTargets.
	targets   *metadata.Metadata[metadata.TargetsType]
	snapshot  *metadata.Metadata[metadata.SnapshotType]
	timestamp *metadata.Metadata[metadata.TimestampType]
	// deleg is role name → signed township role bytes (signed/<role>.json);
	// empty in a light state. delegChanged names the roles promoteList
	// changed, for commit to list in the snapshot.
	deleg        map[string][]byte
	delegChanged map[string]bool
	// vnew is village role → newly signed bytes for commit to publish;
	// vgone the village roles commit drops (their township went live).
	vnew  map[string][]byte
	vgone map[string]bool
}

func (r *Repo) load() (*state, error) {
	st, err := r.loadLight()
	if err != nil {
		return nil, err
	}
	if err := r.loadTargets(st); err != nil {
		return nil, err
	}
	for id := range r.cfg.Townships {
		role := townshipRole(id)
		b, err := os.ReadFile(filepath.Join(r.dir, "signed", role+".json"))
		if os.IsNotExist(err) {
			continue // added, first version not approved yet
		}
		if err != nil {
			return nil, fmt.Errorf("load signed %s: %w", role, err)
		}
		st.deleg[role] = b
	}
	return st, nil
}

// loadTargets parses signed/targets.json into a light state.
func (r *Repo) loadTargets(st *state) error {
	if st.targets != nil {
		return nil
	}
	var err error
	if st.targets, err = metadata.Targets().FromFile(filepath.Join(r.dir, "signed", "targets.json")); err != nil {
		return fmt.Errorf("load signed targets in %q: %w", r.dir, err)
	}
	return nil
}

// loadLight reads only snapshot and timestamp: what a publish of village
// roles changes, whatever the size of the county.
func (r *Repo) loadLight() (*state, error) {
	st := &state{deleg: map[string][]byte{}, delegChanged: map[string]bool{}, vnew: map[string][]byte{}, vgone: map[string]bool{}}
	var err error
	if st.snapshot, err = readSnapshot(filepath.Join(r.dir, "signed", "snapshot.json")); err != nil {
		return nil, fmt.Errorf("load signed snapshot in %q: %w", r.dir, err)
	}
	if st.timestamp, err = metadata.Timestamp().FromFile(filepath.Join(r.dir, "signed", "timestamp.json")); err != nil {
		return nil, fmt.Errorf("load signed timestamp in %q: %w", r.dir, err)
	}
	if st.snapshot.Signed.Meta == nil {
		st.snapshot.Signed.Meta = map[string]*metadata.MetaFiles{}
	}
	return st, nil
}

// commit bumps and signs the changed roles and writes them: signed/ first
// (so a crash can only make the next version skip a number, never reuse
// one), then public/ with timestamp.json last, so a client never sees a
// timestamp that points at files not yet written. The snapshot starts from
// the previous one: only roles changed here (targets when newTargets,
// st.vnew, st.vgone, township roles promoted) are re-hashed, so its cost
// does not grow with the files of the county.
func (r *Repo) commit(st *state, newTargets bool, t time.Time) error {
	meta := make(map[string]*metadata.MetaFiles, len(st.snapshot.Signed.Meta)+len(st.vnew))
	for k, v := range st.snapshot.Signed.Meta {
		meta[k] = v
	}
	type file struct {
		signed, public string
		data           []byte
	}
	var signedFiles, publicFiles []file
	if newTargets || meta["targets.json"] == nil {
		if err := r.loadTargets(st); err != nil {
			return err
		}
	}
	if st.targets != nil {
		var targetsBytes []byte
		var err error
		if newTargets {
			st.targets.Signed.Version++
			st.targets.Signed.Expires = r.expires(metadata.TARGETS, t)
			if err := r.sign(metadata.TARGETS, st.targets); err != nil {
				return err
			}
			if targetsBytes, err = st.targets.ToBytes(true); err != nil {
				return fmt.Errorf("encode targets: %w", err)
			}
		} else if targetsBytes, err = os.ReadFile(filepath.Join(r.dir, "signed", "targets.json")); err != nil {
			return fmt.Errorf("read signed targets: %w", err)
		}
		meta["targets.json"] = metaInfo(st.targets.Signed.Version, targetsBytes)
		signedFiles = append(signedFiles, file{"targets.json", "", targetsBytes})
		publicFiles = append(publicFiles, file{"", fmt.Sprintf("%d.targets.json", st.targets.Signed.Version), targetsBytes})
	}
	var delegFiles []file
	for role, b := range st.deleg {
		// Hashing is cheap next to parsing: a township role is parsed only
		// when it changed (promoted here, or written to signed/ by hand).
		if m := meta[role+".json"]; m != nil && !st.delegChanged[role] && m.Length == int64(len(b)) {
			sum := sha256.Sum256(b)
			if string(m.Hashes["sha256"]) == string(sum[:]) {
				continue
			}
		}
		md, err := metadata.Targets().FromBytes(b)
		if err != nil {
			return fmt.Errorf("parse signed %s: %w", role, err)
		}
		meta[role+".json"] = metaInfo(md.Signed.Version, b)
		delegFiles = append(delegFiles, file{"", fmt.Sprintf("%d.%s.json", md.Signed.Version, role), b})
	}
	var vroleFiles []file
	vroles := make([]string, 0, len(st.vnew))
	for role := range st.vnew {
		vroles = append(vroles, role)
	}
	sort.Strings(vroles)
	for _, role := range vroles {
		b := st.vnew[role]
		md, err := metadata.Targets().FromBytes(b)
		if err != nil {
			return fmt.Errorf("parse signed %s: %w", role, err)
		}
		meta[role+".json"] = metaInfo(md.Signed.Version, b)
		vroleFiles = append(vroleFiles, file{role + ".json", fmt.Sprintf("%d.%s.json", md.Signed.Version, role), b})
	}
	// A role once in the snapshot stays listed (TUF clients refuse a
	// snapshot that drops one); a dropped village role keeps its last
	// version there, with no delegation pointing at it.
	st.snapshot.Signed.Version++
	st.snapshot.Signed.Expires = r.expires(metadata.SNAPSHOT, t)
	st.snapshot.Signed.Meta = meta
	snapBytes, err := r.signSnapshot(st.snapshot)
	if err != nil {
		return fmt.Errorf("sign snapshot: %w", err)
	}
	st.timestamp.Signed.Version++
	st.timestamp.Signed.Expires = r.expires(metadata.TIMESTAMP, t)
	st.timestamp.Signed.Meta = map[string]*metadata.MetaFiles{"snapshot.json": metaInfo(st.snapshot.Signed.Version, snapBytes)}
	if err := r.sign(metadata.TIMESTAMP, st.timestamp); err != nil {
		return err
	}
	tsBytes, err := st.timestamp.ToBytes(true)
	if err != nil {
		return fmt.Errorf("encode timestamp: %w", err)
	}
	signedFiles = append(signedFiles, file{"snapshot.json", "", snapBytes}, file{"timestamp.json", "", tsBytes})
	// Village roles (a whole county of them on a first publish) are
	// written without an fsync each, then made durable with one SyncFS
	// before the snapshot that names them: signed copy first, then the
	// served version, which nothing refers to until the snapshot does.
	var written []string
	for _, f := range vroleFiles {
		for _, p := range []string{filepath.Join(r.dir, "signed", f.signed), filepath.Join(r.dir, "public", "metadata", f.public)} {
			if err := fsutil.WriteFileNoSync(p, f.data, 0o644); err != nil {
				return err
			}
			written = append(written, p)
		}
	}
	if len(written) > 0 {
		if err := fsutil.SyncFS(r.dir, written); err != nil {
			return err
		}
	}
	for _, f := range signedFiles {
		if err := r.writeSigned(f.signed, f.data); err != nil {
			return err
		}
	}
	for role := range st.vgone {
		if err := os.Remove(filepath.Join(r.dir, "signed", role+".json")); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	for _, f := range delegFiles {
		// Consistent-snapshot names are immutable: write each version once.
		p := filepath.Join(r.dir, "public", "metadata", f.public)
		if old, err := os.ReadFile(p); err == nil && string(old) == string(f.data) {
			continue
		}
		if err := r.writePublic(path.Join("metadata", f.public), f.data); err != nil {
			return err
		}
	}
	publicFiles = append(publicFiles,
		file{"", fmt.Sprintf("%d.snapshot.json", st.snapshot.Signed.Version), snapBytes},
		file{"", "timestamp.json", tsBytes})
	for _, f := range publicFiles {
		if err := r.writePublic(path.Join("metadata", f.public), f.data); err != nil {
			return err
		}
	}
	st.vnew, st.vgone, st.delegChanged = map[string][]byte{}, map[string]bool{}, map[string]bool{}
	return nil
}

func metaInfo(version int64, data []byte) *metadata.MetaFiles {
	sum := sha256.Sum256(data)
	return &metadata.MetaFiles{Version: version, Length: int64(len(data)), Hashes: metadata.Hashes{"sha256": sum[:]}}
}

func targetInfo(p string, data []byte) *metadata.TargetFiles {
	sum := sha256.Sum256(data)
	return &metadata.TargetFiles{Path: p, Length: int64(len(data)), Hashes: metadata.Hashes{"sha256": sum[:]}}
}

// writeTarget stores data under its consistent-snapshot name
// public/targets/<dir>/<sha256>.<name>. An existing file is kept only if its
// content still matches, so a damaged copy is repaired by republishing.
func (r *Repo) writeTarget(p string, tf *metadata.TargetFiles, data []byte) error {
	dir, name := path.Split(p)
	fp := filepath.Join(r.dir, "public", "targets", filepath.FromSlash(dir), hex.EncodeToString(tf.Hashes["sha256"])+"."+name)
	if old, err := os.ReadFile(fp); err == nil && tf.VerifyLengthHashes(old) == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
		return fmt.Errorf("write target %s: %w", p, err)
	}
	if err := fsutil.WriteFile(fp, data, 0o644); err != nil {
		return fmt.Errorf("write target %s: %w", p, err)
	}
	return nil
}

func (r *Repo) writeSigned(name string, data []byte) error {
	return fsutil.WriteFile(filepath.Join(r.dir, "signed", name), data, 0o644)
}

func (r *Repo) writePublic(rel string, data []byte) error {
	return fsutil.WriteFile(filepath.Join(r.dir, "public", filepath.FromSlash(rel)), data, 0o644)
}

func (r *Repo) period(role string) time.Duration {
	if s, ok := r.cfg.ExpirySeconds[role]; ok && s > 0 {
		return time.Duration(s) * time.Second
	}
	return defaultExpiry[role]
}

func (r *Repo) expires(role string, t time.Time) time.Time {
	return t.Add(r.period(role)).UTC().Truncate(time.Second)
}

func (r *Repo) keyPath(role string) string {
	return filepath.Join(r.dir, "keys", role+".json")
}

func (r *Repo) keyWarnings() []string {
	var w []string
	for _, name := range rootKeyNames(max(r.cfg.RootThreshold, 1)) {
		if _, err := os.Stat(r.keyPath(name)); err == nil {
			w = append(w, fmt.Sprintf("root key is on this machine: move %s offline (it is only needed to rotate keys or renew root.json before it expires)", r.keyPath(name)))
		}
	}
	return w
}

func (r *Repo) signer(role string) (signature.Signer, error) {
	// The key file is read each time: another process (sunpub key rotate
	// while sunpub serve runs) may have replaced it; the parsed signer is
	// reused while the file is unchanged.
	raw, err := os.ReadFile(r.keyPath(role))
	if err != nil {
		return nil, fmt.Errorf("load %s key: %w", role, err)
	}
	if s, ok := r.signers[role]; ok && string(r.signerSrc[role]) == string(raw) {
		return s, nil
	}
	s, err := loadSigner(r.keyPath(role))
	if err != nil {
		return nil, fmt.Errorf("load %s key: %w", role, err)
	}
	if r.signerSrc == nil {
		r.signerSrc = map[string][]byte{}
	}
	r.signers[role], r.signerSrc[role] = s, raw
	return s, nil
}

func loadSigner(p string) (signature.Signer, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var kf keyFile
	if err := json.Unmarshal(b, &kf); err != nil {
		return nil, fmt.Errorf("parse key %q: %w", p, err)
	}
	seed, err := hex.DecodeString(kf.KeyVal.Private)
	if err != nil || kf.KeyType != "ed25519" || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("key %q: not an ed25519 seed (keytype %q)", p, kf.KeyType)
	}
	s, err := signature.LoadSigner(ed25519.NewKeyFromSeed(seed), crypto.Hash(0))
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", p, err)
	}
	return s, nil
}

type signable interface {
	Sign(signature.Signer) (*metadata.Signature, error)
	ClearSignatures()
}

func (r *Repo) sign(role string, m signable) error {
	s, err := r.signer(role)
	if err != nil {
		return err
	}
	m.ClearSignatures()
	if _, err := m.Sign(s); err != nil {
		return fmt.Errorf("sign %s: %w", role, err)
	}
	return nil
}

// readSnapshot decodes a signed snapshot.json like go-tuf's FromFile but
// without its second decoding of every meta line (to keep unknown fields,
// which this publisher never writes): the snapshot lists one line per
// village role, and publishing one village must not cost a county's worth
// of decoding.
func readSnapshot(p string) (*metadata.Metadata[metadata.SnapshotType], error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var raw struct {
		Signed struct {
			Type        string    `json:"_type"`
			SpecVersion string    `json:"spec_version"`
			Version     int64     `json:"version"`
			Expires     time.Time `json:"expires"`
			Meta        map[string]*struct {
				Length  int64           `json:"length,omitempty"`
				Hashes  metadata.Hashes `json:"hashes,omitempty"`
				Version int64           `json:"version"`
			} `json:"meta"`
		} `json:"signed"`
		Signatures []metadata.Signature `json:"signatures"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("parse %s: %w", p, err)
	}
	if raw.Signed.Type != metadata.SNAPSHOT {
		return nil, fmt.Errorf("parse %s: _type %q, want %q", p, raw.Signed.Type, metadata.SNAPSHOT)
	}
	md := metadata.Snapshot(raw.Signed.Expires)
	md.Signed.SpecVersion = raw.Signed.SpecVersion
	md.Signed.Version = raw.Signed.Version
	md.Signed.Meta = make(map[string]*metadata.MetaFiles, len(raw.Signed.Meta))
	for name, m := range raw.Signed.Meta {
		if m == nil {
			return nil, fmt.Errorf("parse %s: meta %q is null", p, name)
		}
		md.Signed.Meta[name] = &metadata.MetaFiles{Length: m.Length, Hashes: m.Hashes, Version: m.Version}
	}
	md.Signatures = raw.Signatures
	return md, nil
}
