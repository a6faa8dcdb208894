package feed

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"

	"github.com/sunboard/sunboard/feed/internal/fsutil"
	"github.com/sunboard/sunboard/feed/internal/scheme"
)

// Sync runs one update: refresh TUF metadata from the pinned or persisted
// root, fetch the village manifest and every file it lists that is not
// already stored, verify each against its signed target info, then switch
// current.json atomically. On any error the current version stays as it was.
// changed reports that a new version became current.
func (f *Feed) Sync(ctx context.Context) (changed bool, err error) {
	f.syncMu.Lock()
	defer f.syncMu.Unlock()
	changed, err = f.sync(ctx)
	if errors.Is(err, syscall.ENOSPC) {
		// Free what this attempt wrote: half downloads and objects only the
		// refused version uses. The version on screen is untouched.
		f.clearDir(f.dirs.partial)
		f.clearDir(f.dirs.tmp)
		f.gc(nil)
		return false, fmt.Errorf("sync %s: disk full: %w", f.opts.Village, err)
	}
	if err != nil {
		return false, fmt.Errorf("sync %s: %w", f.opts.Village, err)
	}
	return changed, nil
}

// updaterConfig is go-tuf's set-up for this feed: the persisted trusted
// root, the county's URLs, tuf/ for metadata and tmp/ for downloads.
func (f *Feed) updaterConfig(ft *fetcher) (*config.UpdaterConfig, error) {
	rootBytes, err := os.ReadFile(filepath.Join(f.dirs.tuf, "root.json"))
	if err != nil {
		return nil, fmt.Errorf("read trusted root: %w", err)
	}
	cfg, err := config.New(f.base+"metadata/", rootBytes)
	if err != nil {
		return nil, err
	}
	cfg.RemoteMetadataURL = f.base + "metadata/"
	cfg.RemoteTargetsURL = f.base + "targets/"
	cfg.LocalMetadataDir = f.dirs.tuf
	cfg.LocalTargetsDir = f.dirs.tmp
	cfg.Fetcher = ft
	return cfg, nil
}

func (f *Feed) sync(ctx context.Context) (bool, error) {
	ft := f.newFT(ctx)
	cfg, err := f.updaterConfig(ft)
	if err != nil {
		return false, err
	}
	up, err := updater.New(cfg)
	if err != nil {
		return false, fmt.Errorf("load trusted root: %w", err)
	}
	now := f.now()
	// go-tuf reads the wall clock once at New; the agent's clock (which
	// never runs backwards past its persisted time) is the one that counts.
	up.UnsafeSetRefTime(now.UTC())
	if err := up.Refresh(); err != nil {
		return false, explainRefresh(err, up, ft)
	}
	snapVersion := up.GetTrustedMetadataSet().Snapshot.Signed.Version

	mpath, _ := scheme.ManifestPath(f.opts.Village)
	mi, err := up.GetTargetInfo(mpath)
	if err != nil {
		if errors.Is(err, &metadata.ErrRepository{}) {
			return false, fmt.Errorf("%s: delegated metadata refused: %w", mpath, err)
		}
		return false, fmt.Errorf("village not published: no signed target %s: %w", mpath, err)
	}
	if err := f.checkSource(up, mpath); err != nil {
		return false, err
	}
	msum, err := sha256Hex(mi)
	if err != nil {
		return false, err
	}
	ci, err := countyManifestInfo(up)
	if err != nil {
		return false, err
	}
	csum := ""
	if ci != nil {
		if csum, err = sha256Hex(ci); err != nil {
			return false, err
		}
	}
	f.mu.RLock()
	var prev []versionRec
	prev = append(prev, f.hist...)
	f.mu.RUnlock()
	if len(prev) > 0 && prev[0].Manifest == msum && prev[0].County == csum {
		return false, nil
	}
	if err := f.fetchTarget(ft, mi); err != nil {
		return false, err
	}
	mdata, err := os.ReadFile(filepath.Join(f.dirs.objects, msum))
	if err != nil {
		return false, fmt.Errorf("read manifest object: %w", err)
	}
	m, err := scheme.ParseManifest(mdata, f.opts.Village)
	if err != nil {
		return false, fmt.Errorf("manifest %s (snapshot %d): %w", mpath, snapVersion, err)
	}
	rec := versionRec{Number: snapVersion, Verified: now.UTC(), Manifest: msum, County: csum, Files: map[string]fileRec{}}
	// Resolve and check every file first, so the quota is known before a
	// byte of content is downloaded.
	var infos []*metadata.TargetFiles
	resolve := func(m *scheme.Manifest, prefix string, check func(string) error) error {
		for _, rel := range m.Rels() {
			e := m.Files[rel]
			ti, err := up.GetTargetInfo(e.Target)
			if err != nil {
				return fmt.Errorf("manifest lists %q as %s, which is not a signed target: %w", rel, e.Target, err)
			}
			if err := check(e.Target); err != nil {
				return err
			}
			sum, err := sha256Hex(ti)
			if err != nil {
				return err
			}
			if sum != e.SHA256 || ti.Length != e.Length {
				return fmt.Errorf("manifest entry %q disagrees with signed target %s (sha256 %s length %d, signed %s length %d)",
					rel, e.Target, e.SHA256, e.Length, sum, ti.Length)
			}
			infos = append(infos, ti)
			rec.Files[prefix+rel] = fileRec{SHA256: sum, Length: ti.Length}
		}
		return nil
	}
	if err := resolve(m, "", func(p string) error { return f.checkSource(up, p) }); err != nil {
		return false, err
	}
	if ci != nil {
		if err := f.fetchTarget(ft, ci); err != nil {
			return false, err
		}
		cdata, err := os.ReadFile(filepath.Join(f.dirs.objects, csum))
		if err != nil {
			return false, fmt.Errorf("read county manifest object: %w", err)
		}
		cm, err := scheme.ParseCountyManifest(cdata)
		if err != nil {
			return false, fmt.Errorf("county manifest %s (snapshot %d): %w", scheme.CountyManifestPath, snapVersion, err)
		}
		if err := resolve(cm, scheme.CountyDir+"/", func(p string) error { return checkCountySource(up, p) }); err != nil {
			return false, err
		}
	}
	kept, err := f.makeRoom(rec, prev)
	if err != nil {
		return false, err
	}
	for _, ti := range infos {
		if err := f.fetchTarget(ft, ti); err != nil {
			return false, err
		}
	}
	hist := append([]versionRec{rec}, kept...)
	if err := f.writeCurrent(hist); err != nil {
		return false, err
	}
	f.mu.Lock()
	f.hist = hist
	f.mu.Unlock()
	f.gc(nil)
	f.clearDir(f.dirs.partial)
	return true, nil
}

