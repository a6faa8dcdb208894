package fleet

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"image/color"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// browser is an operator's browser: a cookie jar, no redirects followed.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, hs *httptest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: hs.URL, c: &http.Client{Jar: jar, Transport: http.DefaultTransport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values, hdr ...string) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	s, _ := io.ReadAll(resp.Body)
	return resp, string(s)
}

func (b *browser) login(name, password string) *http.Response {
	b.t.Helper()
	resp, _ := b.do("POST", "/login", url.Values{"name": {name}, "password": {password}, "next": {"/"}})
	return resp
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the token from a page, as the browser's form would send it.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	resp, page := b.do("GET", path, nil)
	m := csrfField.FindStringSubmatch(page)
	if resp.StatusCode != 200 || m == nil {
		b.t.Fatalf("GET %s: %d, no csrf field", path, resp.StatusCode)
	}
	return m[1]
}

const (
	village101 = "370783-101-001"
	village102 = "370783-102-001"
)

func authEnv(t *testing.T, opts Opts) *env {
	e := newEnv(t, opts)
	for i, v := range []string{village101, village102} {
		if err := e.srv.Register(v, pub(key(byte(i+1)))); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.srv.AddOperator("zhang", "zhang-password-1", RoleCounty); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.AddOperator("li", "li-password-102", TownshipRole("370783-102")); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestNoSessionRefused(t *testing.T) {
	e := authEnv(t, Opts{})
	b := newBrowser(t, e.http)
	for _, p := range []string{"/", "/village/" + village101, "/shot/" + village101 + "/led-1"} {
		resp, _ := b.do("GET", p, nil)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
			t.Errorf("GET %s without a session: %d → %q, want 303 to /login", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/fleet.json"}, {"GET", "/api/audit?village=" + village101},
		{"POST", "/api/screenshot-request?village=" + village101}, {"POST", "/logout"},
	} {
		if resp, _ := b.do(c.method, c.path, url.Values{}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s without a session: %d, want 401", c.method, c.path, resp.StatusCode)
		}
	}
	if resp, _ := b.do("GET", "/api/fleet.json", nil, "Authorization", "Bearer not-a-token"); resp.StatusCode != 401 {
		t.Errorf("unknown bearer token: %d, want 401", resp.StatusCode)
	}
	resp, page := b.do("GET", "/login?next=/village/"+village101, nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "操作员登录") || !strings.Contains(page, `value="/village/`+village101+`"`) {
		t.Errorf("login page: %d\n%s", resp.StatusCode, page)
	}
	// The device endpoints need no login: their signatures are the authentication.
	if err := e.beat(t, key(1), heartbeat(village101, t0)); err != nil {
		t.Errorf("heartbeat refused: %v", err)
	}
}

func TestLogin(t *testing.T) {
	e := authEnv(t, Opts{SecureCookies: true})
	b := newBrowser(t, e.http)
	if resp := b.login("zhang", "wrong-password"); resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
		t.Errorf("wrong password: %d, cookies %v; want 401, none", resp.StatusCode, resp.Cookies())
	}
	if resp := b.login("nobody", "zhang-password-1"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unknown name: %d, want 401", resp.StatusCode)
	}
	resp := b.login("zhang", "zhang-password-1")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cs := resp.Cookies()
	if len(cs) != 1 || cs[0].Name != sessionCookie || !cs[0].HttpOnly || !cs[0].Secure || cs[0].SameSite != http.SameSiteStrictMode || len(cs[0].Value) != 43 {
		t.Errorf("session cookie %+v: want HttpOnly, Secure, SameSite=Strict, 32 random bytes", cs)
	}
	// An open redirect through next is refused.
	resp, _ = b.do("POST", "/login", url.Values{"name": {"zhang"}, "password": {"zhang-password-1"}, "next": {"//evil.example/"}})
	if resp.Header.Get("Location") != "/" {
		t.Errorf("next=//evil.example/ redirected to %q", resp.Header.Get("Location"))
	}
	// A login form posted from another site is refused.
	resp, _ = b.do("POST", "/login", url.Values{"name": {"zhang"}, "password": {"zhang-password-1"}}, "Origin", "https://evil.example")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site login: %d, want 403", resp.StatusCode)
	}
	// Only hashes are stored.
	var stored []byte
	_ = e.srv.db.View(func(tx *bolt.Tx) error {
		stored = append(stored, tx.Bucket(bOperators).Get([]byte("zhang"))...)
		return nil
	})
	if bytes.Contains(stored, []byte("zhang-password-1")) || !bytes.Contains(stored, []byte(`"salt"`)) {
		t.Errorf("stored operator: %s", stored)
	}
	if err := e.srv.AddOperator("short", "short", RoleCounty); err == nil {
		t.Error("a 5-character password was accepted")
	}
}

func TestLoginLockout(t *testing.T) {
	e := authEnv(t, Opts{})
	b := newBrowser(t, e.http)
	for i := range maxFailures {
		if resp := b.login("zhang", "wrong"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, resp.StatusCode)
		}
	}
	// Locked: even the right password is refused without being checked.
	if resp := b.login("zhang", "zhang-password-1"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after %d failures: %d, want 429", maxFailures, resp.StatusCode)
	}
	e.clock.Add(59 * time.Second)
	if resp := b.login("zhang", "zhang-password-1"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("59 s into the lockout: %d, want 429", resp.StatusCode)
	}
	e.clock.Add(2 * time.Second)
	if resp := b.login("zhang", "zhang-password-1"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the lockout: %d, want 303", resp.StatusCode)
	}
	// The address had 5 failures too: the next round locks it for twice as long.
	for range maxFailures {
		b.login("zhang", "wrong")
	}
	e.clock.Add(61 * time.Second)
	if resp := b.login("zhang", "zhang-password-1"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("second lockout after 61 s: %d, want 429 (2 minutes)", resp.StatusCode)
	}
	e.clock.Add(60 * time.Second)
	if resp := b.login("zhang", "zhang-password-1"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the 2-minute lockout: %d, want 303", resp.StatusCode)
	}
}

