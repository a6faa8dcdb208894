// Command sunpub is the county's tool: it keeps the signed repository that
// village agents sync from, publishes content folders into it and serves it.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/sunboard/sunboard/county"
	"github.com/sunboard/sunboard/feed/publish"
)

const usage = `usage:
  sunpub init    --repo DIR [--root-threshold N] [--village-threshold 1|2]
                                             new county repository and keys
  sunpub publish --repo DIR CONTENT_DIR...   validate, render-check and sign village folders
                                             (delegated townships: staged for approval)
  sunpub publish --repo DIR --finish         publish the staged versions townships approved
  sunpub publish --repo DIR --county DIR     county-wide items (no village.toml) for every village
  sunpub review  --repo DIR [--township ID | --township-key FILE] [--out DIR] [--display tv:1280x720]
                                             what waits for the township's approval, with previews
  sunpub approve --repo DIR --township-key FILE --village ID
                                             township reviewer: sign the staged version (own key only)
  sunpub township add    --repo DIR --id 370783-101 [--name 古城街道]
  sunpub township revoke --repo DIR --id 370783-101
  sunpub key rotate --repo DIR --role root|targets|snapshot|timestamp|county|township-ID
  sunpub key renew  --repo DIR --role root|targets|snapshot|timestamp   (same keys, new expiry)
  sunpub release --repo DIR --arch linux-arm64|linux-armv7|linux-armv6 --version 0.2.0 FILE [--revoke V,...]
                                             sign a new sunboard binary for that board type: boards install
                                             it after their next sync and roll back if it is not healthy
  sunpub refresh --repo DIR                  publish approved versions, re-sign snapshot and timestamp (cron)
  sunpub serve   --repo DIR --addr HOST:PORT [CONTENT_DIR...]
                                             serve the signed repository over HTTP
  sunpub preview --display tv:1280x720 --out DIR [--at 2026-11-22T09:30] [--repo DIR | --policy FILE] CONTENT_DIR
                                             exactly what boards will show, plus a contact sheet; masked
                                             as the county's policy.toml (in --repo) or --policy FILE says
  publish --doorbell mqtt://HOST:1883        ring the villages' MQTT doorbell: boards sync at once
  sunpub device add --repo DIR --village ID --key FILE
                                             register a board's device key (from sunboard device-key)
  sunpub serve   ... [CONTENT_DIR...]        the same address serves the fleet page (/) for every
                                             board's state, screenshots and proof log; with content
                                             folders (read with REPO/policy.toml) it also audits
                                             公示期 coverage (a folder that fails is logged and skipped)
  sunpub operator add --repo DIR --operator NAME [--operator-role county|township:ID]
                                             fleet page account (password from SUNPUB_OPERATOR_PASSWORD;
                                             run while serve is stopped); prints an API token (--token-days 90)
  sunpub operator token --repo DIR --operator NAME [--token-days 90]
                                             a new API token for an existing operator (serve stopped)
  sunpub serve   ... [--trusted-proxy 127.0.0.1] behind nginx: lock out the client from X-Forwarded-For,
                                             not the proxy (and every operator with it)
  sunpub audit   --fleet URL --village ID [--item ITEM]   (token from SUNPUB_FLEET_TOKEN)
                                             was each item shown for its whole 公示期? gaps? chain intact?`

