package fleet

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/argon2"
)

// Role is what an operator may see: the whole county, or one township's
// villages ("township:370783-101": every village whose id starts
// 370783-101-).
type Role string

// RoleCounty sees and acts on every village.
const RoleCounty Role = "county"

var townshipPattern = regexp.MustCompile(`^[0-9]{6}-[0-9]{3}$`)

// TownshipRole is the role of an operator of one township ("370783-101").
func TownshipRole(township string) Role { return Role("township:" + township) }

// ParseRole accepts "county", "township:370783-101" or a bare township id.
func ParseRole(s string) (Role, error) {
	s = strings.TrimSpace(s)
	if s == string(RoleCounty) {
		return RoleCounty, nil
	}
	t := strings.TrimPrefix(s, "township:")
	if !townshipPattern.MatchString(t) {
		return "", fmt.Errorf("role %q: want county or township:<id like 370783-101>", s)
	}
	return TownshipRole(t), nil
}

// Allows reports whether the role covers the village.
func (r Role) Allows(village string) bool {
	if r == RoleCounty {
		return true
	}
	t, ok := strings.CutPrefix(string(r), "township:")
	return ok && townshipPattern.MatchString(t) && strings.HasPrefix(village, t+"-")
}

var (
	bOperators = []byte("operators") // name → operator JSON
	bSessions  = []byte("sessions")  // sha256(session id) → session JSON
	bTokens    = []byte("tokens")    // sha256(API token) → operator name
)

// argonParams are the argon2id cost parameters new hashes get (RFC 9106's
// second recommendation); each stored hash keeps its own, so they can be
// raised later. Tests lower them.
var argonParams = struct {
	Time, Memory uint32
	Threads      uint8
}{Time: 3, Memory: 64 << 10, Threads: 4}

type operator struct {
	Role    Role   `json:"role"`
	Salt    []byte `json:"salt"`
	Hash    []byte `json:"hash"`
	Time    uint32 `json:"t"`
	Memory  uint32 `json:"m"` // KiB
	Threads uint8  `json:"p"`
}

func (o operator) check(password string) bool {
	got := argon2.IDKey([]byte(password), o.Salt, o.Time, o.Memory, o.Threads, uint32(len(o.Hash)))
	return subtle.ConstantTimeCompare(got, o.Hash) == 1
}

// dummy is checked against for unknown names, so a missing account costs
// the same time as a wrong password.
var dummy = sync.OnceValue(func() operator { return newOperator("", RoleCounty, make([]byte, 16)) })

func newOperator(password string, role Role, salt []byte) operator {
	p := argonParams
	return operator{Role: role, Salt: salt, Time: p.Time, Memory: p.Memory, Threads: p.Threads,
		Hash: argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, 32)}
}

var namePattern = regexp.MustCompile(`^[\p{L}\p{N}_.@-]{1,64}$`)

// AddOperator creates or replaces an operator account. The password is
// kept only as an argon2id hash with its own random salt. Replacing an
// account ends its sessions and API tokens.
func (s *Server) AddOperator(name, password string, role Role) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("operator name %q: 1–64 letters, digits, _ . @ -", name)
	}
	if len([]rune(password)) < 10 {
		return fmt.Errorf("operator %s: password must have at least 10 characters", name)
	}
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	o := newOperator(password, role, random(16))
	v, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		dropOperatorCreds(tx, name)
		return tx.Bucket(bOperators).Put([]byte(name), v)
	})
}

// RemoveOperator deletes an account, its sessions and its API tokens.
func (s *Server) RemoveOperator(name string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		dropOperatorCreds(tx, name)
		return tx.Bucket(bOperators).Delete([]byte(name))
	})
}

func dropOperatorCreds(tx *bolt.Tx, name string) {
	for _, b := range []*bolt.Bucket{tx.Bucket(bSessions), tx.Bucket(bTokens)} {
		var del [][]byte
		_ = b.ForEach(func(k, v []byte) error {
			var sess session
			if json.Unmarshal(v, &sess) == nil && sess.Name == name {
				del = append(del, k)
			}
			return nil
		})
		for _, k := range del {
			_ = b.Delete(k)
		}
	}
}

