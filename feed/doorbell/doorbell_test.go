package doorbell

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/autopaho"

	"github.com/sunboard/sunboard/feed/doorbell/mqtttest"
)

func fastBackoff() func(int) time.Duration {
	return autopaho.NewExponentialBackoff(50*time.Millisecond, 400*time.Millisecond, 100*time.Millisecond, 2)
}

// waitRing waits up to d for a ring and returns how long it took.
func waitRing(t *testing.T, ch <-chan struct{}, d time.Duration, what string) time.Duration {
	t.Helper()
	start := time.Now()
	select {
	case _, ok := <-ch:
		if !ok {
			t.Fatalf("%s: ring channel closed", what)
		}
		return time.Since(start)
	case <-time.After(d):
		t.Fatalf("%s: no ring within %v", what, d)
	}
	return 0
}

func noRing(t *testing.T, ch <-chan struct{}, d time.Duration, what string) {
	t.Helper()
	select {
	case <-ch:
		t.Fatalf("%s: unexpected ring", what)
	case <-time.After(d):
	}
}

func ring(t *testing.T, b *mqtttest.Broker, villages []string, payload string) time.Time {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	at := time.Now()
	if err := Ring(ctx, b.URL(), villages, payload); err != nil {
		t.Fatalf("Ring(%v, %q): %v", villages, payload, err)
	}
	return at
}

func TestDoorbellMosquitto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a broker")
	}
	testStart := time.Now()
	b := mqtttest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// A ring published before the board comes up is retained ...
	ring(t, b, []string{"v1", "v7"}, "snapshot-41")

	var errs atomic.Int32
	ch, err := Listen(ctx, Opts{
		Broker: b.URL(), Village: "v1", Township: "t1", ClientID: "board-v1",
		Backoff: fastBackoff(), KeepAlive: 5,
		OnError: func(error) { errs.Add(1) },
	})
	if err != nil {
		t.Fatal(err)
	}
	// ... and rings the late subscriber exactly once.
	waitRing(t, ch, 3*time.Second, "retained ring for late subscriber")
	noRing(t, ch, 300*time.Millisecond, "retained ring replayed")

	// A new ring arrives within 1 s of its publication.
	at := ring(t, b, []string{"v1"}, "snapshot-42")
	waitRing(t, ch, time.Second, "live ring")
	lat := time.Since(at)
	if lat > time.Second {
		t.Fatalf("ring took %v from publish", lat)
	}
	t.Logf("publish → ring: %v", lat)

	// Another village's ring does not ring this board.
	ring(t, b, []string{"v2", "v3"}, "snapshot-43")
	noRing(t, ch, 400*time.Millisecond, "other village")

	// County and township topics ring every board of theirs.
	ctx5, cancel5 := context.WithTimeout(ctx, 5*time.Second)
	defer cancel5()
	if err := RingTopics(ctx5, Opts{Broker: b.URL()}, []string{CountyTopic("")}, "county-1"); err != nil {
		t.Fatal(err)
	}
	waitRing(t, ch, time.Second, "county ring")
	if err := RingTopics(ctx5, Opts{Broker: b.URL()}, []string{TownshipTopic("", "t1")}, "t1-1"); err != nil {
		t.Fatal(err)
	}
	waitRing(t, ch, time.Second, "township ring")
	if err := RingTopics(ctx5, Opts{Broker: b.URL()}, []string{TownshipTopic("", "t2")}, "t2-1"); err != nil {
		t.Fatal(err)
	}
	noRing(t, ch, 300*time.Millisecond, "other township")

	// A burst of rings while the board is busy coalesces into one.
	burst := make([]string, 50)
	for i := range burst {
		burst[i] = "v1"
	}
	ring(t, b, burst, "burst")
	time.Sleep(300 * time.Millisecond)
	waitRing(t, ch, time.Second, "burst")
	noRing(t, ch, 200*time.Millisecond, "burst coalesced")

	// Broker restart (no persistence: retained rings are gone): the board
	// reconnects with backoff and the next ring still arrives.
	b.Stop()
	time.Sleep(200 * time.Millisecond)
	b.Restart()
	restarted := time.Now()
	ring(t, b, []string{"v1"}, "snapshot-44")
	waitRing(t, ch, 5*time.Second, "ring after broker restart")
	t.Logf("broker restart → ring: %v", time.Since(restarted))
	noRing(t, ch, 300*time.Millisecond, "ring after restart replayed")
	// And live rings after the reconnection are prompt again.
	at = ring(t, b, []string{"v1"}, "snapshot-45")
	waitRing(t, ch, time.Second, "live ring after reconnect")
	if lat := time.Since(at); lat > time.Second {
		t.Fatalf("ring after reconnect took %v", lat)
	}
	if errs.Load() == 0 {
		t.Error("OnError was not told about the broker restart")
	}

	// Cancelling the context shuts the listener down and closes the channel.
	cancel()
	select {
	case _, ok := <-ch:
		for ok {
			_, ok = <-ch
		}
	case <-time.After(3 * time.Second):
		t.Fatal("ring channel not closed after cancel")
	}
	if d := time.Since(testStart); d > 15*time.Second {
		t.Errorf("test took %v, budget 15 s", d)
	}
}

