// Command sunboard is the village agent: it syncs signed disclosure content
// from the county and shows it on the village's LED boards and TV.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sunboard/sunboard/agent"
	"github.com/sunboard/sunboard/agent/provision"
	"github.com/sunboard/sunboard/agent/selfupdate"
	"github.com/sunboard/sunboard/content"
)

// version is set at build time: go build -ldflags "-X main.version=1.2.3".
// Self-update compares it with the county's signed releases; "dev" builds
// never update themselves.
var version = "dev"

const usage = `usage:
  sunboard version                                 print the version (self-update checks it)
  sunboard sync   --config FILE                    one sync, then exit (0: verified content in the store)
  sunboard run    --config FILE                    the agent: sync loop, player, displays
  sunboard render --config FILE --out DIR [--at T] every page each display shows at T, as PNG
  sunboard demo   [--listen ADDR] [--record DIR [--seconds N]]
                                                   the sample village on a simulated LED board and TV;
                                                   --record writes DIR/square.gif and DIR/tv.gif, then stops
  sunboard device-key --config FILE                this board's public key, for sunpub device add
  sunboard provision --village ID --feed URL --root root.json [--config FILE] [--state DIR] [--fleet URL]
                     [--display name:kind[:size[:profile[:device]]]]... [--repo DIR] [--force]
                                                   write config + pinned root, create the device key, print key + QR
  sunboard config check [--config FILE]            check a config, its root, state dir and display devices`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	if cmd == "version" {
		fmt.Println(version, selfupdate.Arch())
		return
	}
	if cmd == "config" && len(args) > 0 && args[0] == "check" {
		cmd, args = "config check", args[1:]
	}
	fl := flag.NewFlagSet("sunboard "+cmd, flag.ExitOnError)
	config := fl.String("config", "/etc/sunboard/sunboard.toml", "agent config file")
	out := fl.String("out", "", "output directory (render)")
	at := fl.String("at", "", "time to render, RFC 3339 or 2006-01-02T15:04 China time (render; default now)")
	listen := fl.String("listen", "", "preview address (demo)")
	var demo agent.DemoOpts
	fl.StringVar(&demo.Record, "record", "", "directory for an animated GIF of each display (demo)")
	fl.IntVar(&demo.Seconds, "seconds", 30, "how long to record (demo --record)")
	var prov provision.Opts
	fl.StringVar(&prov.Village, "village", "", "village id like 370783-101-001 (provision)")
	fl.StringVar(&prov.Feed, "feed", "", "the county's feed URL (provision)")
	fl.StringVar(&prov.Root, "root", "", "the county's root.json to pin (provision)")
	fl.StringVar(&prov.State, "state", provision.DefaultState, "state directory: content, metadata, device key (provision)")
	fl.StringVar(&prov.Fleet, "fleet", "", "the county's fleet server URL, optional (provision)")
	fl.StringVar(&prov.Repo, "repo", provision.DefaultRepo, "county repository, for the printed sunpub line (provision)")
	fl.BoolVar(&prov.Force, "force", false, "replace an existing config (provision)")
	fl.Func("display", "name:kind[:size[:profile[:device]]], repeatable (provision; default square:spi:128x64:led-rgb + tv:drm)", func(s string) error {
		d, err := provision.ParseDisplay(s)
		prov.Displays = append(prov.Displays, d)
		return err
	})
	_ = fl.Parse(args)
	switch cmd {
	case "provision", "config check":
		var err error
		if cmd == "provision" {
			prov.Config = *config
			err = provision.Provision(prov, os.Stdout)
		} else {
			err = provision.CheckConfig(*config, os.Stdout)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "sunboard %s: %v\n", cmd, err)
			os.Exit(1)
		}
		return
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	demo.Listen, demo.Out = *listen, os.Stdout
	if err := run(ctx, cmd, *config, *out, *at, demo); errors.Is(err, selfupdate.ErrRestart) {
		// Exit so systemd (Restart=always) starts the binary just switched
		// to, or back to the previous one after a failed trial.
		fmt.Fprintf(os.Stderr, "sunboard %s: %v\n", cmd, err)
		return
	} else if err != nil {
		fmt.Fprintf(os.Stderr, "sunboard %s: %v\n", cmd, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd, config, out, at string, demo agent.DemoOpts) error {
	if cmd == "demo" {
		return agent.Demo(ctx, demo)
	}
	cfg, err := agent.LoadConfig(config)
	if err != nil {
		return err
	}
	cfg.ApplyMemoryLimit()
	if cmd == "run" {
		// The launcher: a newer binary staged by self-update replaces this
		// process here (exec, same PID), unless its trial failed.
		selfupdate.Launch(selfupdate.Opts{Dir: agent.BinDir(cfg), Version: version, Logf: log.Printf})
	}
	if cmd == "device-key" {
		pem, err := agent.DevicePublicKey(cfg.State)
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(pem)
		return err
	}
	a, err := agent.Open(cfg, nil)
	if err != nil {
		return err
	}
	switch cmd {
	case "sync":
		return a.Sync(ctx)
	case "run":
		return a.Run(ctx, agent.RunOpts{Ready: func(url string) { fmt.Println("preview:", url) }, Version: version})
	case "render":
		if out == "" {
			return fmt.Errorf("--out DIR is required")
		}
		t, err := content.ParseTime(at, time.Now())
		if err != nil {
			return err
		}
		return a.Render(out, t)
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}
