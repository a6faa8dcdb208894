package agent_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sunboard/sunboard/agent"
	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/content/sample"
	"github.com/sunboard/sunboard/county"
	"github.com/sunboard/sunboard/display/sim/simtest"
	"github.com/sunboard/sunboard/feed/publish"
	"github.com/sunboard/sunboard/player/proof"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/golden")

// renderAt is the moment the goldens show: every sample item is inside
// its 公示期.
var renderAt = time.Date(2026, 11, 22, 9, 30, 0, 0, content.ChinaTime)

// county is a throwaway county repository served by a real HTTP server.
type countyRepo struct {
	dir string
	srv *httptest.Server
}

func newCounty(t *testing.T) *countyRepo {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "county")
	if _, err := publish.Init(dir, publish.InitOpts{}); err != nil {
		t.Fatal(err)
	}
	repo, err := publish.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := &countyRepo{dir: dir, srv: httptest.NewServer(repo.Handler())}
	t.Cleanup(c.srv.Close)
	return c
}

// publish writes files as a content folder and publishes it with the same
// code path as `sunpub publish`.
func (c *countyRepo) publish(t *testing.T, files map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	for p, b := range files {
		fp := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fp, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := county.Publish(c.dir, []string{dir}, &out); err != nil {
		t.Fatalf("publish: %v", err)
	}
}

func sampleFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := sample.Files()
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func newAgent(t *testing.T, c *countyRepo, extra string) (*agent.Agent, *agent.Config) {
	t.Helper()
	if !strings.Contains(extra, "poll") {
		extra += "poll = \"1s\"\n"
	}
	cfg, err := agent.ParseConfig("test.toml", fmt.Appendf(nil, `
village = "370783-101-001"
feed    = %q
root    = %q
state   = %q
listen  = "127.0.0.1:0"
%s`+agent.SimDisplays, c.srv.URL+"/", filepath.Join(c.dir, "public", "metadata", "1.root.json"), t.TempDir(), extra))
	if err != nil {
		t.Fatal(err)
	}
	a, err := agent.Open(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a, cfg
}

// TestEndToEnd publishes the sample, syncs an agent over HTTP, renders
// both profiles and compares every page with its golden.
func TestEndToEnd(t *testing.T) {
	c := newCounty(t)
	c.publish(t, sampleFiles(t))
	a, _ := newAgent(t, c, "")
	if err := a.Sync(context.Background()); err != nil {
		t.Fatalf("sync: %v", err)
	}
	out := t.TempDir()
	if err := a.Render(out, renderAt); err != nil {
		t.Fatalf("render: %v", err)
	}
	got := listPNGs(t, out)
	wantOrder := []string{
		"square/001-2026-11-cold-wave.png",
		"square/002-2026-11-party-meeting.png",
		"square/003-2026-11-village-meeting.png",
		"square/004-2026-10-finance.png",
	}
	for i, w := range wantOrder {
		if i >= len(got["square"]) || "square/"+got["square"][i] != w {
			t.Fatalf("LED play order = %v, want it to start %v", got["square"], wantOrder)
		}
	}
	if len(got["tv"]) < 4 || !strings.HasPrefix(got["tv"][0], "001-2026-11-cold-wave") {
		t.Errorf("TV play order = %v", got["tv"])
	}
	golden := filepath.Join("testdata", "golden")
	if *update {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatal(err)
		}
	}
	for disp, names := range got {
		for _, n := range names {
			rel := filepath.Join(disp, n)
			gotImg := readPNG(t, filepath.Join(out, rel))
			if *update {
				copyFile(t, filepath.Join(out, rel), filepath.Join(golden, rel))
				continue
			}
			want := readPNG(t, filepath.Join(golden, rel))
			if d := diff(gotImg, want); d != "" {
				t.Errorf("%s differs from its golden (run go test ./agent -run TestEndToEnd -update, then look at the PNGs): %s", rel, d)
			}
		}
	}
	if !*update {
		for _, disp := range []string{"square", "tv"} {
			entries, _ := os.ReadDir(filepath.Join(golden, disp))
			if len(entries) != len(got[disp]) {
				t.Errorf("%s: %d pages rendered, %d goldens", disp, len(got[disp]), len(entries))
			}
		}
	}
	// The LED board is drawn with a pixel font: every pixel is one of a few
	// palette colours, never a blend. The notice has no photo.
	led := readPNG(t, filepath.Join(out, "square", "002-2026-11-party-meeting.png"))
	if n := colours(led); n > 12 {
		t.Errorf("LED notice uses %d colours: anti-aliased text on an LED board (want a palette of ≤ 12)", n)
	}
}

// TestRefusesBadUpdates: a flipped byte, an unknown signer and a rolled
// back timestamp are each refused, and the agent keeps its content.
func TestRefusesBadUpdates(t *testing.T) {
	files := sampleFiles(t)
	c := newCounty(t)
	c.publish(t, files)
	a, _ := newAgent(t, c, "")
	ctx := context.Background()
	if err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	v1, _ := a.Content()
	oldTimestamp := readFile(t, filepath.Join(c.dir, "public", "metadata", "timestamp.json"))

	// v2 changes the urgent notice.
	files2 := map[string][]byte{}
	for k, v := range files {
		files2[k] = v
	}
	files2["2026-11-cold-wave.md"] = bytes.Replace(files["2026-11-cold-wave.md"], []byte("零下8℃"), []byte("零下10℃"), 1)
	c.publish(t, files2)
	if err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	v2, _ := a.Content()
	if v2.Version == v1.Version {
		t.Fatal("second publish did not reach the agent")
	}

	// v3 on the server, then attack it three ways. Each attack starts from
	// a fresh copy of the good tree and the agent must stay on v2.
	files3 := map[string][]byte{}
	for k, v := range files2 {
		files3[k] = v
	}
	files3["2026-11-cold-wave.md"] = bytes.Replace(files2["2026-11-cold-wave.md"], []byte("零下10℃"), []byte("零下12℃"), 1)
	c.publish(t, files3)
	good := snapshotTree(t, filepath.Join(c.dir, "public"))

	other := newCounty(t)
	other.publish(t, files3)

	tests := []struct {
		name   string
		attack func(t *testing.T)
		want   string
	}{
		{"target with one byte flipped", func(t *testing.T) {
			p := findTarget(t, filepath.Join(c.dir, "public", "targets"), "cold-wave.md", files3["2026-11-cold-wave.md"])
			b := readFile(t, p)
			b[len(b)/2] ^= 0x01
			writeFile(t, p, b)
		}, "cold-wave"},
		{"timestamp signed by an unknown key", func(t *testing.T) {
			writeFile(t, filepath.Join(c.dir, "public", "metadata", "timestamp.json"),
				readFile(t, filepath.Join(other.dir, "public", "metadata", "timestamp.json")))
		}, "timestamp"},
		{"rolled-back timestamp", func(t *testing.T) {
			writeFile(t, filepath.Join(c.dir, "public", "metadata", "timestamp.json"), oldTimestamp)
		}, "rollback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			restoreTree(t, filepath.Join(c.dir, "public"), good)
			tt.attack(t)
			err := a.Sync(ctx)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("sync error = %v, want one mentioning %q", err, tt.want)
			}
			now, ok := a.Content()
			if !ok || now.Version != v2.Version {
				t.Fatalf("agent shows version %d (ok=%v), want it to keep %d", now.Version, ok, v2.Version)
			}
			notice := findItem(now.Village, "2026-11-cold-wave")
			if notice == nil || !strings.Contains(notice.Body[0].Text, "零下10℃") {
				t.Fatalf("agent content changed: %+v", notice)
			}
		})
	}
	// And with the good tree back, v3 arrives.
	restoreTree(t, filepath.Join(c.dir, "public"), good)
	if err := a.Sync(ctx); err != nil {
		t.Fatalf("sync after the attacks: %v", err)
	}
	if now, _ := a.Content(); now.Version == v2.Version {
		t.Fatal("v3 never arrived")
	}
}