type flags struct {
	repo, addr, id, name, townshipKey, village, role string
	display, out, at, doorbell, key, fleetURL, item  string
	countyDir, opName, opRole, township              string
	policy                                           string
	trustedProxies                                   string
	tokenDays                                        int
	finish, secureCookies                            bool
	arch, version, revoke                            string
	rootThreshold, villageThreshold                  int
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	cmd, rest := os.Args[1], os.Args[2:]
	if (cmd == "township" || cmd == "key" || cmd == "device" || cmd == "operator") && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	fl := flag.NewFlagSet("sunpub "+cmd, flag.ExitOnError)
	var f flags
	fl.StringVar(&f.repo, "repo", "", "county repository directory")
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8400", "listen address (serve)")
	fl.StringVar(&f.id, "id", "", "township id, e.g. 370783-101 (township add/revoke)")
	fl.StringVar(&f.name, "name", "", "township name (township add)")
	fl.StringVar(&f.townshipKey, "township-key", "", "township reviewer key file (approve, review)")
	fl.StringVar(&f.township, "township", "", "township id, e.g. 370783-101 (review; default every township)")
	fl.StringVar(&f.village, "village", "", "village id being approved (approve)")
	fl.StringVar(&f.role, "role", "", "role whose key to rotate (key rotate)")
	fl.StringVar(&f.display, "display", "tv:1280x720", "profile:size to preview, e.g. led-rgb:128x64 (preview)")
	fl.StringVar(&f.out, "out", "", "output directory (preview: default preview; review: default review)")
	fl.StringVar(&f.at, "at", "", "moment to preview, China time (preview; default now)")
	fl.StringVar(&f.policy, "policy", "", "privacy policy file to preview with, instead of --repo's policy.toml (preview)")
	fl.StringVar(&f.doorbell, "doorbell", "", "MQTT broker to ring after publishing (publish)")
	fl.StringVar(&f.key, "key", "", "device public key file (device add)")
	fl.StringVar(&f.fleetURL, "fleet", "http://127.0.0.1:8400/", "fleet server (audit)")
	fl.StringVar(&f.item, "item", "", "one item id (audit)")
	fl.StringVar(&f.countyDir, "county", "", "folder of county-wide items (publish)")
	fl.StringVar(&f.opName, "operator", "", "operator name (operator add)")
	fl.StringVar(&f.opRole, "operator-role", "county", "county or township:370783-101 (operator add)")
	fl.BoolVar(&f.secureCookies, "secure-cookies", false, "mark fleet login cookies Secure: the page is served through TLS (serve)")
	fl.StringVar(&f.trustedProxies, "trusted-proxy", "", "reverse proxies in front, e.g. 127.0.0.1,10.0.0.0/8: login limits key on the client address from X-Forwarded-For (serve)")
	fl.IntVar(&f.tokenDays, "token-days", 90, "days the printed API token lasts (operator add, operator token)")
	fl.StringVar(&f.arch, "arch", "", "board type of the agent binary: linux-arm64, linux-armv7, linux-armv6 (release)")
	fl.StringVar(&f.version, "version", "", "version the agent binary prints, e.g. 0.2.0 (release)")
	fl.StringVar(&f.revoke, "revoke", "", "comma-separated agent versions boards must never run again (release)")
	fl.BoolVar(&f.finish, "finish", false, "publish approved staged versions (publish)")
	fl.IntVar(&f.rootThreshold, "root-threshold", 1, "root keys needed to sign root (init)")
	fl.IntVar(&f.villageThreshold, "village-threshold", 2, "signatures of {county, township} a village needs (init)")
	_ = fl.Parse(rest)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cmd, f, fl.Args()); err != nil {
		fmt.Fprintf(os.Stderr, "sunpub %s: %v\n", cmd, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd string, f flags, args []string) error {
	repo, addr := f.repo, f.addr
	switch cmd {
	case "preview":
		if len(args) != 1 {
			return fmt.Errorf("name one CONTENT_DIR")
		}
		return county.PreviewCmd(args[0], county.PreviewOpts{Display: f.display, OutDir: cmp.Or(f.out, "preview"), At: f.at,
			Repo: f.repo, Policy: f.policy}, os.Stdout)
	case "audit":
		return county.Audit(ctx, f.fleetURL, f.village, f.item, os.Getenv("SUNPUB_FLEET_TOKEN"), os.Stdout)
	}
	if repo == "" {
		return fmt.Errorf("--repo DIR is required\n%s", usage)
	}
	switch cmd {
	case "init":
		warnings, err := publish.Init(repo, publish.InitOpts{RootThreshold: f.rootThreshold, VillageThreshold: f.villageThreshold})
		for _, w := range warnings {
			fmt.Fprintln(os.Stderr, "warning:", w)
		}
		return err
	case "publish":
		if f.finish {
			return publish.Finish(repo, os.Stdout)
		}
		if f.countyDir != "" {
			if err := county.PublishCounty(repo, f.countyDir, os.Stdout); err != nil {
				return err
			}
			if f.doorbell != "" {
				return county.RingCounty(ctx, f.doorbell, os.Stdout)
			}
			return nil
		}
		if len(args) == 0 {
			return fmt.Errorf("name at least one CONTENT_DIR")
		}
		if err := county.Publish(repo, args, os.Stdout); err != nil {
			return err
		}
		if err := publish.ReportPending(repo, os.Stdout); err != nil {
			return err
		}
		if f.doorbell != "" {
			return county.Ring(ctx, repo, f.doorbell, args, os.Stdout)
		}
		return nil
	case "review":
		_, err := county.Review(repo, county.ReviewOpts{Township: f.township, TownshipKey: f.townshipKey,
			Display: f.display, OutDir: cmp.Or(f.out, "review"), At: f.at}, os.Stdout)
		return err
	case "release":
		if len(args) > 1 {
			return fmt.Errorf("name one agent binary FILE")
		}
		file := ""
		if len(args) == 1 {
			file = args[0]
		}
		return publish.ReleaseCmd(repo, f.arch, f.version, file, f.revoke, os.Stdout)
	case "approve":
		return publish.ApproveCmd(repo, f.townshipKey, f.village, os.Stdout)
	case "township add":
		return publish.AddTownshipCmd(repo, f.id, f.name, os.Stdout)
	case "township revoke":
		return publish.RevokeTownshipCmd(repo, f.id, os.Stdout)
	case "key renew":
		return publish.RenewCmd(repo, f.role, os.Stdout)
	case "key rotate":
		return publish.RotateKeyCmd(repo, f.role, os.Stdout)
	case "refresh":
		r, err := publish.Open(repo)
		if err != nil {
			return err
		}
		if err := r.Refresh(); err != nil {
			return err
		}
		return publish.ReportPending(repo, os.Stdout)
	case "operator add":
		// The password comes from the environment, not argv (visible in ps).
		return county.AddOperator(repo, f.opName, os.Getenv("SUNPUB_OPERATOR_PASSWORD"), f.opRole, f.tokenDays, os.Stdout)
	case "operator token":
		return county.OperatorToken(repo, f.opName, f.tokenDays, os.Stdout)
	case "device add":
		return county.AddDevice(repo, f.village, f.key, os.Stdout)
	case "serve":
		return county.Serve(ctx, repo, county.ServeOpts{Addr: addr, ContentDirs: args,
			SecureCookies: f.secureCookies, TrustedProxies: f.trustedProxies}, os.Stdout)
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}
