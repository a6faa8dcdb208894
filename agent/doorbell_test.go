package agent_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sunboard/sunboard/feed/doorbell"
	"github.com/sunboard/sunboard/feed/doorbell/mqtttest"
)

// TestDoorbellBringsUrgentNotice: the board polls only hourly, yet a new
// urgent notice is on its displays within seconds of the county ringing.
func TestDoorbellBringsUrgentNotice(t *testing.T) {
	broker := mqtttest.Start(t)
	files := sampleFiles(t)
	c := newCounty(t)
	c.publish(t, files)
	a, _ := newAgent(t, c, fmt.Sprintf("doorbell = %q\npoll = \"1h\"\n", broker.URL()))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	offset := time.Until(renderAt)
	go func() {
		done <- a.Run(ctx, agentRunOpts(offset))
	}()
	defer func() { cancel(); <-done }()
	waitFor(t, 20*time.Second, "first sync", func() bool { _, ok := a.Content(); return ok })
	v1, _ := a.Content()

	files["2026-11-flood.md"] = bytes.ReplaceAll(files["2026-11-cold-wave.md"], []byte("寒潮大风天气请做好防范"), []byte("弥河水位上涨，沿河低洼处群众立即转移"))
	c.publish(t, files)
	start := time.Now()
	if err := doorbell.Ring(ctx, broker.URL(), []string{"370783-101-001"}, "v2"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "urgent notice", func() bool {
		now, _ := a.Content()
		return now.Version != v1.Version
	})
	t.Logf("urgent notice verified and loaded %v after the ring (poll interval 1h)", time.Since(start).Round(time.Millisecond))
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