// versionObjects returns the objects a version uses with their sizes; the
// manifests' sizes are read from the store (0 when missing).
func (f *Feed) versionObjects(v versionRec) map[string]int64 {
	objs := map[string]int64{v.Manifest: f.objectSize(v.Manifest)}
	if v.County != "" {
		objs[v.County] = f.objectSize(v.County)
	}
	for _, fr := range v.Files {
		objs[fr.SHA256] = fr.Length
	}
	return objs
}

// makeRoom decides which older versions stay beside the new one rec: the one
// on screen (prev[0]) always stays until rec is complete, older ones only
// while Opts.Keep and the quota allow. If rec and the current version do not
// fit together, rec is refused. Versions dropped here are dropped from
// current.json and their objects deleted before the download starts, so the
// space is really there; so are partial downloads rec does not need.
func (f *Feed) makeRoom(rec versionRec, prev []versionRec) (kept []versionRec, err error) {
	used := f.versionObjects(rec)
	need := int64(0)
	for _, n := range used {
		need += n
	}
	newOnly := need
	add := func(v versionRec) int64 {
		extra := int64(0)
		for sum, n := range f.versionObjects(v) {
			if _, ok := used[sum]; !ok {
				extra += n
			}
		}
		return extra
	}
	commit := func(v versionRec) {
		for sum, n := range f.versionObjects(v) {
			used[sum] = n
		}
	}
	if len(prev) > 0 {
		need += add(prev[0])
		if need > f.quota {
			f.gc(nil)
			return nil, fmt.Errorf("over quota: version %d needs %d bytes, %d with version %d still on screen, quota is %d bytes: keeping version %d",
				rec.Number, newOnly, need, prev[0].Number, f.quota, prev[0].Number)
		}
		commit(prev[0])
		kept = append(kept, prev[0])
		for _, v := range prev[1:] {
			if len(kept)+1 >= f.keep {
				break
			}
			extra := add(v)
			if need+extra > f.quota {
				break
			}
			need += extra
			commit(v)
			kept = append(kept, v)
		}
	} else if need > f.quota {
		return nil, fmt.Errorf("over quota: version %d needs %d bytes, quota is %d bytes", rec.Number, need, f.quota)
	}
	if len(kept) < len(prev) {
		if err := f.writeCurrent(kept); err != nil {
			return nil, err
		}
		f.mu.Lock()
		f.hist = kept
		f.mu.Unlock()
	}
	wanted := map[string]bool{}
	for sum := range f.versionObjects(rec) {
		wanted[sum] = true
	}
	f.gc(wanted)
	ents, _ := os.ReadDir(f.dirs.partial)
	for _, e := range ents {
		if !wanted[strings.TrimSuffix(e.Name(), ".etag")] {
			os.Remove(filepath.Join(f.dirs.partial, e.Name()))
		}
	}
	return kept, nil
}

