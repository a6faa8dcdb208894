package agent

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/content/sample"
	"github.com/sunboard/sunboard/feed/publish"
	"github.com/sunboard/sunboard/player"
)

// SimDisplays is the demo's pair of simulated displays as config text: the
// village-square LED board and the household TV. Tests use the same pair.
const SimDisplays = `
[[display]]
name    = "square"
kind    = "sim"
size    = "128x64"
profile = "led-rgb"
pitch   = 5

[[display]]
name    = "tv"
kind    = "sim"
size    = "1280x720"
profile = "tv"
`

// DemoOpts configures Demo.
type DemoOpts struct {
	Listen string    // preview address; "" → 127.0.0.1:8401, or any free port if taken
	Out    io.Writer // progress for the person at the terminal
	// Record, when set, is a directory that receives an animated GIF of
	// each display (square.gif, tv.gif); the demo stops after Seconds
	// (0 means 30).
	Record  string
	Seconds int
}

// DemoTime is the moment the sample village's content is written for:
// when today falls outside its 公示期 windows, the demo plays as if it were
// this moment, so `make demo` shows the same board whenever it is run.
var DemoTime = time.Date(2026, 11, 22, 9, 30, 0, 0, content.ChinaTime)

// Demo runs the whole chain on one machine: a throwaway county repository
// with the sample village published and served on loopback, and an agent
// with an LED board and a TV syncing from it. It removes everything it
// made when ctx ends.
func Demo(ctx context.Context, opts DemoOpts) error {
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	tmp, err := os.MkdirTemp("", "sunboard-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	county := filepath.Join(tmp, "county")
	if _, err := publish.Init(county, publish.InitOpts{}); err != nil {
		return fmt.Errorf("init county repository: %w", err)
	}
	repo, err := publish.Open(county)
	if err != nil {
		return err
	}
	files, err := sample.Files()
	if err != nil {
		return err
	}
	v, err := content.Load(sample.Village())
	if err != nil {
		return fmt.Errorf("sample village: %w", err)
	}
	if err := repo.PublishVillage(v.ID, files); err != nil {
		return fmt.Errorf("publish sample: %w", err)
	}
	fmt.Fprintf(out, "county repository %s: published %d items for %s %s\n", county, len(v.Items), v.ID, v.Name)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: repo.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	feedURL := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(out, "serving the signed repository at %s\n", feedURL)

	listen := opts.Listen
	if listen == "" {
		listen = "127.0.0.1:8401"
		if l, err := net.Listen("tcp", listen); err != nil {
			listen = "127.0.0.1:0"
		} else {
			l.Close()
		}
	}
	cfg, err := ParseConfig("demo.toml", []byte(fmt.Sprintf(`
village = %q
feed    = %q
root    = %q
state   = %q
listen  = %q
poll    = "10s"
`+SimDisplays, v.ID, feedURL, repo.RootPath(), filepath.Join(tmp, "agent"), listen)))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stopAfter time.Duration
	if opts.Record != "" {
		if err := os.MkdirAll(opts.Record, 0o755); err != nil {
			return err
		}
		secs := cmp.Or(opts.Seconds, 30)
		for i := range cfg.Display {
			cfg.Display[i].Record = filepath.Join(opts.Record, cfg.Display[i].Name+".gif")
			cfg.Display[i].RecordSeconds = secs
		}
		stopAfter = time.Duration(secs)*time.Second + time.Second
	}
	a, err := Open(cfg, nil)
	if err != nil {
		return err
	}
	if err := a.Sync(ctx); err != nil {
		return fmt.Errorf("first sync: %w", err)
	}
	now := time.Now
	if len(player.Due(v, time.Now())) == 0 {
		offset := time.Until(DemoTime)
		now = func() time.Time { return time.Now().Add(offset) }
		fmt.Fprintf(out, "today is outside the sample's 公示期: the demo clock starts at %s\n", DemoTime.Format("2006-01-02 15:04"))
	}
	err = a.Run(ctx, RunOpts{Now: now, Ready: func(url string) {
		fmt.Fprintf(out, "\n  live preview: %s\n\n  (Ctrl-C stops the demo and removes %s)\n", url, tmp)
		if stopAfter > 0 {
			fmt.Fprintf(out, "  recording %s into %s; the demo stops after that\n", stopAfter-time.Second, opts.Record)
			time.AfterFunc(stopAfter, cancel)
		}
	}})
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	fmt.Fprintf(out, "demo stopped; removing %s\n", tmp)
	return err
}
