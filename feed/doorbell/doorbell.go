// Package doorbell is the optional MQTT "doorbell" that brings an urgent
// notice on screen within seconds without polling storms.
//
// The doorbell carries no content and no trust: a ring only makes the agent
// run its normal TUF sync over HTTP at once instead of at the next poll. A
// forged ring costs one timestamp.json request (ETag/304); a lost ring costs
// one poll interval.
//
// # Topic scheme
//
// All topics live under a prefix (default "sunboard"; one prefix per county
// when counties share a broker):
//
//	<prefix>/county                  county-wide items (policies, urgent notices)
//	<prefix>/township/<townshipID>   items for every village of a township
//	<prefix>/village/<villageID>     items for one village
//
// IDs are the ones of the TUF target path scheme and must not contain '/',
// '+', '#' or NUL. sunpub publishes a RETAINED message (QoS 1) on each topic
// concerned by an update; its payload should identify the update (e.g. the
// snapshot version or a time stamp) so that a replay of the same retained
// message is recognised. An agent subscribes (QoS 1) to the county topic,
// its township topic (if configured) and its village topic, so a board that
// was offline gets the last ring as soon as it connects.
//
// # Rings
//
// Each new message rings; rings are coalesced (a burst of messages while the
// agent is busy gives one pending ring). A retained message replayed by the
// broker on (re)subscription rings only if its payload differs from the last
// one seen on that topic by this process, so a reconnect does not trigger a
// sync for a ring already handled, while a late subscriber (a board that
// just booted) gets exactly one ring. Empty payloads (a cleared retained
// message) never ring.
//
// Connection, reconnection and backoff are autopaho's
// (github.com/eclipse/paho.golang/autopaho); the default backoff is
// exponential with full jitter between 1 s and 5 min so that a broker
// restart does not bring 1,000 boards back in the same second.
package doorbell

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"
)

// DefaultPrefix is the topic prefix used when Opts.Prefix is empty.
const DefaultPrefix = "sunboard"

// Opts configures a doorbell listener or publisher.
type Opts struct {
	// Broker is the broker URL: mqtt://host:1883, tls://host:8883, ws://...
	Broker string
	// Village and Township are the IDs whose topics the listener subscribes
	// to. Village is required by Listen; Township is optional.
	Village  string
	Township string
	// Prefix of all topics; empty means DefaultPrefix.
	Prefix string
	// ClientID must be unique per board on a broker (e.g. "board-<village>").
	// Empty means one derived from the village ID.
	ClientID string
	// Username and Password, optional.
	Username string
	Password string
	// Backoff is the delay before connection attempt n (n ≥ 1; attempt 0
	// should return 0). Nil means exponential with jitter, 1 s to 5 min.
	Backoff func(attempt int) time.Duration
	// KeepAlive in seconds; 0 means 60.
	KeepAlive uint16
	// OnError, if set, is told about connection and subscription failures
	// (for logs). It must not block.
	OnError func(error)
}

// CountyTopic returns the county-wide topic under prefix ("" = default).
func CountyTopic(prefix string) string { return pfx(prefix) + "/county" }

// TownshipTopic returns the topic of a township under prefix ("" = default).
func TownshipTopic(prefix, id string) string { return pfx(prefix) + "/township/" + id }

// VillageTopic returns the topic of a village under prefix ("" = default).
func VillageTopic(prefix, id string) string { return pfx(prefix) + "/village/" + id }

func pfx(p string) string {
	if p == "" {
		return DefaultPrefix
	}
	return p
}

func checkID(kind, id string) error {
	if id == "" {
		return fmt.Errorf("doorbell: empty %s id", kind)
	}
	if strings.ContainsAny(id, "/+#\x00") {
		return fmt.Errorf("doorbell: %s id %q contains one of / + # NUL", kind, id)
	}
	return nil
}

