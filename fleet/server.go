package fleet

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/png" // screenshots are checked to be PNGs
	"io"
	"log"
	"net/http"
	"net/netip"
	"regexp"
	"sync"
	"time"

	"github.com/sunboard/sunboard/player/proof"
	bolt "go.etcd.io/bbolt"
)

// Opts configures a Server. The zero value is usable.
type Opts struct {
	// Interval is how often agents send heartbeats; a village with none
	// for more than 3×Interval is offline. 0 → 1 minute.
	Interval time.Duration
	// Now is the server's clock (tests inject one). nil → time.Now.
	Now func() time.Time
	// MaxScreenshot caps a screenshot upload in bytes. 0 → 2 MiB.
	MaxScreenshot int64
	// Windows, when set, gives a village's 公示期 windows (from the signed
	// repository) so the village page can show the audit answer.
	Windows func(village string) []proof.Window
	// Logf logs refusals; nil → log.Printf.
	Logf func(format string, args ...any)
	// SecureCookies marks the session cookie Secure: set it whenever the
	// page is served over TLS (directly or behind a TLS proxy).
	SecureCookies bool
	// SessionTTL is how long an operator's login lasts. 0 → 8 hours.
	SessionTTL time.Duration
	// Waiting, when set, lists the items waiting for township approval
	// (sunpub review) for the 待审核 page, /review.
	Waiting func() ([]WaitingItem, error)
	// TrustedProxies are the reverse proxies (nginx, a load balancer) in
	// front of the server: a request from one of them is attributed to
	// the last address in X-Forwarded-For that is not a trusted proxy, so
	// failed logins lock that client, not every operator behind the
	// proxy. Empty: X-Forwarded-For is ignored (anyone can send it).
	TrustedProxies []netip.Prefix
	// TokenTTL is how long an API token from NewToken lasts. 0 → 90 days.
	TokenTTL time.Duration
}

// Server is the county's fleet server: it stores what the village agents
// send in one bbolt file and serves the fleet page.
type Server struct {
	db   *bolt.DB
	opts Opts
	// proofMu serialises proof uploads per server: check-then-append must
	// not interleave for one village.
	proofMu sync.Mutex
	// wantShot holds villages whose operator asked for screenshots now;
	// in memory only: a request lost to a restart is simply asked again.
	wantMu   sync.Mutex
	wantShot map[string]bool
	// limits counts failed logins per account and remote address.
	limits limiter
}

var (
	bDevices    = []byte("devices")    // village → ed25519 public key
	bHeartbeats = []byte("heartbeats") // village → storedHeartbeat JSON
	bShots      = []byte("shots")      // village \x00 display → storedShot JSON
	bShotPNG    = []byte("shotpng")    // village \x00 display → PNG bytes
	bProof      = []byte("proof")      // village → bucket: 8-byte big-endian seq → log line
	bProblems   = []byte("problems")   // village → []Problem JSON, newest last
)

// villagePattern is the village id the agent's config accepts.
var (
	villagePattern = regexp.MustCompile(`^[0-9]{6}-[0-9]{3}-[0-9]{3}$`)
	displayPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
)

// Problem is a refused upload kept for the operator: a tampered, reordered
// or truncated proof batch, say.
type Problem struct {
	Time time.Time `json:"time"`
	What string    `json:"what"`
}

const maxProblems = 20

type storedHeartbeat struct {
	Heartbeat Heartbeat `json:"heartbeat"`
	Received  time.Time `json:"received"`
}

type storedShot struct {
	Sent     time.Time `json:"sent"`
	Received time.Time `json:"received"`
	Width    int       `json:"width"`
	Height   int       `json:"height"`
}

// NewServer opens (or creates) the database at dbPath.
func NewServer(dbPath string, opts Opts) (*Server, error) {
	if opts.Interval <= 0 {
		opts.Interval = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxScreenshot <= 0 {
		opts.MaxScreenshot = 2 << 20
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 8 * time.Hour
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = 90 * 24 * time.Hour
	}
	if opts.Logf == nil {
		opts.Logf = log.Printf
	}
	db, err := bolt.Open(dbPath, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open fleet database %q: %w", dbPath, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bDevices, bHeartbeats, bShots, bShotPNG, bProof, bProblems, bOperators, bSessions, bTokens} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("set up fleet database %q: %w", dbPath, err)
	}
	return &Server{db: db, opts: opts}, nil
}

// Close closes the database.
func (s *Server) Close() error { return s.db.Close() }

// Register records the device key of a village, replacing an earlier one
// (a board swapped after a failure). Proof entries already held stay, and
// a replaced board's new log (from seq 1) does not continue them: such
// uploads are refused until the old log is archived, which is not built.
func (s *Server) Register(village string, pub ed25519.PublicKey) error {
	if !villagePattern.MatchString(village) {
		return fmt.Errorf("register %q: not a village id like 370783-101-001", village)
	}
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("register %s: public key has %d bytes, want %d", village, len(pub), ed25519.PublicKeySize)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bDevices).Put([]byte(village), pub)
	})
}

