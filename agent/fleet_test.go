package agent_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/sunboard/sunboard/fleet"
	"github.com/sunboard/sunboard/player/proof"
)

// TestFleetReporting: a running agent's signed heartbeat and screenshots
// reach the county's fleet server, which shows the board as 正常.
func TestFleetReporting(t *testing.T) {
	srv, err := fleet.NewServer(filepath.Join(t.TempDir(), "fleet.db"), fleet.Opts{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	c := newCounty(t)
	c.publish(t, sampleFiles(t))
	a, cfg := newAgent(t, c, fmt.Sprintf("fleet = %q\n", hs.URL))
	// Provisioning: the device key exists before the first run and the
	// county registers its public half.
	key, err := proof.GenerateKey(filepath.Join(cfg.State, "device.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Register(cfg.Village, key.Public().(ed25519.PublicKey)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, agentRunOpts(time.Until(renderAt))) }()
	defer func() { cancel(); <-done }()

	var st fleet.VillageStatus
	waitFor(t, 20*time.Second, "heartbeat and both screenshots", func() bool {
		all, err := srv.Fleet()
		if err != nil || len(all) != 1 {
			return false
		}
		st = all[0]
		return st.Heartbeat != nil && len(st.Shots) == 2
	})
	if st.Heartbeat.Village != cfg.Village || len(st.Heartbeat.Displays) != 2 {
		t.Errorf("heartbeat = %+v", st.Heartbeat)
	}
	if st.State != fleet.StateOK && st.Heartbeat.SyncOK {
		t.Errorf("state = %s (%s), want ok", st.State, st.Why)
	}
}