func (o *Opts) config(clientID string) (autopaho.ClientConfig, error) {
	if o.Broker == "" {
		return autopaho.ClientConfig{}, errors.New("doorbell: no broker URL")
	}
	u, err := url.Parse(o.Broker)
	if err != nil {
		return autopaho.ClientConfig{}, fmt.Errorf("doorbell: broker URL: %w", err)
	}
	if u.Host == "" {
		return autopaho.ClientConfig{}, fmt.Errorf("doorbell: broker URL %q has no host", o.Broker)
	}
	if o.Prefix != "" && (strings.ContainsAny(o.Prefix, "+#\x00") || strings.HasSuffix(o.Prefix, "/")) {
		return autopaho.ClientConfig{}, fmt.Errorf("doorbell: bad topic prefix %q", o.Prefix)
	}
	backoff := o.Backoff
	if backoff == nil {
		backoff = autopaho.NewExponentialBackoff(time.Second, 5*time.Minute, 5*time.Second, 2)
	}
	ka := o.KeepAlive
	if ka == 0 {
		ka = 60
	}
	cfg := autopaho.ClientConfig{
		ServerUrls:                    []*url.URL{u},
		KeepAlive:                     ka,
		CleanStartOnInitialConnection: true,
		SessionExpiryInterval:         0,
		ReconnectBackoff:              backoff,
		ConnectTimeout:                10 * time.Second,
		ClientConfig:                  paho.ClientConfig{ClientID: clientID},
	}
	if o.Username != "" {
		cfg.ConnectUsername = o.Username
		cfg.ConnectPassword = []byte(o.Password)
	}
	if o.OnError != nil {
		onErr := o.OnError
		cfg.OnConnectError = func(err error) { onErr(fmt.Errorf("doorbell: connect: %w", err)) }
		cfg.OnClientError = func(err error) { onErr(fmt.Errorf("doorbell: client: %w", err)) }
	}
	return cfg, nil
}

// Listen connects to the broker in the background and returns a channel
// that receives a value for each ring (buffered, size 1: rings that arrive
// while one is pending are coalesced into it). The channel is closed once
// ctx is cancelled and the connection has been shut down.
//
// Listen does not wait for the broker: a board without the broker keeps
// polling, and autopaho keeps retrying with backoff. Listen fails only on
// bad options.
func Listen(ctx context.Context, opts Opts) (<-chan struct{}, error) {
	if err := checkID("village", opts.Village); err != nil {
		return nil, err
	}
	topics := []string{CountyTopic(opts.Prefix), VillageTopic(opts.Prefix, opts.Village)}
	if opts.Township != "" {
		if err := checkID("township", opts.Township); err != nil {
			return nil, err
		}
		topics = append(topics, TownshipTopic(opts.Prefix, opts.Township))
	}
	id := opts.ClientID
	if id == "" {
		id = "sunboard-" + opts.Village
	}
	cfg, err := opts.config(id)
	if err != nil {
		return nil, err
	}

	rings := make(chan struct{}, 1)
	ring := func() {
		select {
		case rings <- struct{}{}:
		default: // one is pending already: coalesce
		}
	}
	want := make(map[string]bool, len(topics))
	for _, t := range topics {
		want[t] = true
	}
	var mu sync.Mutex
	last := make(map[string][sha256.Size]byte) // topic → hash of the last payload seen
	cfg.OnPublishReceived = []func(paho.PublishReceived) (bool, error){
		func(pr paho.PublishReceived) (bool, error) {
			p := pr.Packet
			if !want[p.Topic] || len(p.Payload) == 0 {
				return true, nil
			}
			h := sha256.Sum256(p.Payload)
			mu.Lock()
			prev, seen := last[p.Topic]
			last[p.Topic] = h
			mu.Unlock()
			if p.Retain && seen && prev == h {
				return true, nil // replay of a ring already handled
			}
			ring()
			return true, nil
		},
	}
	subs := make([]paho.SubscribeOptions, len(topics))
	for i, t := range topics {
		subs[i] = paho.SubscribeOptions{Topic: t, QoS: 1}
	}
	cfg.OnConnectionUp = func(cm *autopaho.ConnectionManager, _ *paho.Connack) {
		go func() { // must not block
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if _, err := cm.Subscribe(sctx, &paho.Subscribe{Subscriptions: subs}); err != nil && opts.OnError != nil && ctx.Err() == nil {
				opts.OnError(fmt.Errorf("doorbell: subscribe: %w", err))
			}
		}()
	}
	cm, err := autopaho.NewConnection(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("doorbell: %w", err)
	}
	go func() {
		<-cm.Done()
		close(rings)
	}()
	return rings, nil
}