// key returns the registered key of a village.
func (s *Server) key(village string) (ed25519.PublicKey, error) {
	var pub ed25519.PublicKey
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bDevices).Get([]byte(village)); v != nil {
			pub = append(ed25519.PublicKey(nil), v...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if pub == nil {
		return nil, fmt.Errorf("village %q has no registered device", village)
	}
	return pub, nil
}

func (s *Server) problem(village, what string) {
	s.opts.Logf("fleet: village %s: %s", village, what)
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bProblems)
		var ps []Problem
		if v := b.Get([]byte(village)); v != nil {
			_ = json.Unmarshal(v, &ps)
		}
		ps = append(ps, Problem{Time: s.opts.Now(), What: what})
		if len(ps) > maxProblems {
			ps = ps[len(ps)-maxProblems:]
		}
		v, err := json.Marshal(ps)
		if err != nil {
			return err
		}
		return b.Put([]byte(village), v)
	})
	if err != nil {
		s.opts.Logf("fleet: record problem for %s: %v", village, err)
	}
}

// Handler serves the device API and the fleet pages.
func (s *Server) Handler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("POST "+PathHeartbeat, s.postHeartbeat)
	m.HandleFunc("POST "+PathScreenshot, s.postScreenshot)
	m.HandleFunc("POST "+PathProof, s.postProof)
	m.HandleFunc("GET "+PathProofHead, s.getProofHead)
	m.HandleFunc("GET /login", s.getLogin)
	m.HandleFunc("POST /login", s.postLogin)
	m.HandleFunc("POST /logout", s.form(s.postLogout))
	m.HandleFunc("GET /api/fleet.json", s.api(s.getFleetJSON))
	m.HandleFunc("GET /api/audit", s.api(s.getAudit))
	m.HandleFunc("POST /api/screenshot-request", s.form(s.requestScreenshot))
	m.HandleFunc("GET /shot/{village}/{display}", s.page(s.getShot))
	m.HandleFunc("GET /village/{village}", s.page(s.getVillage))
	m.HandleFunc("GET /review", s.page(s.getReview))
	m.HandleFunc("GET /{$}", s.page(s.getFleet))
	return m
}

func (s *Server) postHeartbeat(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		http.Error(w, "read heartbeat: "+err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	h, err := openHeartbeat(body, s.key)
	if err != nil {
		s.opts.Logf("fleet: refused heartbeat from %s: %v", s.clientIP(r), err)
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	st := storedHeartbeat{Heartbeat: h, Received: s.opts.Now()}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bHeartbeats)
		if v := b.Get([]byte(h.Village)); v != nil {
			var old storedHeartbeat
			if json.Unmarshal(v, &old) == nil && !h.Sent.After(old.Heartbeat.Sent) {
				// A replayed or delayed heartbeat must not hide a newer one.
				return errStale
			}
		}
		v, err := json.Marshal(st)
		if err != nil {
			return err
		}
		return b.Put([]byte(h.Village), v)
	})
	switch {
	case errors.Is(err, errStale):
		http.Error(w, fmt.Sprintf("heartbeat for %s sent %s is not newer than the one held", h.Village, h.Sent.Format(time.RFC3339)), http.StatusConflict)
	case err != nil:
		http.Error(w, "store heartbeat: "+err.Error(), http.StatusInternalServerError)
	default:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(Reply{Screenshot: s.takeScreenshotRequest(h.Village)})
	}
}

var errStale = errors.New("not newer")

func shotKey(village, display string) []byte { return []byte(village + "\x00" + display) }

