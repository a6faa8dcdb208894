package fleet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sunboard/sunboard/player/proof"
)

// Signature contexts keep the device key's signatures on heartbeats,
// screenshots and proof uploads apart from each other and from
// proof-of-display records ("sunboard-proof-v1:"), so one can never be
// replayed as another.
const (
	heartbeatContext   = "sunboard-heartbeat-v1:"
	screenshotContext  = "sunboard-screenshot-v1:"
	proofUploadContext = "sunboard-proof-upload-v1:"
)

// Paths under the fleet server's base URL.
const (
	PathHeartbeat  = "/api/heartbeat"
	PathScreenshot = "/api/screenshot"
	PathProof      = "/api/proof"
	PathProofHead  = "/api/proof/head"
)

// Screenshot request headers: the PNG is the body.
const (
	HeaderVillage   = "X-Sunboard-Village"
	HeaderDisplay   = "X-Sunboard-Display"
	HeaderTime      = "X-Sunboard-Time"
	HeaderSignature = "X-Sunboard-Signature"
)

// ProofBatch is how many proof entries UploadProof sends per request
// (about 420 bytes each: ≈ 210 KB a request).
const ProofBatch = 500

// Heartbeat is what a village agent reports about itself every Interval.
type Heartbeat struct {
	Village     string          `json:"village"`      // village id, "370783-101-001"
	Device      string          `json:"device"`       // Fingerprint of the device key; Sign fills it in
	Version     int64           `json:"version"`      // repository version being shown
	LastSync    time.Time       `json:"last_sync"`    // last sync attempt
	SyncOK      bool            `json:"sync_ok"`      // whether it succeeded
	SyncErr     string          `json:"sync_err"`     // why not
	Stale       bool            `json:"stale"`        // content older than the agent trusts
	StaleReason string          `json:"stale_reason"` // why, in words
	Clock       string          `json:"clock"`        // how the agent knows the time: proof.ClockNTP, …
	Displays    []DisplayStatus `json:"displays"`
	DiskFree    uint64          `json:"disk_free"` // bytes free on the state directory's disk
	TempC       float64         `json:"temp_c"`    // SoC temperature
	ProofHead   uint64          `json:"proof_head"`
	ProofHash   string          `json:"proof_hash"` // proof.Log.Head: lets the county spot a log cut at its end
	Sent        time.Time       `json:"sent"`       // the agent's clock when sent
}

// DisplayStatus is one output's health and what it shows.
type DisplayStatus struct {
	Name         string `json:"name"`
	Item         string `json:"item"` // item on screen; "" for the fallback screen
	Next         string `json:"next"`
	Errors       int    `json:"errors"`     // draw errors since the last heartbeat
	Brightness   int    `json:"brightness"` // 0–255 for LEDs, -1 when not dimmable
	PowerLimited bool   `json:"power_limited"`
}

// envelope is the signed heartbeat on the wire. Sig covers the exact bytes
// of Heartbeat, so the server verifies what it received, not a re-encoding.
type envelope struct {
	Heartbeat json.RawMessage `json:"heartbeat"`
	Sig       string          `json:"sig"`
}

// Fingerprint names a device key: the first 8 bytes of the SHA-256 of the
// public key, in hex.
func Fingerprint(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:8])
}

// Sign encodes h and signs it with the device key, filling in Device. The
// result is the body Send posts.
func Sign(h Heartbeat, key ed25519.PrivateKey) ([]byte, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("sign heartbeat: device key has %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	if h.Village == "" {
		return nil, errors.New("sign heartbeat: no village")
	}
	fp := Fingerprint(key.Public().(ed25519.PublicKey))
	if h.Device != "" && h.Device != fp {
		return nil, fmt.Errorf("sign heartbeat: device %q is not this key's fingerprint %q", h.Device, fp)
	}
	h.Device = fp
	raw, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("encode heartbeat for %s: %w", h.Village, err)
	}
	sig := ed25519.Sign(key, append([]byte(heartbeatContext), raw...))
	return json.Marshal(envelope{Heartbeat: raw, Sig: base64.StdEncoding.EncodeToString(sig)})
}

// openHeartbeat checks body's signature with the key lookup gives for the
// village the heartbeat names.
func openHeartbeat(body []byte, lookup func(village string) (ed25519.PublicKey, error)) (Heartbeat, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Heartbeat{}, fmt.Errorf("heartbeat is not a signed envelope: %w", err)
	}
	var h Heartbeat
	if err := json.Unmarshal(env.Heartbeat, &h); err != nil {
		return Heartbeat{}, fmt.Errorf("heartbeat: %w", err)
	}
	pub, err := lookup(h.Village)
	if err != nil {
		return h, err
	}
	sig, err := base64.StdEncoding.DecodeString(env.Sig)
	if err != nil || !ed25519.Verify(pub, append([]byte(heartbeatContext), env.Heartbeat...), sig) {
		return h, fmt.Errorf("heartbeat for village %q: not signed by its registered device key", h.Village)
	}
	if fp := Fingerprint(pub); h.Device != fp {
		return h, fmt.Errorf("heartbeat for village %q names device %q, registered device is %q", h.Village, h.Device, fp)
	}
	return h, nil
}

// Send posts a signed heartbeat (from Sign) to the fleet server at base
// (e.g. "https://fleet.example.cn"; PathHeartbeat is appended).
func Send(ctx context.Context, client *http.Client, base string, body []byte) error {
	_, err := post(ctx, client, strings.TrimSuffix(base, "/")+PathHeartbeat, "application/json", nil, body)
	return err
}

