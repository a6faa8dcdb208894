package agent

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"image"
	"image/png"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/image/draw"

	"github.com/sunboard/sunboard/fleet"
	"github.com/sunboard/sunboard/player"
)

// reporter tells the county's fleet server how this board is: a signed
// heartbeat every minute, screenshots every few minutes, and the proof log
// (with the backlog after an outage).
type reporter struct {
	a      *Agent
	pl     *player.Player
	key    ed25519.PrivateKey
	client *http.Client
}

const (
	heartbeatEvery  = time.Minute
	screenshotEvery = 5 * time.Minute
	// Screenshots are thumbnails: enough to see what is on a board, small
	// enough for a 4G link.
	screenshotWidth = 320
)

func (r *reporter) run(ctx context.Context) {
	lastShot := time.Time{}
	t := time.NewTicker(heartbeatEvery)
	defer t.Stop()
	for {
		if err := r.beat(ctx); err != nil && ctx.Err() == nil {
			log.Printf("fleet heartbeat: %v", err)
		}
		if time.Since(lastShot) >= screenshotEvery {
			lastShot = time.Now()
			r.screenshots(ctx)
		}
		if err := r.uploadProof(ctx); err != nil && ctx.Err() == nil {
			log.Printf("fleet proof upload: %v (will retry with the backlog)", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *reporter) beat(ctx context.Context) error {
	a := r.a
	now, src := a.clock.Now()
	a.mu.Lock()
	h := fleet.Heartbeat{
		Village:  a.cfg.Village,
		Version:  a.shown.Version,
		LastSync: a.lastSync,
		SyncOK:   a.syncErr == "",
		SyncErr:  a.syncErr,
		Clock:    string(src),
		Sent:     now,
	}
	a.mu.Unlock()
	if strings.Contains(h.SyncErr, "stale") || strings.Contains(h.SyncErr, "expired") {
		h.Stale, h.StaleReason = true, h.SyncErr
	}
	levels := map[string]int{}
	for _, m := range a.dims {
		m.mu.Lock()
		levels[m.name] = int(m.level)
		m.mu.Unlock()
	}
	for _, s := range r.pl.Showing() {
		lvl, ok := levels[s.Display]
		if !ok {
			lvl = 255
		}
		ds := fleet.DisplayStatus{Name: s.Display, Item: s.Item, Next: s.Next, Errors: s.Errors, Brightness: lvl}
		// LED drivers scale frames down to the power supply's budget; the
		// county should know a board runs dimmer than configured.
		if l, ok := a.devs[s.Display].(interface{ Limited() (uint64, float64) }); ok {
			n, scale := l.Limited()
			ds.PowerLimited = n > 0 && scale < 1
		}
		h.Displays = append(h.Displays, ds)
	}
	var fs syscall.Statfs_t
	if syscall.Statfs(a.cfg.State, &fs) == nil {
		h.DiskFree = fs.Bavail * uint64(fs.Bsize)
	}
	h.TempC = cpuTemp()
	if a.proof != nil {
		h.ProofHead, h.ProofHash = a.proof.Head()
	}
	body, err := fleet.Sign(h, r.key)
	if err != nil {
		return err
	}
	reply, err := fleet.SendHeartbeat(ctx, r.client, a.cfg.Fleet, body)
	if err == nil && reply.Screenshot {
		r.screenshots(ctx)
	}
	return err
}

func (r *reporter) screenshots(ctx context.Context) {
	for _, d := range r.a.cfg.Display {
		img := r.pl.Snapshot(d.Name)
		if img == nil {
			continue
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, thumbnail(img)); err != nil {
			continue
		}
		if err := fleet.SendScreenshot(ctx, r.client, r.a.cfg.Fleet, r.a.cfg.Village, d.Name, buf.Bytes(), r.key); err != nil && ctx.Err() == nil {
			log.Printf("fleet screenshot %s: %v", d.Name, err)
		}
	}
}

func (r *reporter) uploadProof(ctx context.Context) error {
	if r.a.proof == nil {
		return nil
	}
	head, err := fleet.ProofHead(ctx, r.client, r.a.cfg.Fleet, r.a.cfg.Village)
	if err != nil {
		return err
	}
	entries, err := r.a.proof.Since(head)
	if err != nil || len(entries) == 0 {
		return err
	}
	err = fleet.UploadProof(ctx, r.client, r.a.cfg.Fleet, r.a.cfg.Village, entries, r.key)
	var ue *fleet.UploadError
	if errors.As(err, &ue) && ue.Status == http.StatusConflict {
		// The server holds less than we thought: send from its head.
		if entries, err = r.a.proof.Since(ue.Head); err == nil {
			err = fleet.UploadProof(ctx, r.client, r.a.cfg.Fleet, r.a.cfg.Village, entries, r.key)
		}
	}
	return err
}

// thumbnail scales a frame down for the fleet page; LED boards (small)
// are enlarged with nearest-neighbour so their pixels stay crisp.
func thumbnail(src *image.RGBA) image.Image {
	b := src.Bounds()
	w := screenshotWidth
	h := b.Dy() * w / max(b.Dx(), 1)
	dst := image.NewRGBA(image.Rect(0, 0, w, max(h, 1)))
	if b.Dx() < w {
		draw.NearestNeighbor.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	} else {
		draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	}
	return dst
}

// cpuTemp reads the SoC temperature: a Pi in a sealed outdoor box in
// July throttles, and the county should see it coming.
func cpuTemp() float64 {
	b, err := os.ReadFile("/sys/class/thermal/thermal_zone0/temp")
	if err != nil {
		return 0
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return float64(v) / 1000
}