func (s *Server) postScreenshot(w http.ResponseWriter, r *http.Request) {
	village, display := r.Header.Get(HeaderVillage), r.Header.Get(HeaderDisplay)
	if !villagePattern.MatchString(village) || !displayPattern.MatchString(display) {
		http.Error(w, fmt.Sprintf("screenshot: bad village %q or display %q", village, display), http.StatusBadRequest)
		return
	}
	png, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxScreenshot))
	if err != nil {
		http.Error(w, fmt.Sprintf("screenshot of %s/%s: %v", village, display, err), http.StatusRequestEntityTooLarge)
		return
	}
	pub, err := s.key(village)
	if err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	sentStr := r.Header.Get(HeaderTime)
	sig, err := base64.StdEncoding.DecodeString(r.Header.Get(HeaderSignature))
	if err != nil || !ed25519.Verify(pub, screenshotMessage(village, display, sentStr, png), sig) {
		s.opts.Logf("fleet: refused screenshot %s/%s from %s: bad signature", village, display, s.clientIP(r))
		http.Error(w, fmt.Sprintf("screenshot of %s/%s: not signed by the village's registered device key", village, display), http.StatusForbidden)
		return
	}
	sent, err := time.Parse(time.RFC3339Nano, sentStr)
	if err != nil {
		http.Error(w, fmt.Sprintf("screenshot time %q: %v", sentStr, err), http.StatusBadRequest)
		return
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(png))
	if err != nil || format != "png" {
		http.Error(w, fmt.Sprintf("screenshot of %s/%s is not a PNG (%s): %v", village, display, format, err), http.StatusBadRequest)
		return
	}
	meta := storedShot{Sent: sent, Received: s.opts.Now(), Width: cfg.Width, Height: cfg.Height}
	err = s.db.Update(func(tx *bolt.Tx) error {
		k := shotKey(village, display)
		if v := tx.Bucket(bShots).Get(k); v != nil {
			var old storedShot
			if json.Unmarshal(v, &old) == nil && !sent.After(old.Sent) {
				return errStale
			}
		}
		v, err := json.Marshal(meta)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bShots).Put(k, v); err != nil {
			return err
		}
		return tx.Bucket(bShotPNG).Put(k, png)
	})
	switch {
	case errors.Is(err, errStale):
		http.Error(w, fmt.Sprintf("screenshot of %s/%s sent %s is not newer than the one held", village, display, sentStr), http.StatusConflict)
	case err != nil:
		http.Error(w, "store screenshot: "+err.Error(), http.StatusInternalServerError)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// proofHead returns the newest stored entry of a village (Seq 0 when none).
func proofHead(tx *bolt.Tx, village string) (proof.Entry, error) {
	b := tx.Bucket(bProof).Bucket([]byte(village))
	if b == nil {
		return proof.Entry{}, nil
	}
	_, v := b.Cursor().Last()
	if v == nil {
		return proof.Entry{}, nil
	}
	es, err := proof.ReadAll(bytes.NewReader(v))
	if err != nil || len(es) != 1 {
		return proof.Entry{}, fmt.Errorf("stored proof head of %s unreadable: %v", village, err)
	}
	return es[0], nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) getProofHead(w http.ResponseWriter, r *http.Request) {
	village := r.URL.Query().Get("village")
	if _, err := s.key(village); err != nil {
		writeJSON(w, http.StatusForbidden, ProofReply{Error: err.Error()})
		return
	}
	var head proof.Entry
	err := s.db.View(func(tx *bolt.Tx) (err error) { head, err = proofHead(tx, village); return })
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, ProofReply{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, ProofReply{Seq: head.Record.Seq, Hash: head.Hash})
}

// postProof accepts a batch of proof log lines that continues the chain
// held for the village, checked against the registered key.
func (s *Server) postProof(w http.ResponseWriter, r *http.Request) {
	village := r.URL.Query().Get("village")
	pub, err := s.key(village)
	if err != nil {
		writeJSON(w, http.StatusForbidden, ProofReply{Error: err.Error()})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 16<<20))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, ProofReply{Error: "read proof upload: " + err.Error()})
		return
	}
	sig, err := base64.StdEncoding.DecodeString(r.Header.Get(HeaderSignature))
	if err != nil || r.Header.Get(HeaderVillage) != village ||
		!ed25519.Verify(pub, proofUploadMessage(village, r.Header.Get(HeaderTime), body), sig) {
		// Not the board: refused without a word on the fleet page, or anyone
		// could have a village shown 故障 by posting garbage for it.
		s.opts.Logf("fleet: refused proof upload for %s from %s: not signed by its registered device key", village, s.clientIP(r))
		writeJSON(w, http.StatusForbidden, ProofReply{Error: fmt.Sprintf("proof upload for %s: not signed by the village's registered device key", village)})
		return
	}
	s.proofMu.Lock()
	defer s.proofMu.Unlock()
	var head proof.Entry
	if err := s.db.View(func(tx *bolt.Tx) (err error) { head, err = proofHead(tx, village); return }); err != nil {
		writeJSON(w, http.StatusInternalServerError, ProofReply{Error: err.Error()})
		return
	}
	reply := func(status int, msg string) {
		writeJSON(w, status, ProofReply{Seq: head.Record.Seq, Hash: head.Hash, Error: msg})
	}
	batch, err := proof.ReadAll(bytes.NewReader(body))
	if err != nil {
		msg := fmt.Sprintf("拒收展示记录上传（截断或损坏）: %v", err)
		s.problem(village, msg)
		reply(http.StatusUnprocessableEntity, msg)
		return
	}
	// Entries already held (a retry after a lost answer) must be the same
	// bytes; anything else is a second history for the same seqs.
	var held int
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bProof).Bucket([]byte(village))
		for held < len(batch) && batch[held].Record.Seq <= head.Record.Seq {
			e := batch[held]
			var v []byte
			if b != nil {
				v = b.Get(seqKey(e.Record.Seq))
			}
			if v == nil || !bytes.Equal(v, e.MarshalLine()) {
				return fmt.Errorf("record %d differs from the one already held (tampered or a second history)", e.Record.Seq)
			}
			held++
		}
		return nil
	})
	if err != nil {
		msg := "拒收展示记录上传: " + err.Error()
		s.problem(village, msg)
		reply(http.StatusUnprocessableEntity, msg)
		return
	}
	batch = batch[held:]
	if len(batch) == 0 {
		reply(http.StatusOK, "")
		return
	}
	if err := proof.VerifyAfter(head, batch, pub); err != nil {
		gap := true // the batch lacks head+1 entirely (not merely reordered)
		for _, e := range batch {
			if e.Record.Seq == head.Record.Seq+1 {
				gap = false
			}
		}
		if gap && batch[0].Record.Seq > head.Record.Seq+1 {
			// A gap before the batch: the agent sends from our head again.
			// Not tampering, so not a problem to report.
			reply(http.StatusConflict, fmt.Sprintf("batch starts at seq %d, server holds up to %d: send from %d", batch[0].Record.Seq, head.Record.Seq, head.Record.Seq+1))
			return
		}
		msg := "拒收展示记录上传: " + err.Error()
		s.problem(village, msg)
		reply(http.StatusUnprocessableEntity, msg)
		return
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bProof).CreateBucketIfNotExists([]byte(village))
		if err != nil {
			return err
		}
		for _, e := range batch {
			if err := b.Put(seqKey(e.Record.Seq), e.MarshalLine()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		reply(http.StatusInternalServerError, "store proof: "+err.Error())
		return
	}
	head = batch[len(batch)-1]
	reply(http.StatusOK, "")
}