// NewToken issues an API token for an operator: sent as
// "Authorization: Bearer <token>", it reads /api/fleet.json and /api/audit
// (and may request screenshots) with the operator's role, for scripts and
// `sunpub audit`. Only its SHA-256 is stored; it lasts Opts.TokenTTL (90
// days) or until the account is replaced or removed, whichever is first.
func (s *Server) NewToken(name string) (token string, expires time.Time, err error) {
	tok := base64.RawURLEncoding.EncodeToString(random(32))
	expires = s.opts.Now().Add(s.opts.TokenTTL)
	err = s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bOperators).Get([]byte(name)) == nil {
			return fmt.Errorf("no operator %q", name)
		}
		v, _ := json.Marshal(session{Name: name, Expires: expires})
		return tx.Bucket(bTokens).Put(hashID(tok), v)
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return tok, expires, nil
}

func random(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return b
}

func hashID(id string) []byte { s := sha256.Sum256([]byte(id)); return s[:] }

// session is a logged-in browser or an API token.
type session struct {
	Name    string    `json:"name"`
	CSRF    string    `json:"csrf,omitempty"`
	Expires time.Time `json:"expires,omitzero"`
}

// Who is the operator behind a request.
type Who struct {
	Name string
	Role Role
	CSRF string // "" for bearer tokens, which need none
}

const sessionCookie = "sunboard_session"

// startSession stores a new session for name and sets its cookie.
func (s *Server) startSession(w http.ResponseWriter, name string) (Who, error) {
	id := base64.RawURLEncoding.EncodeToString(random(32))
	sess := session{Name: name, CSRF: base64.RawURLEncoding.EncodeToString(random(32)), Expires: s.opts.Now().Add(s.opts.SessionTTL)}
	v, _ := json.Marshal(sess)
	now := s.opts.Now()
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bSessions)
		var old [][]byte // sweep expired sessions while here
		_ = b.ForEach(func(k, v []byte) error {
			var o session
			if json.Unmarshal(v, &o) != nil || !now.Before(o.Expires) {
				old = append(old, k)
			}
			return nil
		})
		for _, k := range old {
			_ = b.Delete(k)
		}
		return b.Put(hashID(id), v)
	})
	if err != nil {
		return Who{}, err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true,
		Secure: s.opts.SecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: int(s.opts.SessionTTL.Seconds())})
	return Who{Name: name, CSRF: sess.CSRF}, nil
}

// who finds the operator of a request from its bearer token or session
// cookie; ok is false when there is none, or it has expired.
func (s *Server) who(r *http.Request) (w Who, ok bool) {
	var bucket, key []byte
	if tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found {
		bucket, key = bTokens, hashID(strings.TrimSpace(tok))
	} else if c, err := r.Cookie(sessionCookie); err == nil {
		bucket, key = bSessions, hashID(c.Value)
	} else {
		return Who{}, false
	}
	now := s.opts.Now()
	_ = s.db.View(func(tx *bolt.Tx) error {
		var sess session
		if v := tx.Bucket(bucket).Get(key); v == nil || json.Unmarshal(v, &sess) != nil {
			return nil
		}
		if !now.Before(sess.Expires) { // a token from before tokens expired has none: refused
			return nil
		}
		var o operator
		if v := tx.Bucket(bOperators).Get([]byte(sess.Name)); v == nil || json.Unmarshal(v, &o) != nil {
			return nil
		}
		w, ok = Who{Name: sess.Name, Role: o.Role, CSRF: sess.CSRF}, true
		return nil
	})
	return w, ok
}

// limiter counts failed logins per account and per remote address: after
// 5 failures the key is locked for a minute, doubling with each further
// lockout (up to a day); a successful login clears the account's count.
type limiter struct {
	mu sync.Mutex
	m  map[string]*attempts
}

type attempts struct {
	fails    int
	lockouts int
	until    time.Time
}

const (
	maxFailures = 5
	baseLockout = time.Minute
	maxLockout  = 24 * time.Hour
)

func (l *limiter) locked(now time.Time, keys ...string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var until time.Time
	for _, k := range keys {
		if a := l.m[k]; a != nil && now.Before(a.until) && a.until.After(until) {
			until = a.until
		}
	}
	return until, !until.IsZero()
}

