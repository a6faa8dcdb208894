package county

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/feed/doorbell"
	"github.com/sunboard/sunboard/feed/publish"
	"github.com/sunboard/sunboard/fleet"
	"github.com/sunboard/sunboard/player/proof"
	"github.com/sunboard/sunboard/render"
)

// PreviewCmd is `sunpub preview`: display is "profile:size" (tv:1280x720),
// at a --at value ("" is now).
func PreviewCmd(dir, display, outDir, at string, out io.Writer) error {
	profile, size, _ := strings.Cut(display, ":")
	p, err := render.ParseProfile(profile, size)
	if err != nil {
		return fmt.Errorf("--display %q: %w", display, err)
	}
	t, err := content.ParseTime(at, time.Now())
	if err != nil {
		return err
	}
	files, err := Preview(dir, p, outDir, t)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d pages for %s in %s; contact sheet %s\n", len(files)-1, display, outDir, files[len(files)-1])
	return nil
}

// Ring tells the published villages' boards to sync now (the MQTT
// doorbell); content still travels over HTTP.
func Ring(ctx context.Context, broker string, dirs []string, out io.Writer) error {
	var ids []string
	for _, dir := range dirs {
		v, err := content.Load(os.DirFS(dir))
		if err != nil {
			return err
		}
		ids = append(ids, v.ID)
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := doorbell.Ring(rctx, broker, ids, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("doorbell %s: %w (content is published; boards will see it at their next poll)", broker, err)
	}
	fmt.Fprintf(out, "rang the doorbell of %d villages at %s\n", len(ids), broker)
	return nil
}

// ServeOpts are `sunpub serve`'s settings beside the repository.
type ServeOpts struct {
	Addr string // listen address, HOST:PORT
	// ContentDirs give the 公示期 windows audits check against.
	ContentDirs []string
	// SecureCookies marks operator session cookies Secure: set it when the
	// county serves the fleet page through TLS (directly or behind a proxy).
	SecureCookies bool
	// TrustedProxies lists the reverse proxies in front (addresses or
	// CIDR prefixes, comma-separated): login limits then key on the
	// client's address from X-Forwarded-For, not the proxy's.
	TrustedProxies string
}

// Serve is `sunpub serve`: the signed repository and the fleet server on
// one address until ctx ends.
func Serve(ctx context.Context, repo string, o ServeOpts, out io.Writer) error {
	proxies, err := fleet.ParseProxies(o.TrustedProxies)
	if err != nil {
		return err
	}
	r, err := publish.Open(repo)
	if err != nil {
		return err
	}
	windows := map[string][]proof.Window{}
	for _, dir := range o.ContentDirs {
		v, err := content.Load(os.DirFS(dir))
		if err != nil {
			return err
		}
		windows[v.ID] = fleet.ContentWindows(v)
	}
	fl, err := fleet.NewServer(filepath.Join(repo, "fleet.db"), fleet.Opts{SecureCookies: o.SecureCookies, TrustedProxies: proxies,
		Windows: func(village string) []proof.Window { return windows[village] },
		Waiting: func() ([]fleet.WaitingItem, error) { return WaitingForFleet(repo) }})
	if err != nil {
		return err
	}
	defer fl.Close()
	devices := filepath.Join(repo, "devices")
	go func() {
		for {
			if err := fleet.LoadDevices(fl, devices); err != nil {
				fmt.Fprintln(out, "devices:", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Minute):
			}
		}
	}()
	srv := &http.Server{Addr: o.Addr, Handler: fleet.CountyHandler(r.Handler(), fl), ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	fmt.Fprintf(out, "serving %s at http://%s/ (agents pin %s; fleet page at /)\n", repo, o.Addr, r.RootPath())
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

var villageID = regexp.MustCompile(`^[0-9]{6}-[0-9]{3}-[0-9]{3}$`)

// AddDevice is `sunpub device add`: it keeps the board's public key in
// <repo>/devices, where a running server picks it up within a minute.
func AddDevice(repo, village, keyFile string, out io.Writer) error {
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	if _, err := proof.ParsePublicKey(b); err != nil {
		return fmt.Errorf("%s: %w", keyFile, err)
	}
	if !villageID.MatchString(village) {
		return fmt.Errorf("--village %q: not a village id like 370783-101-001", village)
	}
	dir := filepath.Join(repo, "devices")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, village+".pub"), b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "registered the board of %s; a running sunpub serve picks it up within a minute\n", village)
	return nil
}

// Audit is `sunpub audit`: it asks the fleet server whether each item of
// the village was shown for its whole 公示期 and prints the answer; an
// incomplete 公示期 is an error (exit status 1) for scripts.
func Audit(ctx context.Context, fleetURL, village, item, token string, out io.Writer) error {
	u, err := url.Parse(strings.TrimSuffix(fleetURL, "/") + "/api/audit")
	if err != nil {
		return err
	}
	q := url.Values{"village": {village}}
	if item != "" {
		q.Set("item", item)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("%s: %s: %s", u, resp.Status, strings.TrimSpace(string(b)))
	}
	var ans fleet.AuditAnswer
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		return err
	}
	fmt.Fprint(out, ans.Summary)
	if !ans.OK {
		return fmt.Errorf("village %s: not every item was shown for its whole 公示期", village)
	}
	return nil
}

// AddOperator is `sunpub operator add`: an operator account in the fleet
// database of repo (run it while sunpub serve is stopped).
// Its API token lasts tokenDays (0: 90).
func AddOperator(repo, name, password, role string, tokenDays int, out io.Writer) error {
	return fleet.AddOperatorCmd(filepath.Join(repo, "fleet.db"), name, password, role, days(tokenDays), out)
}

// OperatorToken is `sunpub operator token`: a new API token for an
// existing operator, lasting tokenDays (0: 90), password unchanged.
func OperatorToken(repo, name string, tokenDays int, out io.Writer) error {
	return fleet.TokenCmd(filepath.Join(repo, "fleet.db"), name, days(tokenDays), out)
}

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
