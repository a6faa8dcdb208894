package nginxtest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sunboard/sunboard/fleet"
)

// TestFleetBehindNginx runs the fleet server behind deploy/nginx/fleet.conf
// (TLS lines aside) with --trusted-proxy 127.0.0.1, as the README says:
// every request reaches the server from nginx's address, yet a guesser's
// failed logins lock only the guesser's address (even with a forged
// X-Forwarded-For), another operator behind the same proxy still logs in
// (through the Origin check, which needs the Host nginx passes on), and a
// board's 1.6 MB screenshot gets through nginx's body limit.
func TestFleetBehindNginx(t *testing.T) {
	var logMu sync.Mutex
	var logs []string
	proxies, err := fleet.ParseProxies("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := fleet.NewServer(filepath.Join(t.TempDir(), "fleet.db"), fleet.Opts{TrustedProxies: proxies,
		Logf: func(format string, args ...any) {
			logMu.Lock()
			logs = append(logs, fmt.Sprintf(format, args...))
			logMu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.AddOperator("li", "li-password-101", fleet.TownshipRole("370783-101")); err != nil {
		t.Fatal(err)
	}
	pub, key, _ := ed25519.GenerateKey(nil)
	if err := srv.Register(village, pub); err != nil {
		t.Fatal(err)
	}
	backend := httptest.NewServer(srv.Handler())
	t.Cleanup(backend.Close)

	port := freePort(t)
	ng := startNginx(t, port, site(t, "fleet.conf",
		"listen 443 ssl;", fmt.Sprintf("listen 127.0.0.1:%d;", port),
		"ssl_certificate     /etc/ssl/certs/county.example.pem;", "",
		"ssl_certificate_key /etc/ssl/private/county.example.key;", "",
		"proxy_pass http://127.0.0.1:8400;", "proxy_pass "+backend.URL+";"))

	// Two people reach nginx from their own addresses (the loopback net
	// stands in for the county's LAN); nginx reaches the server from
	// 127.0.0.1.
	guesser, operator := from(t, "127.0.0.2"), from(t, "127.0.0.3")
	login := func(c *http.Client, name, password string, hdr ...string) int {
		req, _ := http.NewRequest("POST", ng.URL+"login", strings.NewReader(url.Values{"name": {name}, "password": {password}, "next": {"/"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", strings.TrimSuffix(ng.URL, "/"))
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 5 {
		if got := login(guesser, fmt.Sprintf("guess%d", i), "wrong", "X-Forwarded-For", fmt.Sprintf("10.9.9.%d", i)); got != http.StatusUnauthorized {
			t.Fatalf("guess %d through nginx: %d, want 401", i, got)
		}
	}
	if got := login(guesser, "li", "li-password-101", "X-Forwarded-For", "10.9.9.99"); got != http.StatusTooManyRequests {
		t.Errorf("the guesser after 5 failures, with yet another forged address: %d, want 429", got)
	}
	if got := login(operator, "li", "li-password-101"); got != http.StatusSeeOther {
		t.Fatalf("another operator behind the same nginx: %d, want 303", got)
	}
	resp, err := operator.Get(ng.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("fleet page through nginx after login: %d", resp.StatusCode)
	}
	logMu.Lock()
	refused := strings.Join(logs, "\n")
	logMu.Unlock()
	if !strings.Contains(refused, "from 127.0.0.2") || strings.Contains(refused, "from 127.0.0.1") || strings.Contains(refused, "from 10.9.9.") {
		t.Errorf("refusals should name the guesser's own address 127.0.0.2:\n%s", refused)
	}

	// A board's screenshot, bigger than nginx's default 1 MB body limit.
	shot := noisePNG(t, 640, 640)
	if len(shot) < 1<<20 {
		t.Fatalf("test screenshot only %d bytes", len(shot))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := fleet.SendScreenshot(ctx, http.DefaultClient, ng.URL, village, "tv", shot, key); err != nil {
		t.Errorf("%d-byte screenshot through nginx: %v", len(shot), err)
	}
}

// from is a browser-like client (cookies, no redirects followed) whose
// connections leave from the local address ip.
func from(t *testing.T, ip string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{
		Jar:           jar,
		Transport:     &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// noisePNG is a w×h PNG of random pixels: incompressible, so its size is
// about 4·w·h bytes.
func noisePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.Uint32())
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