func (l *limiter) fail(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]*attempts{}
	}
	if len(l.m) > 100_000 { // a spray of names: forget the unlocked ones
		for k, a := range l.m {
			if !now.Before(a.until) {
				delete(l.m, k)
			}
		}
	}
	for _, k := range keys {
		a := l.m[k]
		if a == nil {
			a = &attempts{}
			l.m[k] = a
		}
		a.fails++
		if a.fails >= maxFailures {
			a.until = now.Add(min(baseLockout<<a.lockouts, maxLockout))
			a.lockouts = min(a.lockouts+1, 20)
			a.fails = 0
		}
	}
}

func (l *limiter) clear(key string) {
	l.mu.Lock()
	delete(l.m, key)
	l.mu.Unlock()
}

// clientIP is the address a request comes from: the peer's, or behind
// trusted proxies (Opts.TrustedProxies) the last address in
// X-Forwarded-For that is not one of them. Walking from the right matters:
// a client can put anything on the left of the header, but each proxy
// appends the address it was reached from.
func (s *Server) clientIP(r *http.Request) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	ip := peer.Addr().Unmap()
	if !s.trusted(ip) {
		return ip.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // garbage from the client's side: stop at the last good hop
		}
		ip = hop.Unmap()
		if !s.trusted(ip) {
			break
		}
	}
	return ip.String()
}

func (s *Server) trusted(ip netip.Addr) bool {
	for _, p := range s.opts.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// ParseProxies reads `sunpub serve --trusted-proxy`: comma-separated
// addresses or CIDR prefixes, e.g. "127.0.0.1,10.0.0.0/8".
func ParseProxies(list string) ([]netip.Prefix, error) {
	var ps []netip.Prefix
	for f := range strings.SplitSeq(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: not an address or prefix", f)
			}
			ps = append(ps, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an address or prefix", f)
		}
		ps = append(ps, p.Masked())
	}
	return ps, nil
}

// hashSlots bounds concurrent argon2id checks (64 MiB each).
var hashSlots = make(chan struct{}, 2)

var errLocked = errors.New("locked")

// login checks a name and password under the rate limits.
func (s *Server) login(r *http.Request, name, password string) (Who, error) {
	now := s.opts.Now()
	ukey, ikey := "u:"+name, "ip:"+s.clientIP(r)
	if until, locked := s.limits.locked(now, ukey, ikey); locked {
		return Who{}, fmt.Errorf("%w until %s", errLocked, until.In(china).Format("15:04:05"))
	}
	var o operator
	found := false
	_ = s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bOperators).Get([]byte(name)); v != nil && json.Unmarshal(v, &o) == nil {
			found = true
		}
		return nil
	})
	if !found {
		o = dummy()
	}
	hashSlots <- struct{}{}
	good := o.check(password)
	<-hashSlots
	if !found || !good {
		s.limits.fail(now, ukey, ikey)
		return Who{}, errors.New("wrong name or password")
	}
	s.limits.clear(ukey)
	return Who{Name: name, Role: o.Role}, nil
}

// sameOrigin refuses a browser POST whose Origin names another site (a
// second line behind SameSite=Strict and the CSRF token).
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true // not a browser, or an old one: the CSRF token still holds
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// page wraps an operator page: no session → 303 to /login.
func (s *Server) page(h func(http.ResponseWriter, *http.Request, Who)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, ok := s.who(r)
		if !ok {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "private, no-store")
		h(w, r, who)
	}
}

// api wraps an operator API: no session or token → 401.
func (s *Server) api(h func(http.ResponseWriter, *http.Request, Who)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, ok := s.who(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sunboard fleet"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "operator login or Authorization: Bearer token required"})
			return
		}
		w.Header().Set("Cache-Control", "private, no-store")
		h(w, r, who)
	}
}

