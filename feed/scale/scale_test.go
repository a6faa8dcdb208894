package scale

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sunboard/sunboard/feed"
	"github.com/sunboard/sunboard/feed/doorbell"
	"github.com/sunboard/sunboard/feed/doorbell/mqtttest"
	"github.com/sunboard/sunboard/feed/publish"
)

const village = "370783-101-001"

// Compressed time: a 30 s poll interval becomes window, so 1,000 agents make
// ~1,000 polls per window, 10× the real rate.
const (
	pollers    = 900 // lightweight: GET timestamp.json with If-None-Match only
	fullAgents = 100 // real feed.Open + feed.Sync, each with its own state dir and client
	window     = 3 * time.Second
	rounds     = 3 // quiet rounds before the publish
)

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 3))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// countingRT counts response body bytes an agent received.
type countingRT struct {
	rt http.RoundTripper
	n  *atomic.Int64
}

func (c countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(r)
	if err == nil {
		resp.Body = countingBody{resp.Body, c.n}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCounty1000Agents: 900 pollers + 100 full agents against one
// county server on loopback, all in this process (so CPU time is server and
// clients together). Reports requests/s, p99 of the 304 answers as the
// pollers saw them, CPU per 1,000 polls, seconds from a 5-item publish until
// all 1,000 hold it (full agents: the new version is Current; pollers: they
// got the new timestamp.json), and the bytes of that incremental update as a
// fraction of a full sync (50 photos of 20 kB; the update changes one photo
// and adds four notices).
//
// Then, in the same run and on the same server and boards, the MQTT doorbell
// (see doorbellPhase; skipped with a log line when mosquitto is not
// installed): s-publish-to-all-1000-doorbell for a second 5-item update, and
// polling/doorbell, the ratio of the two publish-to-all times. The polling
// time is with the 30 s interval compressed to 3 s: with real 30 s polling it
// is about ten times longer, the doorbell time is not.
func BenchmarkCounty1000Agents(b *testing.B) {
	for b.Loop() {
		runCounty(b)
	}
}

func runCounty(b *testing.B) {
	dir := b.TempDir()
	if _, err := publish.Init(filepath.Join(dir, "county"), publish.InitOpts{}); err != nil {
		b.Fatal(err)
	}
	repo, err := publish.Open(filepath.Join(dir, "county"))
	if err != nil {
		b.Fatal(err)
	}
	files := map[string][]byte{"village.toml": []byte("name = \"东村\"\n"), "notice.md": []byte("# 通知\n")}
	for i := range 50 {
		files[fmt.Sprintf("photos/p%02d.jpg", i)] = randomBytes(uint64(i), 20_000)
	}
	if err := repo.PublishVillage(village, files); err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var served atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		repo.Handler().ServeHTTP(w, r)
	}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String() + "/"

	// Agent state on tmpfs when there is one: 100 agents × 52 objects of
	// fsync on this machine's disk would measure the disk, not the county
	// server. The SD card's cost is not part of this benchmark.
	stateDir := dir
	if d, err := os.MkdirTemp("/dev/shm", "sunboard-scale-"); err == nil {
		stateDir = d
		defer os.RemoveAll(d)
	}
	// Full agents, first sync (not timed as part of the polling).
	agents := make([]*feed.Feed, fullAgents)
	agentBytes := make([]atomic.Int64, fullAgents)
	for i := range agents {
		tr := &http.Transport{MaxIdleConnsPerHost: 2, IdleConnTimeout: 90 * time.Second}
		f, err := feed.Open(feed.Opts{URL: base, Root: repo.RootPath(), State: filepath.Join(stateDir, fmt.Sprint("agent", i)),
			Village: village, Client: &http.Client{Transport: countingRT{tr, &agentBytes[i]}}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Sync(context.Background()); err != nil {
			b.Fatal(err)
		}
		agents[i] = f
	}
	fullBytes := agentBytes[0].Load()

	pollTr := &http.Transport{MaxIdleConnsPerHost: pollers, MaxIdleConns: pollers, IdleConnTimeout: time.Minute}
	defer pollTr.CloseIdleConnections()
	pollClient := &http.Client{Transport: pollTr}
	etags := make([]string, pollers)
	poll := func(i int) (status int, took time.Duration, err error) {
		req, _ := http.NewRequest(http.MethodGet, base+"metadata/timestamp.json", nil)
		if etags[i] != "" {
			req.Header.Set("If-None-Match", etags[i])
		}
		t0 := time.Now()
		resp, err := pollClient.Do(req)
		if err != nil {
			return 0, 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			etags[i] = resp.Header.Get("ETag")
		}
		return resp.StatusCode, time.Since(t0), nil
	}
	// Each poller's first poll fetches timestamp.json whole.
	for i := range pollers {
		if _, _, err := poll(i); err != nil {
			b.Fatal(err)
		}
	}

	var mu sync.Mutex
	var lat304 []time.Duration
	var pollErrs atomic.Int64
	var published atomic.Pointer[time.Time]
	pollerHas := make([]atomic.Int64, pollers) // ns since publish when the new ETag arrived
	agentHas := make([]atomic.Int64, fullAgents)
	oneRound := func() {
		var wg sync.WaitGroup
		for i := range pollers {
			wg.Go(func() {
				time.Sleep(time.Duration(rand.Int64N(int64(window))))
				st, took, err := poll(i)
				if err != nil {
					pollErrs.Add(1)
					return
				}
				if st == http.StatusNotModified {
					mu.Lock()
					lat304 = append(lat304, took)
					mu.Unlock()
				} else if p := published.Load(); p != nil && pollerHas[i].Load() == 0 {
					pollerHas[i].Store(int64(time.Since(*p)))
				}
			})
		}
		for i, f := range agents {
			wg.Go(func() {
				time.Sleep(time.Duration(rand.Int64N(int64(window))))
				changed, err := f.Sync(context.Background())
				if err != nil {
					pollErrs.Add(1)
					return
				}
				if p := published.Load(); changed && p != nil && agentHas[i].Load() == 0 {
					agentHas[i].Store(int64(time.Since(*p)))
				}
			})
		}
		wg.Wait()
	}

	served.Store(0)
	cpu0, t0 := cpuTime(), time.Now()
	for range rounds {
		oneRound()
	}
	elapsed, cpu := time.Since(t0), cpuTime()-cpu0
	reqs := served.Load()
	slices.Sort(lat304)
	p99 := lat304[len(lat304)*99/100]

	// The 5-item update: one photo changed, four notices added.
	before := agentBytes[0].Load()
	files["photos/p07.jpg"] = randomBytes(1007, 20_000)
	for i := range 4 {
		files[fmt.Sprintf("notice-%d.md", i)] = []byte(fmt.Sprintf("# 通知 %d\n村务公开\n", i))
	}
	if err := repo.PublishVillage(village, files); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	published.Store(&now)
	var all time.Duration
	for round := 0; ; round++ {
		oneRound()
		missing := 0
		for i := range pollerHas {
			if v := pollerHas[i].Load(); v == 0 {
				missing++
			} else {
				all = max(all, time.Duration(v))
			}
		}
		for i := range agentHas {
			if v := agentHas[i].Load(); v == 0 {
				missing++
			} else {
				all = max(all, time.Duration(v))
			}
		}
		if missing == 0 {
			break
		}
		if round == 3 {
			b.Fatalf("%d agents still without the update after %d rounds", missing, round+1)
		}
	}
	incr := agentBytes[0].Load() - before
	if n := pollErrs.Load(); n > 0 {
		b.Errorf("%d polls failed", n)
	}
	dbAll, dbOK := doorbellPhase(b, repo, files, agents, poll)
	b.ReportMetric(float64(reqs)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-304-ms")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(reqs)*1000, "cpu-ms/1000polls")
	b.ReportMetric(all.Seconds(), "s-publish-to-all-1000")
	b.ReportMetric(float64(incr)/float64(fullBytes), "incr/full-bytes")
	b.Logf("%d requests in %v (%d rounds of %v), %d 304s, p99 %v, CPU %v; full sync %d B, update %d B; all 1,000 held the update %v after publish",
		reqs, elapsed.Round(time.Millisecond), rounds, window, len(lat304), p99, cpu, fullBytes, incr, all.Round(time.Millisecond))
	if dbOK {
		b.ReportMetric(dbAll.Seconds(), "s-publish-to-all-1000-doorbell")
		b.ReportMetric(all.Seconds()/dbAll.Seconds(), "polling/doorbell")
		b.Logf("publish to all 1,000: polling (%v window) %v, MQTT doorbell %v: %.1f× faster",
			window, all.Round(time.Millisecond), dbAll.Round(time.Millisecond), all.Seconds()/dbAll.Seconds())
	}
}

// haveMosquitto reports whether mqtttest can start a broker, so that the
// polling figures are still reported on a machine without one.
func haveMosquitto() bool {
	if _, err := exec.LookPath("mosquitto"); err == nil {
		return true
	}
	for _, p := range []string{"/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// doorbellPhase is the same 1,000 boards switched to the MQTT doorbell: a
// real mosquitto on 127.0.0.1, every board (the 100 real agents and the 900
// light pollers alike) subscribed through doorbell.Listen with its own
// client ID, and polling only every 10 min ± jitter (so, within this run,
// never). A second 5-item update is published and its village rung with
// doorbell.Ring, as sunpub would; the time runs from the publish until every
// board holds it (agents: new Current; pollers: a 200 for timestamp.json).
func doorbellPhase(b *testing.B, repo *publish.Repo, files map[string][]byte, agents []*feed.Feed,
	poll func(int) (int, time.Duration, error)) (all time.Duration, ok bool) {
	if !haveMosquitto() {
		b.Log("mosquitto not installed (apt-get install mosquitto): doorbell phase skipped")
		return 0, false
	}
	broker := mqtttest.Start(b)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	const slowPoll = 10 * time.Minute
	boards := pollers + fullAgents
	var published atomic.Pointer[time.Time]
	var rung, errs atomic.Int64
	has := make([]atomic.Int64, boards) // ns since publish when board i held the update
	// Reconnect fast: 1,000 clients connecting at once may see refusals, and
	// the default (1 s … 5 min) would measure the backoff.
	backoff := func(attempt int) time.Duration {
		if attempt == 0 {
			return 0
		}
		return time.Duration(rand.Int64N(int64(200 * time.Millisecond)))
	}
	for i := range boards {
		rings, err := doorbell.Listen(ctx, doorbell.Opts{Broker: broker.URL(), Village: village,
			ClientID: fmt.Sprint("board-", i), Backoff: backoff})
		if err != nil {
			b.Fatal(err)
		}
		check := func() {
			if i < fullAgents {
				changed, err := agents[i].Sync(ctx)
				if err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
					}
					return
				}
				if p := published.Load(); changed && p != nil && has[i].Load() == 0 {
					has[i].Store(int64(time.Since(*p)))
				}
				return
			}
			st, _, err := poll(i - fullAgents)
			if err != nil {
				if ctx.Err() == nil {
					errs.Add(1)
				}
				return
			}
			if p := published.Load(); st == http.StatusOK && p != nil && has[i].Load() == 0 {
				has[i].Store(int64(time.Since(*p)))
			}
		}
		wg.Go(func() {
			timer := time.NewTimer(slowPoll/2 + time.Duration(rand.Int64N(int64(slowPoll))))
			defer timer.Stop()
			for {
				select {
				case _, open := <-rings:
					if !open {
						return
					}
					check()
					rung.Add(1)
				case <-timer.C:
					check()
					timer.Reset(slowPoll/2 + time.Duration(rand.Int64N(int64(slowPoll))))
				case <-ctx.Done():
					return
				}
			}
		})
	}
	// Warm-up ring: retained, so each board gets it once subscribed; when all
	// 1,000 handled it, all are subscribed.
	ringCtx, ringCancel := context.WithTimeout(ctx, 10*time.Second)
	defer ringCancel()
	t0 := time.Now()
	if err := doorbell.Ring(ringCtx, broker.URL(), []string{village}, "warm-up"); err != nil {
		b.Fatal(err)
	}
	for rung.Load() < int64(boards) {
		if time.Since(t0) > 20*time.Second {
			b.Fatalf("only %d of %d boards subscribed after %v", rung.Load(), boards, time.Since(t0))
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.Logf("doorbell: %d boards subscribed and rung once in %v", boards, time.Since(t0).Round(time.Millisecond))

	// The second 5-item update: another photo changed, the four notices changed.
	files["photos/p11.jpg"] = randomBytes(1011, 20_000)
	for i := range 4 {
		files[fmt.Sprintf("notice-%d.md", i)] = []byte(fmt.Sprintf("# 紧急通知 %d\n防汛\n", i))
	}
	if err := repo.PublishVillage(village, files); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	published.Store(&now)
	if err := doorbell.Ring(ringCtx, broker.URL(), []string{village}, "update-2"); err != nil {
		b.Fatal(err)
	}
	ringAcked := time.Since(now)
	for {
		missing := 0
		all = 0
		for i := range has {
			if v := has[i].Load(); v == 0 {
				missing++
			} else {
				all = max(all, time.Duration(v))
			}
		}
		if missing == 0 {
			break
		}
		if time.Since(now) > 30*time.Second {
			b.Fatalf("doorbell: %d boards still without the update after %v", missing, time.Since(now))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := errs.Load(); n > 0 {
		b.Errorf("doorbell phase: %d syncs or polls failed", n)
	}
	var agentMax, pollerMax time.Duration
	for i := range has {
		if d := time.Duration(has[i].Load()); i < fullAgents {
			agentMax = max(agentMax, d)
		} else {
			pollerMax = max(pollerMax, d)
		}
	}
	b.Logf("doorbell: ring acknowledged by the broker %v after publish; all 900 pollers had the new timestamp at %v, all 100 agents the new version at %v",
		ringAcked.Round(time.Millisecond), pollerMax.Round(time.Millisecond), agentMax.Round(time.Millisecond))
	return all, true
}
