package fleet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sunboard/sunboard/player/proof"
)

const (
	villageA = "370783-101-001"
	villageB = "370783-101-002"
)

// t0 is 2026-10-01 08:00 China time.
var t0 = time.Date(2026, 10, 1, 8, 0, 0, 0, china)

// fakeClock is the server's injectable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	srv   *Server
	http  *httptest.Server
	clock *fakeClock
	ctx   context.Context
	token string // a county-wide operator's API token; e.http.Client() sends it
}

func init() {
	// Cheap argon2id for tests: the cost is a parameter, the checks are not.
	argonParams.Time, argonParams.Memory, argonParams.Threads = 1, 64, 1
}

// bearer adds an operator's API token to every request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// operatorClient logs a county-wide operator in with an API token.
func operatorClient(t *testing.T, s *Server, hs *httptest.Server) string {
	t.Helper()
	if err := s.AddOperator("county-op", "county-password", RoleCounty); err != nil {
		t.Fatal(err)
	}
	tok, _, err := s.NewToken("county-op")
	if err != nil {
		t.Fatal(err)
	}
	c := hs.Client()
	c.Transport = bearer{tok, c.Transport}
	return tok
}

func newEnv(t *testing.T, opts Opts) *env {
	t.Helper()
	clock := &fakeClock{t: t0}
	opts.Now = clock.Now
	if opts.Interval == 0 {
		opts.Interval = time.Minute
	}
	opts.Logf = t.Logf
	s, err := NewServer(filepath.Join(t.TempDir(), "fleet.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() { hs.Close(); s.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	tok := operatorClient(t, s, hs)
	return &env{srv: s, http: hs, clock: clock, ctx: ctx, token: tok}
}

func key(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

func heartbeat(village string, sent time.Time) Heartbeat {
	return Heartbeat{
		Village: village, Version: 42, LastSync: sent.Add(-30 * time.Second), SyncOK: true, Clock: proof.ClockNTP,
		Displays: []DisplayStatus{
			{Name: "led-1", Item: "2026-10-finance", Next: "2026-10-notice", Brightness: 180},
			{Name: "tv", Item: "2026-10-notice", Next: "", Brightness: -1},
		},
		DiskFree: 12 << 30, TempC: 48.5, Sent: sent,
	}
}

func (e *env) beat(t *testing.T, k ed25519.PrivateKey, h Heartbeat) error {
	t.Helper()
	body, err := Sign(h, k)
	if err != nil {
		t.Fatal(err)
	}
	return Send(e.ctx, e.http.Client(), e.http.URL, body)
}

func status(t *testing.T, err error) int {
	t.Helper()
	var ue *UploadError
	if !errors.As(err, &ue) {
		t.Fatalf("want *UploadError, got %v", err)
	}
	return ue.Status
}

func (e *env) fleet(t *testing.T) map[string]VillageStatus {
	t.Helper()
	resp, err := e.http.Client().Get(e.http.URL + "/api/fleet.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var vs []VillageStatus
	if err := json.NewDecoder(resp.Body).Decode(&vs); err != nil {
		t.Fatal(err)
	}
	m := map[string]VillageStatus{}
	for _, v := range vs {
		m[v.Village] = v
	}
	return m
}

func TestHeartbeat(t *testing.T) {
	e := newEnv(t, Opts{})
	ka, forger := key(1), key(2)
	if err := e.srv.Register(villageA, pub(ka)); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Register("村", pub(ka)); err == nil {
		t.Error("Register accepted a bad village id")
	}

	if err := e.beat(t, ka, heartbeat(villageA, t0)); err != nil {
		t.Fatalf("signed heartbeat refused: %v", err)
	}
	v := e.fleet(t)[villageA]
	if v.State != StateOK || v.Heartbeat == nil || v.Heartbeat.Version != 42 || v.Heartbeat.Device != Fingerprint(pub(ka)) {
		t.Fatalf("after a good heartbeat: %+v", v)
	}

	// Refusals, each with its status.
	body, _ := Sign(heartbeat(villageA, t0.Add(time.Minute)), ka)
	edited := bytes.Replace(body, []byte(`"version":42`), []byte(`"version":43`), 1)
	for _, c := range []struct {
		name string
		err  error
		want int
	}{
		{"forged (another key)", e.beat(t, forger, heartbeat(villageA, t0.Add(time.Minute))), 403},
		{"unregistered village", e.beat(t, ka, heartbeat(villageB, t0.Add(time.Minute))), 403},
		{"edited after signing", Send(e.ctx, e.http.Client(), e.http.URL, edited), 403},
		{"not JSON", Send(e.ctx, e.http.Client(), e.http.URL, []byte("hello")), 403},
		{"replayed", e.beat(t, ka, heartbeat(villageA, t0)), 409},
	} {
		if got := status(t, c.err); got != c.want {
			t.Errorf("%s: status %d, want %d (%v)", c.name, got, c.want, c.err)
		}
	}
	if v := e.fleet(t)[villageA]; v.Heartbeat.Version != 42 || !v.Heartbeat.Sent.Equal(t0) {
		t.Errorf("a refused heartbeat changed what is held: %+v", v.Heartbeat)
	}
	if _, err := Sign(Heartbeat{Village: villageA, Device: "someone-else"}, ka); err == nil {
		t.Error("Sign accepted a Device that is not the key's fingerprint")
	}
}

func TestStates(t *testing.T) {
	e := newEnv(t, Opts{Interval: time.Minute})
	ka, kb := key(1), key(3)
	e.srv.Register(villageA, pub(ka))
	e.srv.Register(villageB, pub(kb))
	if got := e.fleet(t)[villageA].State; got != StateOffline {
		t.Errorf("never heard from: %s, want offline", got)
	}
	e.beat(t, ka, heartbeat(villageA, t0))
	e.beat(t, kb, heartbeat(villageB, t0))

	e.clock.Add(3 * time.Minute) // exactly 3×: still online
	if got := e.fleet(t)[villageA].State; got != StateOK {
		t.Errorf("at 3×interval: %s, want ok", got)
	}
	e.clock.Add(time.Second)
	hb := heartbeat(villageB, t0.Add(181*time.Second))
	if err := e.beat(t, kb, hb); err != nil {
		t.Fatal(err)
	}
	f := e.fleet(t)
	if f[villageA].State != StateOffline || !strings.Contains(f[villageA].Why, "没有心跳") {
		t.Errorf("after 3×interval + 1 s: %+v, want offline", f[villageA])
	}
	if f[villageB].State != StateOK {
		t.Errorf("village B: %s, want ok", f[villageB].State)
	}

	for _, c := range []struct {
		name string
		mod  func(*Heartbeat)
		want string
	}{
		{"stale", func(h *Heartbeat) { h.Stale, h.StaleReason = true, "3 天未同步" }, StateStale},
		{"sync failed", func(h *Heartbeat) { h.SyncOK, h.SyncErr = false, "timestamp.json: 503" }, StateError},
		{"display errors", func(h *Heartbeat) { h.Displays[0].Errors = 4 }, StateError},
		{"ok again", func(*Heartbeat) {}, StateOK},
	} {
		hb.Sent = hb.Sent.Add(time.Second)
		h := hb
		h.Displays = append([]DisplayStatus(nil), hb.Displays...)
		c.mod(&h)
		if err := e.beat(t, kb, h); err != nil {
			t.Fatal(err)
		}
		if got := e.fleet(t)[villageB].State; got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	// Offline sorts first.
	vs, err := e.srv.Fleet()
	if err != nil || len(vs) != 2 || vs[0].Village != villageA {
		t.Errorf("Fleet order: %+v, %v; want the offline %s first", vs, err, villageA)
	}
}

func testPNG(t *testing.T, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestScreenshot(t *testing.T) {
	e := newEnv(t, Opts{})
	ka := key(1)
	e.srv.Register(villageA, pub(ka))
	shot := testPNG(t, 64, 32, color.RGBA{200, 30, 30, 255})
	if err := SendScreenshot(e.ctx, e.http.Client(), e.http.URL, villageA, "led-1", shot, ka); err != nil {
		t.Fatalf("screenshot refused: %v", err)
	}
	resp, err := e.http.Client().Get(e.http.URL + "/shot/" + villageA + "/led-1")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, shot) || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("GET shot: %d %s, %d bytes, want the %d bytes sent", resp.StatusCode, resp.Header.Get("Content-Type"), len(got), len(shot))
	}
	v := e.fleet(t)[villageA]
	if len(v.Shots) != 1 || v.Shots[0].Width != 64 || v.Shots[0].Display != "led-1" {
		t.Errorf("fleet shots: %+v", v.Shots)
	}

	if got := status(t, SendScreenshot(e.ctx, e.http.Client(), e.http.URL, villageA, "led-1", shot, key(9))); got != 403 {
		t.Errorf("screenshot signed by another key: %d, want 403", got)
	}
	if got := status(t, SendScreenshot(e.ctx, e.http.Client(), e.http.URL, villageB, "led-1", shot, ka)); got != 403 {
		t.Errorf("screenshot for another village: %d, want 403", got)
	}
	if got := status(t, SendScreenshot(e.ctx, e.http.Client(), e.http.URL, villageA, "led-1", []byte("GIF89a"), ka)); got != 400 {
		t.Errorf("not a PNG: %d, want 400", got)
	}
	if got := status(t, SendScreenshot(e.ctx, e.http.Client(), e.http.URL, villageA, "../x", shot, ka)); got != 400 {
		t.Errorf("bad display name: %d, want 400", got)
	}
}

// device is a village agent's proof log.
type device struct {
	key ed25519.PrivateKey
	log *proof.Log
	at  time.Time
}

func newDevice(t *testing.T, seed byte) *device {
	t.Helper()
	k := key(seed)
	l, err := proof.Open(filepath.Join(t.TempDir(), "proof.log"), k)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return &device{key: k, log: l, at: t0}
}

// show appends n 20-second pages alternating two items on led-1.
func (d *device) show(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		item := []string{"2026-10-finance", "2026-10-notice"}[i%2]
		_, err := d.log.Append(proof.Record{Display: "led-1", Item: item, Version: 42, Start: d.at, End: d.at.Add(20 * time.Second), Clock: proof.ClockNTP})
		if err != nil {
			t.Fatal(err)
		}
		d.at = d.at.Add(20 * time.Second)
	}
}

// postProof posts body as a proof upload for village, the request signed
// with key (nil: unsigned).
func (e *env) postProof(t *testing.T, village string, body []byte, key ed25519.PrivateKey) (int, ProofReply) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.http.URL+PathProof+"?village="+village, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != nil {
		req.Header = signProofUpload(village, body, key)
	}
	resp, err := e.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r ProofReply
	json.NewDecoder(resp.Body).Decode(&r)
	return resp.StatusCode, r
}

func lines(es []proof.Entry) []byte {
	var b bytes.Buffer
	for _, e := range es {
		b.Write(e.MarshalLine())
	}
	return b.Bytes()
}

func TestProofUpload(t *testing.T) {
	e := newEnv(t, Opts{})
	d := newDevice(t, 1)
	e.srv.Register(villageA, pub(d.key))
	c := e.http.Client()

	// Normal upload from empty: 1 200 entries in three batches.
	d.show(t, 1200)
	head, err := ProofHead(e.ctx, c, e.http.URL, villageA)
	if err != nil || head != 0 {
		t.Fatalf("head of an empty village: %d, %v", head, err)
	}
	es, _ := d.log.Since(head)
	if err := UploadProof(e.ctx, c, e.http.URL, villageA, es, d.key); err != nil {
		t.Fatalf("upload: %v", err)
	}
	if head, _ = ProofHead(e.ctx, c, e.http.URL, villageA); head != 1200 {
		t.Fatalf("head after upload: %d, want 1200", head)
	}

	// Outage: the county is unreachable while the board keeps logging.
	d.show(t, 30)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	backlog, _ := d.log.Since(head)
	if err := UploadProof(e.ctx, c, down.URL, villageA, backlog, d.key); err == nil {
		t.Fatal("upload to a closed server succeeded")
	}
	d.show(t, 10)
	// Back: ask the head, send the backlog after it.
	head, err = ProofHead(e.ctx, c, e.http.URL, villageA)
	if err != nil || head != 1200 {
		t.Fatalf("head after outage: %d, %v", head, err)
	}
	backlog, _ = d.log.Since(head)
	if len(backlog) != 40 {
		t.Fatalf("backlog: %d entries, want 40", len(backlog))
	}
	if err := UploadProof(e.ctx, c, e.http.URL, villageA, backlog, d.key); err != nil {
		t.Fatalf("backlog upload: %v", err)
	}
	// A retry after a lost answer re-sends entries held: harmless.
	all, _ := d.log.Since(1230)
	if err := UploadProof(e.ctx, c, e.http.URL, villageA, all, d.key); err != nil {
		t.Fatalf("overlapping retry: %v", err)
	}
	if head, _ = ProofHead(e.ctx, c, e.http.URL, villageA); head != 1240 {
		t.Fatalf("head after backlog: %d, want 1240", head)
	}

	// Bad batches, each refused with the head unchanged.
	d.show(t, 5)
	next, _ := d.log.Since(1240)
	tampered := append([]proof.Entry(nil), next...)
	tampered[2].Raw = bytes.Replace(tampered[2].Raw, []byte("2026-10-"), []byte("2026-11-"), 1)
	reordered := []proof.Entry{next[1], next[0], next[2]}
	heldEdited := append([]proof.Entry(nil), all[:2]...)
	heldEdited[1].Raw = bytes.Replace(heldEdited[1].Raw, []byte(`"version":42`), []byte(`"version":41`), 1)
	body := lines(next)
	for _, c := range []struct {
		name   string
		body   []byte
		status int
		reason string
	}{
		{"tampered", lines(tampered), 422, "edited"},
		{"reordered", lines(reordered), 422, "out of order"},
		{"truncated mid-line", body[:len(body)-40], 422, "no newline"},
		{"a held record edited", lines(heldEdited), 422, "differs from the one already held"},
		{"signed by another key", lines(func() []proof.Entry { o := newDevice(t, 7); o.show(t, 3); x, _ := o.log.Since(0); return x }()), 422, "differs"},
		{"gap", lines(next[2:]), 409, "send from 1241"},
	} {
		st, r := e.postProof(t, villageA, c.body, d.key)
		if st != c.status || r.Seq != 1240 || !strings.Contains(r.Error, c.reason) {
			t.Errorf("%s: %d seq %d %q, want %d seq 1240 containing %q", c.name, st, r.Seq, r.Error, c.status, c.reason)
		}
	}
	if st, _ := e.postProof(t, villageB, body, d.key); st != 403 {
		t.Errorf("upload for an unregistered village: %d, want 403", st)
	}
	// Requests the board did not sign are refused before their entries are
	// looked at, and flag nothing: a stranger cannot make a village look
	// tampered with.
	for name, key := range map[string]ed25519.PrivateKey{"unsigned": nil, "request signed by another key": newDevice(t, 9).key} {
		if st, r := e.postProof(t, villageA, lines(tampered), key); st != 403 || !strings.Contains(r.Error, "not signed") {
			t.Errorf("%s: %d %q, want 403 not signed", name, st, r.Error)
		}
	}
	v := e.fleet(t)[villageA]
	if len(v.Problems) != 5 || v.ProofHeld != 1240 {
		t.Errorf("problems %d (want 5: the gap is not one), held %d: %+v", len(v.Problems), v.ProofHeld, v.Problems)
	}
	// The good batch still goes in after the refusals.
	if err := UploadProof(e.ctx, c, e.http.URL, villageA, next, d.key); err != nil {
		t.Fatalf("good batch after refusals: %v", err)
	}

	// Audit from what is held: item shown all along in [t0, t0+1 h).
	e.clock.Add(2 * time.Hour)
	rep, err := e.srv.Audit(villageA, []proof.Window{{Item: "2026-10-finance", From: t0, To: t0.Add(time.Hour)}}, []string{"led-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Items) != 1 || len(rep.Items[0].Displays) != 1 || rep.Items[0].Displays[0].Records != 90 {
		t.Errorf("audit: %+v\n%s", rep.Items, rep.Summary())
	}
	if _, err := e.srv.Audit(villageB, nil, nil); err == nil {
		t.Error("audit of an unregistered village succeeded")
	}
}

func TestVillagePage(t *testing.T) {
	e := newEnv(t, Opts{Windows: func(string) []proof.Window {
		return []proof.Window{{Item: "2026-10-finance", From: t0, To: t0.Add(time.Hour)}}
	}})
	d := newDevice(t, 1)
	e.srv.Register(villageA, pub(d.key))
	d.show(t, 200)
	es, _ := d.log.Since(0)
	if err := UploadProof(e.ctx, e.http.Client(), e.http.URL, villageA, es[:150], d.key); err != nil {
		t.Fatal(err)
	}
	h := heartbeat(villageA, t0)
	h.ProofHead, h.ProofHash = d.log.Head()
	e.beat(t, d.key, h)
	e.clock.Add(2 * time.Hour)
	resp, err := e.http.Client().Get(e.http.URL + "/village/" + villageA)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	for _, want := range []string{"链条完整：第 1–150 条", "尚有 50 条待上传", "公示期核查", "2026-10-finance", "离线"} {
		if !strings.Contains(page, want) {
			t.Errorf("village page lacks %q", want)
		}
	}
	if resp, _ := e.http.Client().Get(e.http.URL + "/village/" + villageB); resp.StatusCode != 404 {
		t.Errorf("unknown village page: %d, want 404", resp.StatusCode)
	}
}

// TestScreenshotOnRequest: the operator's button makes the board's next
// heartbeat carry a request for screenshots, once.
func TestScreenshotOnRequest(t *testing.T) {
	srv, err := NewServer(filepath.Join(t.TempDir(), "f.db"), Opts{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	operatorClient(t, srv, hs)
	pub, key, _ := ed25519.GenerateKey(nil)
	if err := srv.Register("370783-101-001", pub); err != nil {
		t.Fatal(err)
	}
	beat := func(sent time.Time) Reply {
		t.Helper()
		body, err := Sign(Heartbeat{Village: "370783-101-001", Sent: sent}, key)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := SendHeartbeat(context.Background(), hs.Client(), hs.URL, body)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	t0 := time.Now()
	if beat(t0).Screenshot {
		t.Fatal("screenshot asked before anyone pressed the button")
	}
	noFollow := *hs.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Post(hs.URL+"/api/screenshot-request?village=370783-101-001", "", nil)
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("request: %v %v", err, resp)
	}
	resp.Body.Close()
	if !beat(t0.Add(time.Second)).Screenshot {
		t.Error("next heartbeat did not carry the request")
	}
	if beat(t0.Add(2 * time.Second)).Screenshot {
		t.Error("request carried twice")
	}
}