// screenshotMessage is what a screenshot's signature covers.
func screenshotMessage(village, display, sent string, png []byte) []byte {
	sum := sha256.Sum256(png)
	return []byte(screenshotContext + village + "\n" + display + "\n" + sent + "\n" + hex.EncodeToString(sum[:]))
}

// SendScreenshot posts one display's screenshot, a PNG the caller has
// already scaled down (a few hundred pixels wide is plenty for the fleet
// page), signed with the device key.
func SendScreenshot(ctx context.Context, client *http.Client, base, village, display string, png []byte, key ed25519.PrivateKey) error {
	if len(key) != ed25519.PrivateKeySize {
		return fmt.Errorf("send screenshot of %s/%s: device key has %d bytes, want %d", village, display, len(key), ed25519.PrivateKeySize)
	}
	sent := time.Now().UTC().Format(time.RFC3339Nano)
	sig := ed25519.Sign(key, screenshotMessage(village, display, sent, png))
	h := http.Header{}
	h.Set(HeaderVillage, village)
	h.Set(HeaderDisplay, display)
	h.Set(HeaderTime, sent)
	h.Set(HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	_, err := post(ctx, client, strings.TrimSuffix(base, "/")+PathScreenshot, "image/png", h, png)
	if err != nil {
		return fmt.Errorf("send screenshot of %s/%s: %w", village, display, err)
	}
	return nil
}

// ProofReply is the server's answer to a proof upload or head query: the
// last seq and hash it holds for the village (0, "" when none).
type ProofReply struct {
	Seq   uint64 `json:"seq"`
	Hash  string `json:"hash"`
	Error string `json:"error,omitempty"`
}

// UploadError is a refused request. For proof uploads Head is the last seq
// the server holds: after a 409 (the batch does not follow it) the agent
// sends log.Since(Head).
type UploadError struct {
	Status int
	Head   uint64
	Msg    string
}

func (e *UploadError) Error() string {
	return fmt.Sprintf("fleet server answered %d: %s", e.Status, e.Msg)
}

// ProofHead asks the fleet server for the last proof seq it holds for the
// village: the agent uploads log.Since(seq).
func ProofHead(ctx context.Context, client *http.Client, base, village string) (uint64, error) {
	u := strings.TrimSuffix(base, "/") + PathProofHead + "?village=" + url.QueryEscape(village)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, fmt.Errorf("proof head for %s: %w", village, err)
	}
	r, err := do(client, req)
	if err != nil {
		return 0, fmt.Errorf("proof head for %s: %w", village, err)
	}
	return r.Seq, nil
}

// proofUploadMessage is what a proof upload request's signature covers.
// Its entries are signed one by one already; signing the request too
// means only the board itself can make the server look at a batch, so a
// stranger posting garbage cannot get its village flagged 故障.
func proofUploadMessage(village, sent string, body []byte) []byte {
	sum := sha256.Sum256(body)
	return []byte(proofUploadContext + village + "\n" + sent + "\n" + hex.EncodeToString(sum[:]))
}

// signProofUpload is the headers of a proof upload request signed by key.
func signProofUpload(village string, body []byte, key ed25519.PrivateKey) http.Header {
	sent := time.Now().UTC().Format(time.RFC3339Nano)
	h := http.Header{}
	h.Set(HeaderVillage, village)
	h.Set(HeaderTime, sent)
	h.Set(HeaderSignature, base64.StdEncoding.EncodeToString(ed25519.Sign(key, proofUploadMessage(village, sent, body))))
	return h
}

// UploadProof sends entries (from log.Since) in batches of ProofBatch as
// JSON lines, each request signed with the device key, each batch after
// the last seq the server says it holds.
// Entries the server already holds are skipped, so an upload retried after
// a lost answer is harmless. A refused batch (tampered, reordered, gap)
// returns an *UploadError with the server's head.
func UploadProof(ctx context.Context, client *http.Client, base, village string, entries []proof.Entry, key ed25519.PrivateKey) error {
	if len(key) != ed25519.PrivateKeySize {
		return fmt.Errorf("upload proof for %s: device key has %d bytes, want %d", village, len(key), ed25519.PrivateKeySize)
	}
	u := strings.TrimSuffix(base, "/") + PathProof + "?village=" + url.QueryEscape(village)
	var head uint64
	for len(entries) > 0 {
		for len(entries) > 0 && entries[0].Record.Seq <= head {
			entries = entries[1:]
		}
		if len(entries) == 0 {
			break
		}
		n := min(len(entries), ProofBatch)
		var buf bytes.Buffer
		for _, e := range entries[:n] {
			buf.Write(e.MarshalLine())
		}
		r, err := post(ctx, client, u, "application/x-ndjson", signProofUpload(village, buf.Bytes(), key), buf.Bytes())
		if err != nil {
			return fmt.Errorf("upload proof seq %d–%d for %s: %w", entries[0].Record.Seq, entries[n-1].Record.Seq, village, err)
		}
		head = r.Seq
		entries = entries[n:]
	}
	return nil
}

func post(ctx context.Context, client *http.Client, u, ctype string, h http.Header, body []byte) (ProofReply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return ProofReply{}, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", ctype)
	return do(client, req)
}

func do(client *http.Client, req *http.Request) (ProofReply, error) {
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return ProofReply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return ProofReply{}, fmt.Errorf("read answer from %s: %w", req.URL.Path, err)
	}
	var r ProofReply
	_ = json.Unmarshal(b, &r) // heartbeat answers may be plain text
	if resp.StatusCode != http.StatusOK {
		msg := r.Error
		if msg == "" {
			msg = strings.TrimSpace(string(b))
		}
		return r, &UploadError{Status: resp.StatusCode, Head: r.Seq, Msg: msg}
	}
	return r, nil
}
