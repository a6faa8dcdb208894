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

// PreviewOpts are `sunpub preview`'s settings.
type PreviewOpts struct {
	Display string // "profile:size", e.g. tv:1280x720
	OutDir  string
	At      string // a --at value; "" is now
	// Repo is the county repository whose policy.toml applies, as at
	// publish; Policy a policy.toml file instead. With neither, every
	// personal number is refused.
	Repo, Policy string
}

// PreviewCmd is `sunpub preview`: what boards will show of dir, masked
// as the county's privacy policy says, and which policy that was.
func PreviewCmd(dir string, o PreviewOpts, out io.Writer) error {
	profile, size, _ := strings.Cut(o.Display, ":")
	p, err := render.ParseProfile(profile, size)
	if err != nil {
		return fmt.Errorf("--display %q: %w", o.Display, err)
	}
	t, err := content.ParseTime(o.At, time.Now())
	if err != nil {
		return err
	}
	var policy *content.Policy
	switch {
	case o.Repo != "" && o.Policy != "":
		return fmt.Errorf("give --repo DIR or --policy FILE, not both / --repo 和 --policy 只能用一个")
	case o.Policy != "":
		if policy, err = content.LoadPolicy(o.Policy); err != nil {
			return err
		}
		fmt.Fprintf(out, "隐私规则：%s / privacy policy: %s\n", o.Policy, o.Policy)
	case o.Repo != "":
		// A mistyped --repo must not pass for a county without a policy.
		if st, err := os.Stat(o.Repo); err != nil || !st.IsDir() {
			return fmt.Errorf("--repo %s: not a county repository directory / 找不到县仓库目录", o.Repo)
		}
		if policy, err = RepoPolicy(o.Repo); err != nil {
			return err
		}
		if policy != nil {
			pp := filepath.Join(o.Repo, PolicyFile)
			fmt.Fprintf(out, "隐私规则：县仓库的 %s / privacy policy: the county's %s\n", pp, pp)
		} else {
			fmt.Fprintf(out, "隐私规则：%s 里没有 policy.toml，个人信息一律拒绝（与发布时相同） / privacy policy: none in %s, every personal number is refused (as publish does)\n", o.Repo, o.Repo)
		}
	default:
		fmt.Fprintln(out, "隐私规则：未指定（--repo 县仓库 或 --policy 文件），个人信息一律拒绝 / privacy policy: none given (--repo DIR or --policy FILE), every personal number is refused")
	}
	files, reds, err := PreviewWith(dir, p, o.OutDir, t, policy)
	if err != nil {
		if policy == nil && o.Repo == "" && strings.Contains(err.Error(), "personal data must not be published") {
			return fmt.Errorf("%w\n预览未使用县里的隐私规则：加上 --repo 县仓库目录（或 --policy policy.toml）即按县里规定打码预览 / the preview applied no privacy policy: add --repo DIR (or --policy FILE) to preview with the county's masking", err)
		}
		return err
	}
	for _, r := range reds {
		fmt.Fprintf(out, "  已打码 / masked %s in %s: %s\n", r.Kind, r.File, r.Masked)
	}
	fmt.Fprintf(out, "%d pages for %s in %s; contact sheet %s\n", len(files)-1, o.Display, o.OutDir, files[len(files)-1])
	return nil
}

// Ring tells the published villages' boards to sync now (the MQTT
// doorbell); content still travels over HTTP. The folders are read as
// they were published, under repo's privacy policy.
func Ring(ctx context.Context, repo, broker string, dirs []string, out io.Writer) error {
	policy, err := RepoPolicy(repo)
	if err != nil {
		return err
	}
	var ids []string
	for _, dir := range dirs {
		v, err := LoadAsPublished(dir, policy)
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
	// The folders are loaded as they were published (masked by the
	// county's policy). One that still fails only loses its audit
	// windows: a county server never refuses to start over one folder.
	policy, err := RepoPolicy(repo)
	if err != nil {
		fmt.Fprintf(out, "sunpub serve: %v\n  content folders are checked without it (every personal number refused) / 隐私规则读取失败，内容文件夹按“个人信息一律拒绝”检查\n", err)
	}
	windows := map[string][]proof.Window{}
	for _, dir := range o.ContentDirs {
		v, err := LoadAsPublished(dir, policy)
		if err != nil {
			fmt.Fprintf(out, "sunpub serve: skipped %s: no 公示期 audit for its village until it loads / 已跳过该文件夹，修好并重启前不核查其公示期:\n%v\n", dir, err)
			continue
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