func TestLoginLockoutPerAddress(t *testing.T) {
	e := authEnv(t, Opts{})
	b := newBrowser(t, e.http)
	// Spraying names from one address locks the address, for every account.
	for i := range maxFailures {
		b.login("guess"+string(rune('a'+i)), "wrong")
	}
	if resp := b.login("li", "li-password-102"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("after %d failures from this address: %d, want 429", maxFailures, resp.StatusCode)
	}
	e.clock.Add(61 * time.Second)
	if resp := b.login("li", "li-password-102"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the lockout: %d, want 303", resp.StatusCode)
	}
}

// TestLoginLockoutBehindProxy: behind a trusted reverse proxy every login
// comes from the proxy's address; the client's own address (from
// X-Forwarded-For) is what gets locked, so one guesser does not lock out
// every operator. Without trusted proxies the header is ignored, so a
// guesser cannot dodge the lock by inventing addresses.
func TestLoginLockoutBehindProxy(t *testing.T) {
	login := func(b *browser, xff, name, password string) int {
		resp, _ := b.do("POST", "/login", url.Values{"name": {name}, "password": {password}, "next": {"/"}}, "X-Forwarded-For", xff)
		return resp.StatusCode
	}
	proxies, err := ParseProxies("127.0.0.1, ::1")
	if err != nil {
		t.Fatal(err)
	}
	e := authEnv(t, Opts{TrustedProxies: proxies})
	guesser, operator := newBrowser(t, e.http), newBrowser(t, e.http)
	for i := range maxFailures {
		// The guesser forges a left-hand address; the proxy appended the real one.
		login(guesser, fmt.Sprintf("10.9.9.%d, 203.0.113.5", i), "guess"+string(rune('a'+i)), "wrong")
	}
	if got := login(guesser, "203.0.113.5", "li", "li-password-102"); got != http.StatusTooManyRequests {
		t.Errorf("guesser's address after %d failures: %d, want 429", maxFailures, got)
	}
	if got := login(operator, "198.51.100.7", "li", "li-password-102"); got != http.StatusSeeOther {
		t.Errorf("another operator behind the same proxy: %d, want 303", got)
	}

	e = authEnv(t, Opts{})
	b := newBrowser(t, e.http)
	for i := range maxFailures {
		login(b, fmt.Sprintf("198.51.100.%d", i), "guess"+string(rune('a'+i)), "wrong")
	}
	if got := login(b, "198.51.100.200", "li", "li-password-102"); got != http.StatusTooManyRequests {
		t.Errorf("X-Forwarded-For from an untrusted peer changed the address: %d, want 429", got)
	}
}