// form wraps a state-changing POST: an operator (401 otherwise) and, for
// a browser session, its CSRF token in the form field "csrf" (403).
func (s *Server) form(h func(http.ResponseWriter, *http.Request, Who)) http.HandlerFunc {
	return s.api(func(w http.ResponseWriter, r *http.Request, who Who) {
		if who.CSRF != "" { // bearer tokens are not sent by browsers on their own
			got := r.PostFormValue("csrf")
			if !sameOrigin(r) || subtle.ConstantTimeCompare([]byte(got), []byte(who.CSRF)) != 1 {
				http.Error(w, "CSRF 校验失败，请刷新页面后重试", http.StatusForbidden)
				return
			}
		}
		h(w, r, who)
	})
}

func forbidden(w http.ResponseWriter, village string) {
	http.Error(w, fmt.Sprintf("无权查看或操作村庄 %s", village), http.StatusForbidden)
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(next, "/login") {
		return "/"
	}
	return next
}

type loginPage struct {
	Next, Name, Error string
}

func (s *Server) getLogin(w http.ResponseWriter, r *http.Request) {
	render(w, loginTmpl, loginPage{Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) postLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if !sameOrigin(r) {
		http.Error(w, "来源校验失败", http.StatusForbidden)
		return
	}
	name, password := r.PostFormValue("name"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	who, err := s.login(r, name, password)
	if err != nil {
		s.opts.Logf("fleet: login refused for %q from %s: %v", name, s.clientIP(r), err)
		p := loginPage{Next: next, Name: name, Error: "用户名或密码错误"}
		status := http.StatusUnauthorized
		if errors.Is(err, errLocked) {
			p.Error, status = "登录失败次数过多，请稍后再试", http.StatusTooManyRequests
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		_ = loginTmpl.Execute(w, p)
		return
	}
	if _, err := s.startSession(w, who.Name); err != nil {
		http.Error(w, "start session: "+err.Error(), http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) postLogout(w http.ResponseWriter, r *http.Request, _ Who) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		_ = s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bSessions).Delete(hashID(c.Value)) })
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.opts.SecureCookies, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

var loginTmpl = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>登录 · 村务公开屏 运行总览</title><style>` + css + `
form.login{background:#fff;border:1px solid #d8dce0;border-radius:6px;padding:16px 24px;max-width:360px}
form.login label{display:block;margin:8px 0}form.login input{width:100%;font-size:16px;padding:4px}
</style></head>
<body><header><h1>村务公开屏 运行总览</h1></header><main>
<form class="login" method="post" action="/login">
<h2>操作员登录</h2>
{{with .Error}}<p class="bad" id="error">{{.}}</p>{{end}}
<input type="hidden" name="next" value="{{.Next}}">
<label>用户名 <input name="name" autocomplete="username" value="{{.Name}}" required></label>
<label>密码 <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">登录</button>
</form></main></body></html>`))

// AddOperatorCmd is `sunpub operator add`: it creates (or replaces) an
// operator account in the fleet database at dbPath and prints an API
// token for scripts and `sunpub audit`. role is "county" or
// "township:370783-101". bbolt allows one process at a time: run it while
// `sunpub serve` is stopped (it waits 2 s for the lock, then fails).
func AddOperatorCmd(dbPath, name, password, role string, tokenTTL time.Duration, out io.Writer) error {
	r, err := ParseRole(role)
	if err != nil {
		return err
	}
	s, err := NewServer(dbPath, Opts{TokenTTL: tokenTTL})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.AddOperator(name, password, r); err != nil {
		return err
	}
	fmt.Fprintf(out, "operator %s (%s) added\n", name, r)
	return printToken(s, name, out)
}

// TokenCmd is `sunpub operator token`: a new API token for an existing
// operator, whose password and other tokens stay as they are (run it
// while `sunpub serve` is stopped, like AddOperatorCmd).
func TokenCmd(dbPath, name string, ttl time.Duration, out io.Writer) error {
	s, err := NewServer(dbPath, Opts{TokenTTL: ttl})
	if err != nil {
		return err
	}
	defer s.Close()
	return printToken(s, name, out)
}

func printToken(s *Server, name string, out io.Writer) error {
	tok, expires, err := s.NewToken(name)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "API token for %s, valid until %s (shown once, send as Authorization: Bearer):\n%s\n",
		name, expires.In(china).Format("2006-01-02 15:04"), tok)
	return nil
}