// TestPreviewInChromium runs the agent and checks in a real browser that
// both displays are drawn, lit, and moving.
func TestPreviewInChromium(t *testing.T) {
	simtest.Skip(t)
	c := newCounty(t)
	c.publish(t, sampleFiles(t))
	a, _ := newAgent(t, c, "")
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	offset := time.Until(renderAt)
	go func() {
		opts := agentRunOpts(offset)
		opts.Ready = func(u string) { urls <- u }
		done <- a.Run(ctx, opts)
	}()
	defer func() {
		cancel()
		<-done
	}()
	var url string
	select {
	case url = <-urls:
	case <-time.After(20 * time.Second):
		t.Fatal("preview never listened")
	}
	// Wait for the first sync so the boards show content, not the idle page.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, ok := a.Content(); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("agent never synced")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The LED board holds each page still for 3 s before it scrolls: wait
	// until the board itself moves, then give the browser time to see it.
	waitMoving(t, url+"snapshot/square.png")
	simtest.Budget = 10 * time.Second
	stats := simtest.Check(t, url, "square", "tv")
	t.Logf("preview stats: %+v", stats)
}

func findItem(v *content.Village, id string) *content.Item {
	for _, it := range v.Items {
		if it.ID == id {
			return it
		}
	}
	return nil
}

// findTarget finds the served (consistent-snapshot) file holding data.
func findTarget(t *testing.T, root, nameHint string, data []byte) string {
	t.Helper()
	var found string
	_ = filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.Contains(p, nameHint) {
			if b, _ := os.ReadFile(p); bytes.Equal(b, data) {
				found = p
			}
		}
		return nil
	})
	if found == "" {
		t.Fatalf("no served target under %s holds the new %s", root, nameHint)
	}
	return found
}

func snapshotTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		m[p] = readFile(t, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func restoreTree(t *testing.T, root string, m map[string][]byte) {
	t.Helper()
	for p, b := range m {
		writeFile(t, p, b)
	}
}

func listPNGs(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, disp := range []string{"square", "tv"} {
		entries, err := os.ReadDir(filepath.Join(dir, disp))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			out[disp] = append(out[disp], e.Name())
		}
		sort.Strings(out[disp])
	}
	return out
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) { writeFile(t, to, readFile(t, from)) }

func readPNG(t *testing.T, p string) *image.RGBA {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	if rgba, ok := img.(*image.RGBA); ok {
		return rgba
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	return rgba
}

// diff tolerates nothing: rendering is deterministic, so any change is a
// change a person should look at.
func diff(got, want *image.RGBA) string {
	if got.Bounds() != want.Bounds() {
		return fmt.Sprintf("size %v, golden %v", got.Bounds().Size(), want.Bounds().Size())
	}
	n := 0
	for i := range got.Pix {
		if got.Pix[i] != want.Pix[i] {
			n++
		}
	}
	if n > 0 {
		return fmt.Sprintf("%d of %d bytes differ", n, len(got.Pix))
	}
	return ""
}

// colours counts distinct colours: a pixel font and solid fills use a
// handful of palette colours, anti-aliased text hundreds of blends.
func colours(img *image.RGBA) int {
	seen := map[[4]uint8]bool{}
	for i := 0; i < len(img.Pix); i += 4 {
		seen[[4]uint8(img.Pix[i:i+4])] = true
	}
	return len(seen)
}

// agentRunOpts plays at the goldens' moment, advancing in real time.
func agentRunOpts(offset time.Duration) agent.RunOpts {
	return agent.RunOpts{Now: func() time.Time { return time.Now().Add(offset) }}
}

// TestProofOfDisplay: running the agent leaves a signed, hash-chained log
// that verifies with the device's public key and names what was shown.
func TestProofOfDisplay(t *testing.T) {
	c := newCounty(t)
	c.publish(t, sampleFiles(t))
	a, cfg := newAgent(t, c, "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, agentRunOpts(time.Until(renderAt))) }()
	waitFor(t, 20*time.Second, "first sync", func() bool { _, ok := a.Content(); return ok })
	time.Sleep(500 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	key, err := proof.LoadKey(filepath.Join(cfg.State, "device.key"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(cfg.State, "proof.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, err := proof.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.Verify(entries, key.Public().(ed25519.PublicKey)); err != nil {
		t.Fatalf("proof log does not verify: %v", err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Record.Display+"/"+e.Record.Item] = true
		if e.Record.Item == "2026-11-cold-wave" && len(e.Record.SHA256) != 64 {
			t.Errorf("record without the item's hash: %+v", e.Record)
		}
	}
	if !seen["square/2026-11-cold-wave"] || !seen["tv/2026-11-cold-wave"] {
		t.Errorf("proof log lacks the urgent notice on both displays: %v", seen)
	}
}

// waitMoving polls a display's PNG snapshot until two differ: the board is
// scrolling, whatever the machine's load did to the start.
func waitMoving(t *testing.T, url string) {
	t.Helper()
	get := func() []byte {
		resp, err := http.Get(url)
		if err != nil {
			return nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	// Four changes in a row, a quarter second apart: really scrolling,
	// not just the switch from the idle page to the first item.
	prev, moves := get(), 0
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
		cur := get()
		if prev != nil && cur != nil && !bytes.Equal(prev, cur) {
			moves++
		} else {
			moves = 0
		}
		if moves == 4 {
			return
		}
		prev = cur
	}
	t.Fatalf("%s never changed in 30 s", url)
}

// TestCountyWideItem: a notice the county publishes once reaches the
// village's board beside its own items, urgent first.
func TestCountyWideItem(t *testing.T) {
	c := newCounty(t)
	c.publish(t, sampleFiles(t))
	a, _ := newAgent(t, c, "")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "2026-11-flood.md"), []byte("---\ntitle: 全县防汛紧急通知\ncategory: 村务公开/通告栏\npublish: 2026-11-20\nuntil: 2026-11-30\npriority: urgent\n---\n弥河水位上涨，沿河低洼处群众立即转移。\n"))
	var out bytes.Buffer
	if err := county.PublishCounty(c.dir, dir, &out); err != nil {
		t.Fatal(err)
	}
	if err := a.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	now, _ := a.Content()
	if findItem(now.Village, "county-2026-11-flood") == nil || findItem(now.Village, "2026-10-finance") == nil {
		t.Fatalf("items after county publish: %v", now.Village.Items)
	}
}