func TestClientIP(t *testing.T) {
	proxies, err := ParseProxies("127.0.0.1,10.0.0.0/8,2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{opts: Opts{TrustedProxies: proxies}}
	for _, tc := range []struct {
		peer string
		xff  []string
		want string
	}{
		{"192.0.2.1:5000", nil, "192.0.2.1"},
		{"192.0.2.1:5000", []string{"203.0.113.5"}, "192.0.2.1"}, // untrusted peer: header ignored
		{"127.0.0.1:5000", nil, "127.0.0.1"},
		{"127.0.0.1:5000", []string{"203.0.113.5"}, "203.0.113.5"},
		{"127.0.0.1:5000", []string{"6.6.6.6, 203.0.113.5"}, "203.0.113.5"},
		{"127.0.0.1:5000", []string{"203.0.113.5, 10.1.2.3"}, "203.0.113.5"}, // two proxies
		{"127.0.0.1:5000", []string{"203.0.113.5", "10.1.2.3"}, "203.0.113.5"},
		{"127.0.0.1:5000", []string{"10.1.2.3"}, "10.1.2.3"},             // only proxies: the first hop
		{"127.0.0.1:5000", []string{"junk, 203.0.113.5"}, "203.0.113.5"}, // junk left of the real hop
		{"127.0.0.1:5000", []string{"203.0.113.5, junk"}, "127.0.0.1"},   // junk from a proxy: stop there
		{"[2001:db8::1]:443", []string{"2001:db8::2, 2400:cb00::9"}, "2400:cb00::9"},
		{"[::ffff:127.0.0.1]:5000", []string{"203.0.113.5"}, "203.0.113.5"}, // IPv4-mapped peer
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.peer
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.clientIP(r); got != tc.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", tc.peer, tc.xff, got, tc.want)
		}
	}
	for _, bad := range []string{"localhost", "10.0.0.0/33", "1.2.3"} {
		if _, err := ParseProxies(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseProxies(%q): %v, want an error naming it", bad, err)
		}
	}
}

// TestTokenExpiry: API tokens last Opts.TokenTTL; TokenCmd issues a new
// one without touching the account.
func TestTokenExpiry(t *testing.T) {
	e := authEnv(t, Opts{TokenTTL: time.Hour})
	tok, expires, err := e.srv.NewToken("zhang")
	if err != nil {
		t.Fatal(err)
	}
	if want := e.clock.Now().Add(time.Hour); !expires.Equal(want) {
		t.Errorf("expires %v, want %v", expires, want)
	}
	get := func() int {
		resp, _ := newBrowser(t, e.http).do("GET", "/api/fleet.json", nil, "Authorization", "Bearer "+tok)
		return resp.StatusCode
	}
	e.clock.Add(59 * time.Minute)
	if got := get(); got != 200 {
		t.Errorf("59 minutes in: %d, want 200", got)
	}
	e.clock.Add(time.Minute)
	if got := get(); got != 401 {
		t.Errorf("after TokenTTL: %d, want 401", got)
	}
	if _, _, err := e.srv.NewToken("nobody"); err == nil {
		t.Error("a token for an operator that does not exist")
	}
}

