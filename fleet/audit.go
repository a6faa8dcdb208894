package fleet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/player/proof"
)

// AuditAnswer is GET /api/audit's body: the answer `sunpub audit` prints.
type AuditAnswer struct {
	Village string       `json:"village"`
	OK      bool         `json:"ok"`
	Summary string       `json:"summary"`
	Report  proof.Report `json:"report"`
}

// getAudit answers GET /api/audit?village=V[&item=I] from the stored proof
// log and the 公示期 windows of Opts.Windows: was each item on every
// display for its whole window, where are the gaps, is the chain intact.
func (s *Server) getAudit(w http.ResponseWriter, r *http.Request, who Who) {
	village := r.URL.Query().Get("village")
	if !who.Role.Allows(village) {
		forbidden(w, village)
		return
	}
	if s.opts.Windows == nil {
		http.Error(w, "this fleet server does not know the 公示期 windows (start sunpub serve with --content)", http.StatusNotImplemented)
		return
	}
	windows := s.opts.Windows(village)
	if item := r.URL.Query().Get("item"); item != "" {
		var keep []proof.Window
		for _, win := range windows {
			if win.Item == item {
				keep = append(keep, win)
			}
		}
		if len(keep) == 0 {
			http.Error(w, "no published item "+item+" for village "+village, http.StatusNotFound)
			return
		}
		windows = keep
	}
	// Audit every display the board says it has, so a display that never
	// recorded anything shows up as a gap rather than being left out.
	var displays []string
	if all, err := s.Fleet(); err == nil {
		for _, st := range all {
			if st.Village == village && st.Heartbeat != nil {
				for _, d := range st.Heartbeat.Displays {
					displays = append(displays, d.Name)
				}
			}
		}
	}
	rep, err := s.Audit(village, windows, displays)
	if err != nil {
		code := http.StatusInternalServerError
		if strings.Contains(err.Error(), "not registered") || strings.Contains(err.Error(), "unknown") {
			code = http.StatusNotFound
		}
		http.Error(w, err.Error(), code)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(AuditAnswer{Village: village, OK: rep.OK(), Summary: rep.Summary(), Report: rep})
}

// ContentWindows are a village's 公示期 windows as proof.Audit wants them:
// [publish, until + 1 day) in China time, each tied to the hash of the
// item file that was signed, so records of another text do not count.
func ContentWindows(v *content.Village) []proof.Window {
	var out []proof.Window
	for _, it := range v.Items {
		w := proof.Window{Item: it.ID, From: it.Publish, To: it.Until.AddDate(0, 0, 1)}
		if b, err := fs.ReadFile(v.FS, it.ID+".md"); err == nil {
			sum := sha256.Sum256(b)
			w.SHA256 = hex.EncodeToString(sum[:])
		}
		out = append(out, w)
	}
	return out
}

// LoadDevices registers every <village>.pub (PEM, as `sunpub device add`
// stores them under <repo>/devices) with s. Keys already registered are
// skipped, so the county's server can reload the folder every minute.
func LoadDevices(s *Server, dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		village, ok := strings.CutSuffix(e.Name(), ".pub")
		if !ok {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pub, err := proof.ParsePublicKey(b)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.Name(), err))
			continue
		}
		if old, err := s.key(village); err == nil && old.Equal(pub) {
			continue // unchanged: no write (and no fsync) every minute per board
		}
		if err := s.Register(village, pub); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.Name(), err))
		}
	}
	return errors.Join(errs...)
}

// CountyHandler serves one county on one address: the signed repository
// (/metadata/, /targets/ — what agents sync, cacheable by any CDN) and the
// fleet server (everything else).
func CountyHandler(repo http.Handler, s *Server) http.Handler {
	m := http.NewServeMux()
	m.Handle("/metadata/", repo)
	m.Handle("/targets/", repo)
	m.Handle("/", s.Handler())
	return m
}

// Reply is the fleet server's answer to a heartbeat: requests for the
// board, carried back on the heartbeat so the board needs no open port.
type Reply struct {
	// Screenshot asks the board to send its screenshots now.
	Screenshot bool `json:"screenshot"`
}

// requestScreenshot answers POST /api/screenshot-request?village=V (the
// button on the village page): the board's next heartbeat is told to send
// its screenshots at once, instead of at its next five-minute round.
func (s *Server) requestScreenshot(w http.ResponseWriter, r *http.Request, who Who) {
	village := r.URL.Query().Get("village")
	if !villagePattern.MatchString(village) {
		http.Error(w, "not a village id", http.StatusBadRequest)
		return
	}
	if !who.Role.Allows(village) {
		forbidden(w, village)
		return
	}
	s.wantMu.Lock()
	if s.wantShot == nil {
		s.wantShot = map[string]bool{}
	}
	s.wantShot[village] = true
	s.wantMu.Unlock()
	http.Redirect(w, r, "/village/"+village, http.StatusSeeOther)
}

// takeScreenshotRequest reports and clears a pending request.
func (s *Server) takeScreenshotRequest(village string) bool {
	s.wantMu.Lock()
	defer s.wantMu.Unlock()
	want := s.wantShot[village]
	delete(s.wantShot, village)
	return want
}

// SendHeartbeat posts a signed heartbeat (see Sign) and returns what the
// county asks of the board.
func SendHeartbeat(ctx context.Context, client *http.Client, base string, body []byte) (Reply, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+PathHeartbeat, bytes.NewReader(body))
	if err != nil {
		return Reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return Reply{}, fmt.Errorf("send heartbeat: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return Reply{}, &UploadError{Status: resp.StatusCode, Msg: strings.TrimSpace(string(b))}
	}
	var rep Reply
	_ = json.Unmarshal(b, &rep) // an older server answers with no body
	return rep, nil
}