// objectSize is the size of a stored object, 0 if it is missing.
func (f *Feed) objectSize(sum string) int64 {
	fi, err := os.Stat(filepath.Join(f.dirs.objects, sum))
	if err != nil {
		return 0
	}
	return fi.Size()
}

// clearDir removes every file in dir (partial downloads, temp metadata).
func (f *Feed) clearDir(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		os.Remove(filepath.Join(dir, e.Name()))
	}
}

// explainRefresh turns a go-tuf refresh error into one that says which file
// and what kind of failure, keeping the go-tuf error in the chain.
func explainRefresh(err error, up *updater.Updater, ft *fetcher) error {
	last := ft.lastName()
	var (
		expired  *metadata.ErrExpiredMetadata
		badVer   *metadata.ErrBadVersionNumber
		unsigned *metadata.ErrUnsignedMetadata
		mismatch *metadata.ErrLengthOrHashMismatch
		tooLong  *metadata.ErrDownloadLengthMismatch
	)
	switch {
	case errors.As(err, &expired):
		tm := up.GetTrustedMetadataSet()
		when := ""
		if tm.Timestamp != nil {
			when = fmt.Sprintf(" (timestamp expires %s)", tm.Timestamp.Signed.Expires.Format("2006-01-02 15:04:05Z07:00"))
		}
		return fmt.Errorf("stale: signed metadata expired%s, keeping last verified content: %w", when, err)
	case errors.As(err, &badVer):
		return fmt.Errorf("%s: rollback refused: %w", last, err)
	case errors.As(err, &unsigned):
		return fmt.Errorf("%s: signature check failed: %w", last, err)
	case errors.As(err, &mismatch):
		return fmt.Errorf("%s: length or hash mismatch: %w", last, err)
	case errors.As(err, &tooLong):
		return fmt.Errorf("%s: longer than signed: %w", last, err)
	}
	return fmt.Errorf("refresh metadata (at %s): %w", last, err)
}

func sha256Hex(ti *metadata.TargetFiles) (string, error) {
	h, ok := ti.Hashes["sha256"]
	if !ok || len(h) != sha256.Size {
		return "", fmt.Errorf("signed target %s has no sha256", ti.Path)
	}
	return hex.EncodeToString(h), nil
}

// fetchTarget makes sure objects/<sha256> holds the target, downloading into
// partial/ (resumable) and moving it in only after length and every signed
// hash matched.
func (f *Feed) fetchTarget(ft *fetcher, ti *metadata.TargetFiles) error {
	sum, err := sha256Hex(ti)
	if err != nil {
		return err
	}
	obj := filepath.Join(f.dirs.objects, sum)
	if fi, err := os.Stat(obj); err == nil && fi.Size() == ti.Length {
		// Stored objects were hash-checked when written and again at Open.
		return nil
	}
	dir, name := path.Split(ti.Path)
	u := f.base + "targets/" + dir + sum + "." + name
	part := filepath.Join(f.dirs.partial, sum)
	for try := 0; ; try++ {
		ft.setLast(u)
		res, err := ft.download(u, part, ti.Length, true, nil)
		if err != nil {
			return fmt.Errorf("fetch target %s: %w", ti.Path, err)
		}
		err = verifyFile(part, ti)
		if err == nil {
			break
		}
		os.Remove(part)
		os.Remove(part + ".etag")
		if !res.resumed || try > 0 {
			return fmt.Errorf("verify target %s: %w", ti.Path, err)
		}
		// A resumed download may have stitched two different bodies
		// together; one clean retry from byte 0 tells that apart.
	}
	if err := syncFile(part); err != nil {
		return err
	}
	if err := os.Rename(part, obj); err != nil {
		return fmt.Errorf("store target %s: %w", ti.Path, err)
	}
	os.Remove(part + ".etag")
	return fsutil.SyncDir(f.dirs.objects)
}