func TestRunMosquitto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a broker")
	}
	b := mqtttest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ring(t, b, []string{"v9"}, "x")
	rang := make(chan struct{}, 10)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Opts{Broker: b.URL(), Village: "v9", Backoff: fastBackoff()}, func() { rang <- struct{}{} })
	}()
	waitRing(t, rang, 3*time.Second, "Run ring")
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// TestRingManyVillages: sunpub rings a county's 1,000 villages in one call;
// a board subscribed to one of them rings once.
func TestRingManyVillages(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a broker")
	}
	b := mqtttest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ch, err := Listen(ctx, Opts{Broker: b.URL(), Village: "v0777", Backoff: fastBackoff()})
	if err != nil {
		t.Fatal(err)
	}
	// Wait for the subscription: a retained ring is delivered on subscribe.
	ring(t, b, []string{"v0777"}, "warm-up")
	waitRing(t, ch, 3*time.Second, "warm-up")
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("v%04d", i)
	}
	start := time.Now()
	ring(t, b, ids, "snapshot-100")
	d := time.Since(start)
	t.Logf("Ring of %d villages (connect, %d retained QoS 1 publishes, disconnect): %v", len(ids), len(ids), d)
	if d > 5*time.Second {
		t.Errorf("Ring of 1,000 villages took %v", d)
	}
	waitRing(t, ch, time.Second, "ring among 1,000")
	noRing(t, ch, 200*time.Millisecond, "single ring")
	if err := Ring(ctx, b.URL(), nil, "x"); err != nil {
		t.Fatalf("Ring with no villages: %v", err)
	}
}

func TestRingBrokerDown(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	url := fmt.Sprintf("mqtt://127.0.0.1:%d", mqtttest.FreePort(t))
	err := Ring(ctx, url, []string{"v1"}, "x")
	if err == nil || !strings.Contains(err.Error(), "connect") {
		t.Fatalf("Ring to a closed port: %v", err)
	}
}

func TestOptsValidation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bad := []Opts{
		{Broker: "mqtt://127.0.0.1:1", Village: ""},
		{Broker: "mqtt://127.0.0.1:1", Village: "a/b"},
		{Broker: "mqtt://127.0.0.1:1", Village: "v+"},
		{Broker: "mqtt://127.0.0.1:1", Village: "v", Township: "#"},
		{Broker: "", Village: "v"},
		{Broker: "::bad", Village: "v"},
		{Broker: "mqtt://127.0.0.1:1", Village: "v", Prefix: "a/#"},
		{Broker: "mqtt://127.0.0.1:1", Village: "v", Prefix: "a/"},
	}
	for _, o := range bad {
		if _, err := Listen(ctx, o); err == nil {
			t.Errorf("Listen(%+v) succeeded", o)
		}
	}
	if err := Ring(ctx, "mqtt://127.0.0.1:1", []string{"a/b"}, "x"); err == nil {
		t.Error("Ring with a bad village id succeeded")
	}
	if err := RingTopics(ctx, Opts{Broker: "mqtt://127.0.0.1:1"}, []string{"sunboard/#"}, "x"); err == nil {
		t.Error("RingTopics with a wildcard topic succeeded")
	}
	if got := VillageTopic("", "v1"); got != "sunboard/village/v1" {
		t.Errorf("VillageTopic = %q", got)
	}
	if got := TownshipTopic("county-9", "t1"); got != "county-9/township/t1" {
		t.Errorf("TownshipTopic = %q", got)
	}
	if got := CountyTopic(""); got != "sunboard/county" {
		t.Errorf("CountyTopic = %q", got)
	}
}
