package agent

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"periph.io/x/conn/v3/display"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/deploy/notify"
	"github.com/sunboard/sunboard/display/apa102"
	"github.com/sunboard/sunboard/display/brightness"
	"github.com/sunboard/sunboard/display/drm"
	"github.com/sunboard/sunboard/display/fbdev"
	"github.com/sunboard/sunboard/display/sim"
	"github.com/sunboard/sunboard/display/spi"
	"github.com/sunboard/sunboard/feed"
	"github.com/sunboard/sunboard/feed/clock"
	"github.com/sunboard/sunboard/feed/doorbell"
	"github.com/sunboard/sunboard/player"
	"github.com/sunboard/sunboard/player/proof"
	"github.com/sunboard/sunboard/render"
)

// Agent is one village agent: its feed, the content it shows and its
// displays.
type Agent struct {
	cfg   *Config
	feed  *feed.Feed
	clock *clock.Clock
	now   func() time.Time
	dims  []*dimmer // set once by Run before status is served
	devs  map[string]display.Drawer
	proof *proof.Log

	mu       sync.Mutex
	shown    player.Content // the last version that loaded cleanly
	hasShown bool
	lastSync time.Time
	syncErr  string
	// tried is when the sync loop last attempted a sync (unix ns), for the
	// watchdog: a board with no network is alive, a hung loop is not.
	tried atomic.Int64
	upd   *selfUpdate // set by Run (update.go)
}

// buildFloor is the earliest time the agent believes: a Pi without RTC
// boots in 1970, and this release was certainly not built before it.
var buildFloor = time.Date(2026, 11, 1, 0, 0, 0, 0, content.ChinaTime)

// Open opens the agent's state. It never touches the network. now nil
// means the agent's own clock (never earlier than the last persisted time).
func Open(cfg *Config, now func() time.Time) (*Agent, error) {
	if err := os.MkdirAll(cfg.State, 0o700); err != nil {
		return nil, fmt.Errorf("state dir %q: %w", cfg.State, err)
	}
	clk, err := clock.Open(filepath.Join(cfg.State, "clock"), &clock.Opts{Floor: buildFloor})
	if err != nil {
		return nil, fmt.Errorf("open clock: %w", err)
	}
	if err := clk.LoadError(); err != nil {
		log.Printf("clock state: %v (starting from the build date)", err)
	}
	if now == nil {
		now = func() time.Time { t, _ := clk.Now(); return t }
	}
	f, err := feed.Open(feed.Opts{URL: cfg.Feed, Root: cfg.Root, State: filepath.Join(cfg.State, "feed"), Village: cfg.Village, Now: now})
	if err != nil {
		return nil, fmt.Errorf("open feed state: %w", err)
	}
	for _, w := range f.Warnings() {
		log.Printf("feed: %s", w)
	}
	a := &Agent{cfg: cfg, feed: f, clock: clk, now: now}
	if err := a.load(); err != nil {
		log.Printf("stored content: %v", err)
	}
	return a, nil
}

// load parses the feed's current version and, if it is valid, makes it
// the content shown. Invalid content (e.g. personal data a buggy sunpub let
// through) is refused and the previous content stays.
func (a *Agent) load() error {
	ver, ok := a.feed.Current()
	if !ok {
		return nil
	}
	a.mu.Lock()
	same := a.hasShown && a.shown.Version == ver.Number
	a.mu.Unlock()
	if same {
		return nil
	}
	v, err := content.Load(ver.FS)
	if err != nil {
		return fmt.Errorf("version %d refused, keeping the previous content:\n%w", ver.Number, err)
	}
	if v.ID != a.cfg.Village {
		return fmt.Errorf("version %d is for village %s, not %s: refused", ver.Number, v.ID, a.cfg.Village)
	}
	a.mu.Lock()
	a.shown, a.hasShown = player.Content{Village: v, Version: ver.Number, Hashes: itemHashes(ver.FS, v)}, true
	a.mu.Unlock()
	return nil
}

// Content is the player's source.
func (a *Agent) Content() (player.Content, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.shown, a.hasShown
}