// Run listens like Listen and calls ring (from one goroutine, never
// concurrently) for each ring until ctx is cancelled. It returns ctx's
// error, or an error from bad options at once.
func Run(ctx context.Context, opts Opts, ring func()) error {
	ch, err := Listen(ctx, opts)
	if err != nil {
		return err
	}
	for range ch {
		ring()
	}
	return ctx.Err()
}

// Ring publishes a retained ring with payload on the topics of villageIDs,
// on a broker reached anonymously. See RingTopics.
func Ring(ctx context.Context, brokerURL string, villageIDs []string, payload string) error {
	topics := make([]string, len(villageIDs))
	for i, id := range villageIDs {
		if err := checkID("village", id); err != nil {
			return err
		}
		topics[i] = VillageTopic("", id)
	}
	return RingTopics(ctx, Opts{Broker: brokerURL}, topics, payload)
}

// RingTopics publishes payload as a retained QoS 1 message on each topic
// (see CountyTopic, TownshipTopic, VillageTopic) and returns once the broker
// has acknowledged all of them, or with the first error. It connects with
// opts (Broker, ClientID, Username, Password; Village is ignored) and
// disconnects at the end. An empty payload would clear the retained
// message, so it is replaced by the current time (RFC 3339, UTC). Bound the
// time with ctx: Ring waits for the broker until ctx is done.
func RingTopics(ctx context.Context, opts Opts, topics []string, payload string) error {
	if len(topics) == 0 {
		return nil
	}
	if payload == "" {
		payload = time.Now().UTC().Format(time.RFC3339Nano)
	}
	for _, t := range topics {
		if t == "" || strings.ContainsAny(t, "+#\x00") {
			return fmt.Errorf("doorbell: bad topic %q", t)
		}
	}
	id := opts.ClientID
	if id == "" {
		id = fmt.Sprintf("sunpub-%d", time.Now().UnixNano())
	}
	opts.OnError = nil
	cfg, err := opts.config(id)
	if err != nil {
		return err
	}
	if opts.Backoff == nil {
		cfg.ReconnectBackoff = autopaho.NewExponentialBackoff(100*time.Millisecond, 5*time.Second, 500*time.Millisecond, 2)
	}
	var connErr error
	var connMu sync.Mutex
	cfg.OnConnectError = func(err error) { connMu.Lock(); connErr = err; connMu.Unlock() }
	cctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cm, err := autopaho.NewConnection(cctx, cfg)
	if err != nil {
		return fmt.Errorf("doorbell: %w", err)
	}
	defer func() {
		dctx, dcancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer dcancel()
		_ = cm.Disconnect(dctx)
	}()
	if err := cm.AwaitConnection(ctx); err != nil {
		connMu.Lock()
		defer connMu.Unlock()
		if connErr != nil {
			return fmt.Errorf("doorbell: connect %s: %w", opts.Broker, connErr)
		}
		return fmt.Errorf("doorbell: connect %s: %w", opts.Broker, err)
	}

	const inFlight = 16
	sem := make(chan struct{}, inFlight)
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	pctx, pcancel := context.WithCancel(ctx)
	defer pcancel()
	for _, t := range topics {
		select {
		case sem <- struct{}{}:
		case <-pctx.Done():
		}
		if pctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(topic string) {
			defer wg.Done()
			defer func() { <-sem }()
			_, err := cm.Publish(pctx, &paho.Publish{Topic: topic, QoS: 1, Retain: true, Payload: []byte(payload)})
			if err != nil {
				once.Do(func() { firstErr = fmt.Errorf("doorbell: publish %s: %w", topic, err); pcancel() })
			}
		}(t)
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}
