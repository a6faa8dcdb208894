package agent

import (
	"context"
	"errors"
	"log"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sunboard/sunboard/agent/selfupdate"
	"github.com/sunboard/sunboard/deploy/notify"
)

// BinDir is where self-update stages agent binaries: StateDirectory/bin.
func BinDir(cfg *Config) string { return filepath.Join(cfg.State, "bin") }

// selfUpdate is the agent's part of updating itself (agent/selfupdate):
// after each successful sync it checks for a new signed release, and a
// binary on trial reports healthy once its frame loop draws and a sync
// succeeded (what the watchdog pings also need), or rolls back at its
// deadline.
type selfUpdate struct {
	version string
	dir     string
	up      *selfupdate.Updater // nil: self-update off (dev build)
	trial   *selfupdate.Trial   // nil: not on trial
	onTrial atomic.Bool         // trial set and not yet done
	synced  atomic.Bool
	cancel  context.CancelCauseFunc
	// checking is set while a Check runs: a download over a slow link
	// must not hold up the sync loop, nor run twice.
	checking atomic.Bool
	wg       sync.WaitGroup
}

// startSelfUpdate sets up self-update for Run. The returned context is
// cancelled with selfupdate.ErrRestart once a new binary is switched to or
// a failed trial rolled back; Run then returns that error.
func (a *Agent) startSelfUpdate(ctx context.Context, version string, lastFrame func() time.Time) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	u := &selfUpdate{version: version, dir: BinDir(a.cfg), cancel: cancel}
	a.upd = u
	stop := func() { cancel(nil); u.wg.Wait() }
	if version == "" {
		return ctx, stop // demo, tests: no self-update
	}
	o := selfupdate.Opts{Dir: u.dir, Version: version, Now: a.now, Logf: log.Printf}
	up, err := selfupdate.New(o)
	if err != nil {
		log.Printf("%v", err)
		return ctx, stop
	}
	u.up = up
	_ = notify.Status(selfupdate.Status(u.dir, version))
	if u.trial = selfupdate.OpenTrial(o); u.trial != nil {
		log.Printf("self-update: %s", u.trial)
		u.onTrial.Store(true)
		u.wg.Add(1)
		go func() {
			defer u.wg.Done()
			t := time.NewTicker(5 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				healthy := time.Since(lastFrame()) < 10*time.Second && u.synced.Load()
				done, restart, err := u.trial.Check(healthy)
				if err != nil {
					log.Printf("%v", err)
				}
				if restart {
					cancel(selfupdate.ErrRestart)
				}
				if done {
					u.onTrial.Store(false)
					_ = notify.Status(selfupdate.Status(u.dir, version))
					return
				}
			}
		}()
	}
	return ctx, stop
}

// afterSync runs after each sync attempt of the sync loop.
func (a *Agent) afterSync(ctx context.Context, err error) {
	u := a.upd
	if u == nil || err != nil || ctx.Err() != nil {
		return
	}
	u.synced.Store(true)
	if u.up == nil || u.onTrial.Load() {
		return
	}
	if !u.checking.CompareAndSwap(false, true) {
		return
	}
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		defer u.checking.Store(false)
		switched, err := u.up.Check(ctx, a.feed)
		if err != nil && ctx.Err() == nil {
			log.Printf("%v", err)
			_ = notify.Status(selfupdate.Status(u.dir, u.version))
		}
		if switched {
			u.cancel(selfupdate.ErrRestart)
		}
	}()
}

// selfUpdateErr is what Run returns once its loops ended.
func (a *Agent) selfUpdateErr(ctx context.Context) error {
	if errors.Is(context.Cause(ctx), selfupdate.ErrRestart) {
		return selfupdate.ErrRestart
	}
	return nil
}

// updateStatus is the status page's line on the agent's version.
func (a *Agent) updateStatus() string {
	if a.upd == nil {
		return ""
	}
	return selfupdate.Status(a.upd.dir, a.upd.version)
}