// Sync runs one sync and loads what it brought. It fails when no verified
// content is available afterwards, or when this sync failed.
func (a *Agent) Sync(ctx context.Context) error {
	_, err := a.feed.Sync(ctx)
	lerr := a.load()
	a.mu.Lock()
	a.lastSync = a.now()
	a.syncErr = ""
	if err != nil {
		a.syncErr = err.Error()
	} else if lerr != nil {
		a.syncErr = lerr.Error()
	}
	a.mu.Unlock()
	kept := ""
	if c, ok := a.Content(); ok {
		kept = fmt.Sprintf(" (still showing verified version %d)", c.Version)
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w%s", a.cfg.Feed, err, kept)
	}
	if lerr != nil {
		return fmt.Errorf("%w%s", lerr, kept)
	}
	if _, ok := a.Content(); !ok {
		return errors.New("no verified content for this village yet")
	}
	return nil
}

type output struct {
	player.Output
	sim *sim.Dev
	rec *sim.Recorder
	dim *dimmer
}

func (a *Agent) outputs() ([]output, error) {
	var outs []output
	for _, d := range a.cfg.Display {
		var screen display.Drawer
		switch d.Kind {
		case "fbdev", "drm":
			// Open the screen first: its mode decides the layout size.
			var err error
			if screen, err = openScreen(d); err != nil {
				return nil, fmt.Errorf("display %s: %w", d.Name, err)
			}
			if d.Size == "" {
				b := screen.Bounds()
				d.Size = fmt.Sprintf("%dx%d", b.Dx(), b.Dy())
			}
		}
		prof, err := render.ParseProfile(d.Profile, d.Size)
		if err != nil {
			return nil, fmt.Errorf("display %s: %w", d.Name, err)
		}
		r, err := render.New(prof)
		if err != nil {
			return nil, fmt.Errorf("display %s: %w", d.Name, err)
		}
		o := output{Output: player.Output{Name: d.Name, Renderer: r, FPS: d.FPS}}
		switch d.Kind {
		case "fbdev", "drm":
			o.Dev = screen
			if o.FPS == 0 {
				o.FPS = 25 // PAL; a TV channel needs no more
			}
		case "sim":
			dev, err := sim.New(d.Name, &sim.Opts{Width: prof.Width, Height: prof.Height, LED: prof.Kind != render.TV, Pitch: d.Pitch})
			if err != nil {
				return nil, fmt.Errorf("display %s: %w", d.Name, err)
			}
			o.Dev, o.sim = dev, dev
			if o.FPS == 0 && prof.Kind == render.TV {
				o.FPS = 25 // PAL
			}
			if d.Record != "" {
				if o.rec, err = startRecording(dev, d, prof); err != nil {
					return nil, fmt.Errorf("display %s: %w", d.Name, err)
				}
			}
		case "spi":
			dev, err := spi.Open(d.Bus, &spi.Opts{Width: prof.Width, Height: prof.Height, Map: d.Map,
				Order: d.Order, Brightness: d.Brightness, MaxMilliamps: d.MaxMilliamps, SupplyAmps: d.SupplyAmps})
			if err != nil {
				return nil, fmt.Errorf("display %s: %w", d.Name, err)
			}
			o.Dev = dev
		case "apa102":
			dev, err := apa102.Open(d.Bus, &apa102.Opts{Width: prof.Width, Height: prof.Height, Map: d.Map,
				Brightness: d.Brightness, MaxMilliamps: d.MaxMilliamps, SupplyAmps: d.SupplyAmps})
			if err != nil {
				return nil, fmt.Errorf("display %s: %w", d.Name, err)
			}
			o.Dev = dev
		case "ws281x":
			dev, err := openWS281x(d, prof)
			if err != nil {
				return nil, fmt.Errorf("display %s: %w", d.Name, err)
			}
			o.Dev = dev
		default:
			return nil, fmt.Errorf("display %s: kind %q not supported", d.Name, d.Kind)
		}
		if b, ok := o.Dev.(brightness.Board); ok {
			if o.dim, err = newDimmer(a.cfg, d, b); err != nil {
				return nil, fmt.Errorf("display %s: %w", d.Name, err)
			}
		}
		outs = append(outs, o)
	}
	return outs, nil
}

// RunOpts are hooks for Run.
type RunOpts struct {
	// Ready is called with the preview URL once it listens.
	Ready func(previewURL string)
	// Now overrides the player's clock (the demo uses it); nil is time.Now.
	Now func() time.Time
	// Version is the running agent's version; a release version (1.2.3)
	// turns self-update on (update.go), anything else leaves it off.
	Version string
}