func TestTokenCmd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fleet.db")
	if err := AddOperatorCmd(db, "wang", "wang-password-9", "county", 0, io.Discard); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := TokenCmd(db, "wang", 30*24*time.Hour, &out); err != nil {
		t.Fatal(err)
	}
	if want := time.Now().Add(30 * 24 * time.Hour).In(china).Format("2006-01-02"); !strings.Contains(out.String(), "valid until "+want) {
		t.Errorf("TokenCmd printed %q, want valid until %s", out.String(), want)
	}
	if err := TokenCmd(db, "nobody", 0, io.Discard); err == nil || !strings.Contains(err.Error(), "nobody") {
		t.Errorf("token for an unknown operator: %v", err)
	}
	tok := strings.TrimSpace(out.String()[strings.LastIndex(strings.TrimSpace(out.String()), "\n")+1:])
	s, err := NewServer(db, Opts{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	if resp, _ := newBrowser(t, hs).do("GET", "/api/fleet.json", nil, "Authorization", "Bearer "+tok); resp.StatusCode != 200 {
		t.Errorf("new token: %d", resp.StatusCode)
	}
	if resp := newBrowser(t, hs).login("wang", "wang-password-9"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the password still works after a new token: %d", resp.StatusCode)
	}
}

func TestTownshipOperator(t *testing.T) {
	e := authEnv(t, Opts{})
	for i, v := range []string{village101, village102} {
		if err := e.beat(t, key(byte(i+1)), heartbeat(v, t0)); err != nil {
			t.Fatal(err)
		}
		if err := SendScreenshot(e.ctx, e.http.Client(), e.http.URL, v, "led-1", testPNG(t, 8, 8, color.RGBA{200, 0, 0, 255}), key(byte(i+1))); err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(t, e.http)
	if resp := b.login("li", "li-password-102"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	_, list := b.do("GET", "/api/fleet.json", nil)
	if !strings.Contains(list, village102) || strings.Contains(list, village101) {
		t.Errorf("township 102's fleet list: %s", list)
	}
	if _, page := b.do("GET", "/", nil); !strings.Contains(page, village102) || strings.Contains(page, village101) || !strings.Contains(page, "共 1 块屏") {
		t.Errorf("township 102's fleet page lists another township")
	}
	csrf := b.csrf("/village/" + village102)
	for _, c := range []struct {
		method, path string
		form         url.Values
	}{
		{"GET", "/village/" + village101, nil},
		{"GET", "/shot/" + village101 + "/led-1", nil},
		{"GET", "/api/audit?village=" + village101, nil},
		{"POST", "/api/screenshot-request?village=" + village101, url.Values{"csrf": {csrf}}},
	} {
		if resp, _ := b.do(c.method, c.path, c.form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("township 102: %s %s: %d, want 403", c.method, c.path, resp.StatusCode)
		}
	}
	if e.srv.takeScreenshotRequest(village101) {
		t.Error("a refused request reached the board")
	}
	if resp, _ := b.do("GET", "/shot/"+village102+"/led-1", nil); resp.StatusCode != 200 {
		t.Errorf("own village's screenshot: %d", resp.StatusCode)
	}
	if resp, _ := b.do("POST", "/api/screenshot-request?village="+village102, url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("own village's screenshot request: %d, want 303", resp.StatusCode)
	}
	// A county-wide operator sees both.
	c := newBrowser(t, e.http)
	c.login("zhang", "zhang-password-1")
	if _, list := c.do("GET", "/api/fleet.json", nil); !strings.Contains(list, village101) || !strings.Contains(list, village102) {
		t.Errorf("county fleet list: %s", list)
	}
	// So does a township's API token, scoped the same way.
	tok, _, err := e.srv.NewToken("li")
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := newBrowser(t, e.http).do("GET", "/api/audit?village="+village101, nil, "Authorization", "Bearer "+tok); resp.StatusCode != 403 {
		t.Errorf("township token, other township's audit: %d, want 403", resp.StatusCode)
	}
}

func TestCSRF(t *testing.T) {
	e := authEnv(t, Opts{})
	b := newBrowser(t, e.http)
	b.login("zhang", "zhang-password-1")
	path := "/api/screenshot-request?village=" + village101
	csrf := b.csrf("/village/" + village101)
	for name, form := range map[string]url.Values{"missing": {}, "wrong": {"csrf": {csrf[:len(csrf)-2] + "xx"}}} {
		if resp, _ := b.do("POST", path, form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("CSRF token %s: %d, want 403", name, resp.StatusCode)
		}
	}
	if resp, _ := b.do("POST", path, url.Values{"csrf": {csrf}}, "Origin", "https://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("right token from another origin: %d, want 403", resp.StatusCode)
	}
	if e.srv.takeScreenshotRequest(village101) {
		t.Error("a refused request reached the board")
	}
	if resp, _ := b.do("POST", path, url.Values{"csrf": {csrf}}, "Origin", b.base); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("right token: %d, want 303", resp.StatusCode)
	}
	if !e.srv.takeScreenshotRequest(village101) {
		t.Error("the accepted request did not reach the board")
	}
	// Another session's token does not do.
	b2 := newBrowser(t, e.http)
	b2.login("zhang", "zhang-password-1")
	if resp, _ := b2.do("POST", path, url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another session's CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := b.do("POST", "/logout", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("logout without CSRF token: %d, want 403", resp.StatusCode)
	}
}

func TestLogoutAndExpiry(t *testing.T) {
	e := authEnv(t, Opts{SessionTTL: time.Hour})
	b := newBrowser(t, e.http)
	b.login("zhang", "zhang-password-1")
	u, _ := url.Parse(b.base)
	old := b.c.Jar.Cookies(u)
	csrf := b.csrf("/")
	if resp, _ := b.do("POST", "/logout", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The old cookie, kept by a thief, no longer works: the session is gone server-side.
	b.c.Jar.SetCookies(u, old)
	if resp, _ := b.do("GET", "/api/fleet.json", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after logout: %d, want 401", resp.StatusCode)
	}

	b.login("zhang", "zhang-password-1")
	e.clock.Add(59 * time.Minute)
	if resp, _ := b.do("GET", "/", nil); resp.StatusCode != 200 {
		t.Errorf("59 minutes in: %d, want 200", resp.StatusCode)
	}
	e.clock.Add(time.Minute)
	if resp, _ := b.do("GET", "/", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after SessionTTL: %d, want 303 to /login", resp.StatusCode)
	}
	// Replacing an account ends its sessions and tokens.
	b.login("zhang", "zhang-password-1")
	tok, _, _ := e.srv.NewToken("zhang")
	if err := e.srv.AddOperator("zhang", "new-password-22", RoleCounty); err != nil {
		t.Fatal(err)
	}
	if resp, _ := b.do("GET", "/", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("session after the password changed: %d, want 303", resp.StatusCode)
	}
	if resp, _ := b.do("GET", "/api/fleet.json", nil, "Authorization", "Bearer "+tok); resp.StatusCode != 401 {
		t.Errorf("token after the password changed: %d, want 401", resp.StatusCode)
	}
}

// TestDeviceOnlyOwnVillage: a registered board cannot report for another
// registered village, whatever it sends.
func TestDeviceOnlyOwnVillage(t *testing.T) {
	e := authEnv(t, Opts{})
	kb := key(2) // village102's registered key
	if got := status(t, e.beat(t, kb, heartbeat(village101, t0))); got != 403 {
		t.Errorf("heartbeat for 101 signed by 102's board: %d, want 403", got)
	}
	if got := status(t, SendScreenshot(e.ctx, e.http.Client(), e.http.URL, village101, "led-1", testPNG(t, 8, 8, color.RGBA{200, 0, 0, 255}), kb)); got != 403 {
		t.Errorf("screenshot for 101 signed by 102's board: %d, want 403", got)
	}
	d := newDevice(t, 2)
	d.show(t, 3)
	es, _ := d.log.Since(0)
	if st, _ := e.postProof(t, village101, lines(es), d.key); st != http.StatusForbidden {
		t.Errorf("proof for 101 from 102's board: %d, want 403", st)
	}
	if h := e.fleet(t)[village101]; h.Heartbeat != nil || len(h.Shots) != 0 || h.ProofHeld != 0 {
		t.Errorf("village 101 took another board's reports: %+v", h)
	}
}

func TestAddOperatorCmd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fleet.db")
	var out bytes.Buffer
	if err := AddOperatorCmd(db, "wang", "wang-password-9", "township:370783-101", 0, &out); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String()[strings.LastIndex(strings.TrimSpace(out.String()), "\n")+1:])
	if err := AddOperatorCmd(db, "x", "long-enough-pw", "village", 0, io.Discard); err == nil {
		t.Error("role village accepted")
	}
	s, err := NewServer(db, Opts{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_ = s.Register(village101, ed25519.PublicKey(make([]byte, 32)))
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	if resp, body := newBrowser(t, hs).do("GET", "/api/fleet.json", nil, "Authorization", "Bearer "+tok); resp.StatusCode != 200 || !strings.Contains(body, village101) {
		t.Errorf("printed token: %d %s", resp.StatusCode, body)
	}
	if resp := newBrowser(t, hs).login("wang", "wang-password-9"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("login with the added account: %d", resp.StatusCode)
	}
}

func TestRole(t *testing.T) {
	for _, c := range []struct {
		role    string
		village string
		ok      bool
	}{
		{"county", "370783-101-001", true},
		{"township:370783-101", "370783-101-001", true},
		{"370783-101", "370783-101-999", true},
		{"township:370783-101", "370783-102-001", false},
		{"township:370783-10", "370783-101-001", false},
	} {
		r, err := ParseRole(c.role)
		if err != nil {
			if c.ok {
				t.Errorf("ParseRole(%q): %v", c.role, err)
			}
			continue
		}
		if r.Allows(c.village) != c.ok {
			t.Errorf("%s allows %s = %v, want %v", r, c.village, !c.ok, c.ok)
		}
	}
}