func verifyFile(p string, ti *metadata.TargetFiles) error {
	fh, err := os.Open(p)
	if err != nil {
		return err
	}
	defer fh.Close()
	hs := map[string]hash.Hash{}
	var ws []io.Writer
	for alg := range ti.Hashes {
		var h hash.Hash
		switch alg {
		case "sha256":
			h = sha256.New()
		case "sha512":
			h = sha512.New()
		default:
			continue // unknown algorithms are skipped; sha256 is required
		}
		hs[alg] = h
		ws = append(ws, h)
	}
	n, err := io.Copy(io.MultiWriter(ws...), fh)
	if err != nil {
		return err
	}
	if n != ti.Length {
		return fmt.Errorf("length %d, signed %d", n, ti.Length)
	}
	for alg, h := range hs {
		if got := h.Sum(nil); hex.EncodeToString(got) != hex.EncodeToString(ti.Hashes[alg]) {
			return fmt.Errorf("%s mismatch: got %x, signed %x", alg, got, []byte(ti.Hashes[alg]))
		}
	}
	return nil
}

func syncFile(p string) error {
	fh, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer fh.Close()
	if err := fh.Sync(); err != nil {
		return fmt.Errorf("fsync %q: %w", p, err)
	}
	return nil
}

// countyManifestInfo returns the signed target info of the county-wide
// manifest, or nil when the county has published no county-wide items. It is
// accepted only from the top-level targets (the county's key): found through
// any delegation instead, it is refused.
func countyManifestInfo(up *updater.Updater) (*metadata.TargetFiles, error) {
	p := scheme.CountyManifestPath
	if err := checkCountySource(up, p); err != nil {
		ti, gerr := up.GetTargetInfo(p)
		if gerr == nil && ti != nil {
			return nil, err
		}
		if errors.Is(gerr, &metadata.ErrRepository{}) {
			return nil, fmt.Errorf("%s: delegated metadata refused: %w", p, gerr)
		}
		return nil, nil // not published
	}
	ti, err := up.GetTargetInfo(p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return ti, nil
}

// checkCountySource refuses a county-wide target that is not listed in the
// top-level targets: county/* is the county's alone, never a township's.
func checkCountySource(up *updater.Updater, p string) error {
	top := up.GetTrustedMetadataSet().Targets[metadata.TARGETS]
	if top == nil {
		return fmt.Errorf("%s: no trusted targets", p)
	}
	if _, ok := top.Signed.Targets[p]; !ok {
		return fmt.Errorf("%s is not signed by the county's targets key (county-wide items are the county's alone): refused", p)
	}
	return nil
}

// townshipRolePrefix must match publish.TownshipRolePrefix.
const townshipRolePrefix = "township-"

// checkSource enforces what go-tuf's walk alone does not: go-tuf looks in the
// top-level targets before any delegation, so the county's targets key could
// sign a village file by itself. Once the village's township role is live
// (delegated and listed in the snapshot), a village file signed at top level
// is refused; with Opts.RequireTownship it is refused always, and the
// delegation must ask for at least two signatures.
func (f *Feed) checkSource(up *updater.Updater, p string) error {
	twp, err := scheme.ParseVillage(f.opts.Village)
	if err != nil {
		return err
	}
	role := townshipRolePrefix + twp
	tm := up.GetTrustedMetadataSet()
	top := tm.Targets[metadata.TARGETS]
	if top == nil || tm.Snapshot == nil {
		return fmt.Errorf("%s: no trusted targets", p)
	}
	threshold := 0
	if d := top.Signed.Delegations; d != nil {
		for _, r := range d.Roles {
			if r.Name == role {
				threshold = r.Threshold
			}
		}
	}
	_, inTop := top.Signed.Targets[p]
	_, live := tm.Snapshot.Signed.Meta[role+".json"]
	if inTop && threshold > 0 && live {
		return fmt.Errorf("%s is signed by the county alone, but township %s must approve its villages: refused", p, twp)
	}
	if threshold > 0 && live && top.Signed.Delegations != nil {
		// go-tuf takes a target from the first delegated role that lists
		// it: once the township's role is live, no other role (a village
		// role the county signs alone) may be delegated the path.
		for _, d := range top.Signed.Delegations.Roles {
			if ok, _ := d.IsDelegatedPath(p); ok && d.Name != role {
				return fmt.Errorf("%s is also delegated to %s, which township %s does not sign: refused", p, d.Name, twp)
			}
		}
	}
	if f.opts.RequireTownship && (inTop || threshold < 2) {
		return fmt.Errorf("%s: township approval required (role %s, threshold %d, signed at top level %v): refused", p, role, threshold, inTop)
	}
	return nil
}
