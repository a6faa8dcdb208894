package sim

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed preview.html
var previewHTML []byte

// pollWait is how long a frame request waits for a new frame before it
// answers 204 and the page asks again.
const pollWait = 10 * time.Second

// Preview serves a live browser preview of simulated displays.
//
// The page long-polls GET /frame/<name>?after=<n>: the answer comes as soon
// as frame n+1 exists, so the page runs at the rate the player draws with no
// timer of its own. A frame is encoded at most once however many pages watch,
// and never when nobody asks. LED boards travel as PNG (small, exact colours);
// TV frames as JPEG, which is ~10× smaller and faster to encode at 720p.
type Preview struct {
	devs  []*Dev
	enc   map[string]*encoder
	mux   *http.ServeMux
	smu   sync.Mutex
	stats []func() any
}

// encoder caches the encoded form of the last frame asked for.
type encoder struct {
	dev *Dev

	mu    sync.Mutex
	buf   *image.RGBA
	frame uint64
	data  []byte
	ctype string
}

// NewPreview returns a preview of devs. Device names must be unique and
// usable in a URL path segment; a device whose name is repeated is shown once.
func NewPreview(devs ...*Dev) *Preview {
	p := &Preview{enc: map[string]*encoder{}, mux: http.NewServeMux()}
	for _, d := range devs {
		if d == nil || p.enc[d.name] != nil {
			continue
		}
		p.devs = append(p.devs, d)
		p.enc[d.name] = &encoder{dev: d, frame: ^uint64(0)}
	}
	p.mux.HandleFunc("GET /{$}", p.page)
	p.mux.HandleFunc("GET /displays.json", p.displays)
	p.mux.HandleFunc("GET /status.json", p.status)
	p.mux.HandleFunc("GET /snapshot/{file}", p.snapshot)
	p.mux.HandleFunc("GET /frame/{name}", p.frame)
	return p
}

// SetStatus adds a status source. Its value is JSON-encoded into
// GET /status.json (one entry per source, in the order added) and shown
// under the displays as a key/value table.
func (p *Preview) SetStatus(f func() any) {
	if f == nil {
		return
	}
	p.smu.Lock()
	p.stats = append(p.stats, f)
	p.smu.Unlock()
}

// ServeHTTP implements http.Handler.
func (p *Preview) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.mux.ServeHTTP(w, r) }

func (p *Preview) page(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(previewHTML)
}

type displayInfo struct {
	Name   string `json:"name"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	LED    bool   `json:"led"`
	Frames uint64 `json:"frames"`
	// PitchMM is the LED pitch; the page draws boards to scale by it.
	PitchMM float64 `json:"pitch_mm,omitempty"`
}

func (p *Preview) displays(w http.ResponseWriter, _ *http.Request) {
	out := make([]displayInfo, 0, len(p.devs))
	for _, d := range p.devs {
		b := d.Bounds()
		out = append(out, displayInfo{Name: d.name, Width: b.Dx(), Height: b.Dy(), LED: d.led, Frames: d.Frames(), PitchMM: d.pitch})
	}
	writeJSON(w, out)
}

func (p *Preview) status(w http.ResponseWriter, _ *http.Request) {
	p.smu.Lock()
	fs := append([]func() any(nil), p.stats...)
	p.smu.Unlock()
	out := make([]any, 0, len(fs))
	for _, f := range fs {
		out = append(out, f())
	}
	writeJSON(w, out)
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, fmt.Sprintf("encode json: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

func (p *Preview) snapshot(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".png")
	e := p.enc[name]
	if !ok || e == nil {
		http.Error(w, fmt.Sprintf("no display %q", r.PathValue("file")), http.StatusNotFound)
		return
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, e.dev.Snapshot()); err != nil {
		http.Error(w, fmt.Sprintf("encode png of %q: %v", name, err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

func (p *Preview) frame(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	e := p.enc[name]
	if e == nil {
		http.Error(w, fmt.Sprintf("no display %q", name), http.StatusNotFound)
		return
	}
	var after uint64
	if s := r.URL.Query().Get("after"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			http.Error(w, fmt.Sprintf("bad after=%q: %v", s, err), http.StatusBadRequest)
			return
		}
		after = n
	}
	w.Header().Set("Cache-Control", "no-store")
	n, ch := e.dev.wait()
	if s := r.URL.Query().Get("after"); s != "" && n <= after {
		t := time.NewTimer(pollWait)
		defer t.Stop()
		select {
		case <-ch:
		case <-t.C:
			w.Header().Set("X-Frame", strconv.FormatUint(n, 10))
			w.WriteHeader(http.StatusNoContent)
			return
		case <-r.Context().Done():
			return
		}
	}
	data, ctype, n, err := e.encode()
	if err != nil {
		http.Error(w, fmt.Sprintf("encode frame of %q: %v", name, err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Frame", strconv.FormatUint(n, 10))
	_, _ = w.Write(data)
}

// encode returns the current frame encoded, reusing the cached bytes when the
// frame has not changed since the last request.
func (e *encoder) encode() ([]byte, string, uint64, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if n := e.dev.Frames(); n == e.frame {
		return e.data, e.ctype, n, nil
	}
	var n uint64
	e.buf, n = e.dev.snapshot(e.buf)
	var out bytes.Buffer
	var err error
	if e.dev.led {
		e.ctype = "image/png"
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&out, e.buf)
	} else {
		e.ctype = "image/jpeg"
		err = jpeg.Encode(&out, e.buf, &jpeg.Options{Quality: 85})
	}
	if err != nil {
		e.frame = ^uint64(0)
		return nil, "", 0, err
	}
	// A fresh slice each time: handlers still writing the old one keep it.
	e.data, e.frame = out.Bytes(), n
	return e.data, e.ctype, n, nil
}
