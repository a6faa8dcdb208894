package feed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"

	"github.com/sunboard/sunboard/feed/internal/fsutil"
)

// CountyTarget is the signed info of a target the county's top-level
// targets key signed itself (agent releases: release.Path).
type CountyTarget struct {
	Path   string
	Length int64
	SHA256 string
	// Custom is the target's signed custom metadata (nil if none).
	Custom json.RawMessage
}

// ErrNoTarget is returned by FetchCountyTarget when the path is not a
// signed target at all (nothing released).
var ErrNoTarget = errors.New("no such signed target")

// FetchCountyTarget looks up target p in the TUF metadata the last Sync
// verified and persisted (the same trusted root and state; no network for
// the lookup, so call it after a successful Sync), and downloads it with
// Sync's fetcher. p must be listed in the top-level targets: a target reached only through a delegation (a
// township) is refused. want sees the signed info and returns the file to
// write it to, or "" to download nothing. The download goes to dst+".part"
// (resumed by the next call if interrupted); its length and every signed
// hash are checked before it is renamed to dst (fsynced, then its
// directory), so dst is either absent or complete and verified. The
// metadata refresh is serialised with Sync; the download is not, so a big
// file over a slow link does not hold up content.
func (f *Feed) FetchCountyTarget(ctx context.Context, p string, want func(CountyTarget) (dst string, err error)) (CountyTarget, error) {
	ft := f.newFT(ctx)
	ti, err := f.countyTargetInfo(ft, p)
	if err != nil {
		return CountyTarget{}, err
	}
	sum, err := sha256Hex(ti)
	if err != nil {
		return CountyTarget{}, err
	}
	ct := CountyTarget{Path: p, Length: ti.Length, SHA256: sum}
	if ti.Custom != nil {
		ct.Custom = append(json.RawMessage(nil), (*ti.Custom)...)
	}
	dst, err := want(ct)
	if err != nil || dst == "" {
		return ct, err
	}
	dir, name := path.Split(ti.Path)
	u := f.base + "targets/" + dir + sum + "." + name
	part := dst + ".part"
	for try := 0; ; try++ {
		ft.setLast(u)
		res, err := ft.download(u, part, ti.Length, true, nil)
		if err != nil {
			return ct, fmt.Errorf("fetch target %s: %w", p, err)
		}
		err = verifyFile(part, ti)
		if err == nil {
			break
		}
		os.Remove(part)
		os.Remove(part + ".etag")
		if !res.resumed || try > 0 {
			return ct, fmt.Errorf("verify target %s: %w: refused", p, err)
		}
	}
	if err := syncFile(part); err != nil {
		return ct, err
	}
	if err := os.Rename(part, dst); err != nil {
		os.Remove(part)
		return ct, fmt.Errorf("store target %s: %w", p, err)
	}
	os.Remove(part + ".etag")
	return ct, fsutil.SyncDir(filepath.Dir(dst))
}

func (f *Feed) countyTargetInfo(ft *fetcher, p string) (*metadata.TargetFiles, error) {
	f.syncMu.Lock()
	defer f.syncMu.Unlock()
	up, err := f.localUpdater(ft)
	if err != nil {
		return nil, err
	}
	ti, err := up.GetTargetInfo(p)
	if err != nil {
		if errors.Is(err, &metadata.ErrRepository{}) {
			return nil, fmt.Errorf("%s: delegated metadata refused: %w", p, err)
		}
		return nil, fmt.Errorf("%s: %w (%v)", p, ErrNoTarget, err)
	}
	if err := checkCountySource(up, p); err != nil {
		return nil, err
	}
	return ti, nil
}

// localUpdater is Sync's updater set-up (the persisted trusted root, the
// agent's clock) in go-tuf's local mode: timestamp, snapshot and targets
// are the files the last Sync verified and wrote to tuf/, verified again
// against the trusted root and checked for expiry, with no request: a board
// polling every minute does not poll twice.
func (f *Feed) localUpdater(ft *fetcher) (*updater.Updater, error) {
	cfg, err := f.updaterConfig(ft)
	if err != nil {
		return nil, err
	}
	cfg.UnsafeLocalMode = true
	up, err := updater.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("load trusted root: %w", err)
	}
	up.UnsafeSetRefTime(f.now().UTC())
	if err := up.Refresh(); err != nil {
		return nil, fmt.Errorf("verified metadata on disk (sync first): %w", err)
	}
	return up, nil
}