// Run syncs in a loop, plays, and serves the local preview until ctx ends.
func (a *Agent) Run(ctx context.Context, opts RunOpts) error {
	outs, err := a.outputs()
	if err != nil {
		return err
	}
	var pouts []player.Output
	var sims []*sim.Dev
	var dims []*dimmer
	for _, o := range outs {
		if o.rec != nil {
			defer func() {
				if err := o.rec.Stop(); err != nil {
					log.Printf("display %s: %v", o.Name, err)
				}
			}()
		}
		if o.dim != nil {
			dims = append(dims, o.dim)
		}
		pouts = append(pouts, o.Output)
		if o.sim != nil {
			sims = append(sims, o.sim)
		}
	}
	playNow := opts.Now
	if playNow == nil {
		playNow = a.now
	}
	pl := player.New(a.Content, playNow, pouts...)
	ctx, stopUpdate := a.startSelfUpdate(ctx, opts.Version, pl.LastFrame)
	defer stopUpdate()
	a.dims = dims
	a.devs = map[string]display.Drawer{}
	for _, o := range outs {
		a.devs[o.Name] = o.Dev
	}
	if a.proof, err = openProof(a.cfg.State); err != nil {
		return err
	}
	defer a.proof.Close()
	pl.OnShown = a.recordShown
	pl.Schedule = a.cfg.Schedule.schedule()

	preview := sim.NewPreview(sims...)
	preview.SetStatus(func() any { return a.status(pl) })
	ln, err := net.Listen("tcp", a.cfg.Listen)
	if err != nil {
		return fmt.Errorf("preview listen %s: %w", a.cfg.Listen, err)
	}
	srv := &http.Server{Handler: preview, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Printf("preview: %v", err)
		}
	}()
	if opts.Ready != nil {
		opts.Ready("http://" + ln.Addr().String() + "/")
	}

	var ring <-chan struct{}
	if a.cfg.Doorbell != "" {
		ring, err = doorbell.Listen(ctx, doorbell.Opts{Broker: a.cfg.Doorbell, Village: a.cfg.Village,
			Township: a.cfg.Village[:10], OnError: func(err error) { log.Printf("doorbell: %v", err) }})
		if err != nil {
			return fmt.Errorf("doorbell %s: %w", a.cfg.Doorbell, err)
		}
	}
	var wg sync.WaitGroup
	// systemd: READY once the loops start; watchdog pings only while the
	// frame loops draw and the sync loop turns (attempts, not successes).
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := notify.Ready(); err != nil {
			log.Printf("sd_notify: %v", err)
		}
		maxSyncGap := 3*a.cfg.Poll.Duration + 10*time.Minute
		notify.Watchdog(ctx, func() bool {
			frameOK := time.Since(pl.LastFrame()) < 10*time.Second
			syncOK := time.Since(time.Unix(0, a.tried.Load())) < maxSyncGap
			return frameOK && syncOK
		})
	}()
	defer func() { _ = notify.Stopping() }()
	if a.cfg.Fleet != "" {
		key, err := proof.LoadKey(filepath.Join(a.cfg.State, "device.key"))
		if err != nil {
			return fmt.Errorf("fleet: device key: %w", err)
		}
		rep := &reporter{a: a, pl: pl, key: key, client: &http.Client{Timeout: 30 * time.Second}}
		wg.Add(1)
		go func() { defer wg.Done(); rep.run(ctx) }()
	}
	for _, m := range dims {
		wg.Add(1)
		go func() { defer wg.Done(); m.run(ctx, playNow) }()
	}
	wg.Add(2)
	go func() { defer wg.Done(); a.syncLoop(ctx, ring) }()
	go func() { defer wg.Done(); _ = pl.Run(ctx) }()
	wg.Wait()
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return a.selfUpdateErr(ctx)
}

func (a *Agent) syncLoop(ctx context.Context, ring <-chan struct{}) {
	for {
		a.tried.Store(time.Now().UnixNano())
		err := a.Sync(ctx)
		if err != nil && ctx.Err() == nil {
			log.Printf("%v", err)
		}
		a.afterSync(ctx, err)
		if err := a.clock.Persist(); err != nil {
			log.Printf("persist clock: %v", err)
		}
		// Full jitter around the poll interval: a county-wide power cut
		// must not make every board poll in the same second.
		wait := a.cfg.Poll.Duration/2 + rand.N(a.cfg.Poll.Duration)
		select {
		case <-ctx.Done():
			return
		case <-ring:
			// The county rang: an urgent notice is waiting. Sync now.
		case <-time.After(wait):
		}
	}
}