// entries returns every stored proof entry of a village in seq order.
func (s *Server) entries(village string) ([]proof.Entry, error) {
	var buf bytes.Buffer
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bProof).Bucket([]byte(village))
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error { buf.Write(v); return nil })
	})
	if err != nil {
		return nil, fmt.Errorf("read proof of %s: %w", village, err)
	}
	es, err := proof.ReadAll(&buf)
	if err != nil {
		return nil, fmt.Errorf("stored proof of %s: %w", village, err)
	}
	return es, nil
}

// Audit answers, from the proof entries uploaded by a village, whether each
// window's item was on every display for its whole window (proof.Audit,
// with the server's clock as Now). The stored chain is verified again
// first against the registered key: a database edited behind the server's
// back is reported as an error naming the record.
func (s *Server) Audit(village string, windows []proof.Window, displays []string) (proof.Report, error) {
	pub, err := s.key(village)
	if err != nil {
		return proof.Report{}, fmt.Errorf("audit %s: %w", village, err)
	}
	es, err := s.entries(village)
	if err != nil {
		return proof.Report{}, fmt.Errorf("audit %s: %w", village, err)
	}
	if err := proof.Verify(es, pub); err != nil {
		return proof.Report{}, fmt.Errorf("audit %s: stored log fails verification: %w", village, err)
	}
	return proof.Options{Now: s.opts.Now()}.Audit(es, windows, displays), nil
}