func (a *Agent) status(pl *player.Player) any {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, src := a.clock.Now()
	st := map[string]any{
		"时钟来源": clockSourceZH(string(src)),
		"村庄":   a.cfg.Village,
		"内容版本": a.shown.Version,
		"上次同步": a.lastSync.In(content.ChinaTime).Format("2006-01-02 15:04:05"),
	}
	if a.hasShown {
		st["村庄"] = a.cfg.Village + " " + a.shown.Village.Name
	}
	if a.syncErr != "" {
		st["同步状态"] = "失败，继续显示上次验证的内容：" + a.syncErr
	} else {
		st["同步状态"] = "正常"
	}
	var now []string
	for _, s := range pl.Showing() {
		now = append(now, fmt.Sprintf("%s：%s（%d/%d），下一项 %s", s.Display, orIdle(s.Item), s.Page, s.Pages, orIdle(s.Next)))
	}
	st["正在显示"] = strings.Join(now, "；")
	if v := a.updateStatus(); v != "" {
		st["软件版本"] = v
	}
	if tail := a.proofTail(4); tail != "" {
		st["展示记录"] = tail
	}
	if len(a.dims) > 0 {
		var ls []string
		for _, m := range a.dims {
			ls = append(ls, m.status())
		}
		st["LED 亮度"] = strings.Join(ls, "；")
	}
	return st
}

func orIdle(item string) string {
	if item == "" {
		return "待机画面"
	}
	return item
}

// Render writes every page each display shows at t as
// OUT/<display>/<NNN>-<item>.png, in play order, from stored content only.
func (a *Agent) Render(outDir string, t time.Time) error {
	c, ok := a.Content()
	if !ok {
		return errors.New("no verified content in the state dir: run `sunboard sync` first")
	}
	var layoutErrs []error
	for _, d := range a.cfg.Display {
		prof, err := render.ParseProfile(d.Profile, d.Size)
		if err != nil {
			return fmt.Errorf("display %s: %w", d.Name, err)
		}
		r, err := render.New(prof)
		if err != nil {
			return fmt.Errorf("display %s: %w", d.Name, err)
		}
		pages, err := a.cfg.Schedule.schedule().Playlist(r, c.Village, t)
		if err != nil {
			// Write what the board shows anyway, then report the rest.
			layoutErrs = append(layoutErrs, fmt.Errorf("display %s: %w", d.Name, err))
		}
		if _, err := player.WriteStillFiles(pages, prof, filepath.Join(outDir, d.Name), t); err != nil {
			return err
		}
	}
	return errors.Join(layoutErrs...)
}

// startRecording records a sim display as the config asks. LED boards are
// drawn 4× (a 128×64 board is 512×256) so the file is not a stamp.
func startRecording(dev *sim.Dev, d DisplayConfig, prof render.Profile) (*sim.Recorder, error) {
	o := sim.RecordOpts{MaxDuration: time.Duration(d.RecordSeconds) * time.Second, Scale: 1}
	if prof.Kind != render.TV && prof.Width <= 256 {
		o.Scale = 4
	}
	if strings.HasSuffix(strings.ToLower(d.Record), ".gif") {
		o.GIF = d.Record
	} else {
		o.Dir = d.Record
	}
	return dev.Record(o)
}

func openScreen(d DisplayConfig) (display.Drawer, error) {
	var w, h int
	if d.Size != "" {
		if _, err := fmt.Sscanf(d.Size, "%dx%d", &w, &h); err != nil {
			return nil, fmt.Errorf("size %q: %w", d.Size, err)
		}
	}
	switch d.Kind {
	case "fbdev":
		dev := d.Device
		if dev == "" {
			dev = "/dev/fb0"
		}
		return fbdev.Open(dev, &fbdev.Opts{})
	default:
		dev := d.Device
		if dev == "" {
			dev = "/dev/dri/card0"
		}
		return drm.Open(dev, &drm.Opts{Width: w, Height: h})
	}
}

// clockSourceZH says on the status page how the board knows the time.
func clockSourceZH(src string) string {
	switch src {
	case "ntp":
		return "网络校时（NTP）"
	case "signed", "http":
		return "县服务器时间（" + src + "）"
	case "persisted", "build":
		return "上次保存的时间（未联网校时，" + src + "）"
	}
	return src
}
