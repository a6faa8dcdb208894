package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

const chromium = "/usr/bin/chromium"

// skipNoChromium skips when Chromium is missing, unless CI is set: on CI a
// missing browser must fail the build, not hide it.
func skipNoChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("no %s (set CI=1 to make this a failure): %v", chromium, err)
		}
		t.Fatalf("CI is set but %s is missing: %v", chromium, err)
	}
}

// runChromium runs headless Chromium in its own process group and kills the
// group afterwards, so no renderer outlives the test.
func runChromium(t *testing.T, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + t.TempDir(),
		"--virtual-time-budget=3000",
	}
	cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if err != nil {
		t.Fatalf("chromium %v: %v (ctx %v)\nstderr:\n%.4000s", args, err, ctx.Err(), stderr.String())
	}
	return out
}

// boardPNG draws a small stand-in for a board's screenshot: a dark frame
// with bright bars, so thumbnails look like an LED page.
func boardPNG(t *testing.T, w, h int, c color.RGBA, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			px := color.RGBA{10, 10, 16, 255}
			if row := y / (h / 6); row%2 == 1 && x > w/10 && x < w/10+(w*(5+(seed+row)%4))/10 {
				px = c
			}
			img.SetRGBA(x, y, px)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// checkPage loads the fleet page in a same-origin iframe and writes, into
// the DOM, each thumbnail's naturalWidth and the village order as shown.
const checkPage = `<!doctype html><html><body><iframe id="f" src="/" width="1400" height="1000"></iframe>
<pre id="check"></pre><script>
document.getElementById('f').addEventListener('load', function () {
  var d = this.contentDocument;
  var imgs = Array.prototype.map.call(d.querySelectorAll('img'), function (i) { return {src: i.getAttribute('src'), w: i.naturalWidth, done: i.complete}; });
  var vs = Array.prototype.map.call(d.querySelectorAll('section.v'), function (s) { return {village: s.dataset.village, state: s.dataset.state}; });
  document.getElementById('check').textContent = JSON.stringify({imgs: imgs, villages: vs, count: d.getElementById('count').textContent});
});
</script></body></html>`

type checkResult struct {
	Imgs []struct {
		Src  string `json:"src"`
		W    int    `json:"w"`
		Done bool   `json:"done"`
	} `json:"imgs"`
	Villages []struct {
		Village string `json:"village"`
		State   string `json:"state"`
	} `json:"villages"`
	Count string `json:"count"`
}

// TestFleetPageInChromium fills the server from 50 simulated agents — two
// of them gone silent, some stale, one failing — and checks the page in a
// real browser: every village listed, the offline ones first and marked
// 离线, the count line right, and the screenshot thumbnails decoded.
func TestFleetPageInChromium(t *testing.T) {
	skipNoChromium(t)
	e := newEnv(t, Opts{Interval: time.Minute})
	const n = 50
	colors := []color.RGBA{{255, 190, 40, 255}, {220, 40, 40, 255}, {60, 200, 90, 255}}
	offline := map[string]bool{}
	for i := range n {
		v := fmt.Sprintf("370783-101-%03d", i+1)
		k := key(byte(i + 1))
		if err := e.srv.Register(v, pub(k)); err != nil {
			t.Fatal(err)
		}
		h := heartbeat(v, t0)
		switch {
		case i == 7 || i == 31:
			offline[v] = true // these stop after this heartbeat
		case i%10 == 3:
			h.Stale, h.StaleReason = true, "超过 3 天未能同步"
		case i == 12:
			h.SyncOK, h.SyncErr = false, "连接县服务器超时"
		}
		if err := e.beat(t, k, h); err != nil {
			t.Fatal(err)
		}
		if i < 6 || offline[v] {
			for j, d := range []string{"led-1", "tv"} {
				w, hh := 192, 96
				if d == "tv" {
					w, hh = 192, 108
				}
				if err := SendScreenshot(e.ctx, e.http.Client(), e.http.URL, v, d, boardPNG(t, w, hh, colors[(i+j)%3], i), k); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	// Ten minutes on, everyone but the two silent boards has reported again.
	e.clock.Add(10 * time.Minute)
	for i := range n {
		v := fmt.Sprintf("370783-101-%03d", i+1)
		if offline[v] {
			continue
		}
		h := heartbeat(v, t0.Add(10*time.Minute))
		switch {
		case i%10 == 3:
			h.Stale, h.StaleReason = true, "超过 3 天未能同步"
		case i == 12:
			h.SyncOK, h.SyncErr = false, "连接县服务器超时"
		}
		if err := e.beat(t, key(byte(i+1)), h); err != nil {
			t.Fatal(err)
		}
	}

	mux := http.NewServeMux()
	mux.Handle("/", e.srv.Handler())
	// The browser logs in through a test hook that starts a session the
	// way POST /login does (the form itself is tested in auth_test.go).
	if err := e.srv.AddOperator("browser-op", "browser-password", RoleCounty); err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc("GET /__login", func(w http.ResponseWriter, r *http.Request) {
		if _, err := e.srv.startSession(w, "browser-op"); err != nil {
			t.Error(err)
		}
		http.Redirect(w, r, r.URL.Query().Get("then"), http.StatusSeeOther)
	})
	mux.HandleFunc("GET /__check", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, checkPage)
	})
	hs := httptest.NewServer(mux)
	defer hs.Close()

	dom := runChromium(t, "--dump-dom", hs.URL+"/__login?then=/__check")
	m := regexp.MustCompile(`(?s)<pre id="check">(.*?)</pre>`).FindSubmatch(dom)
	if m == nil || len(m[1]) == 0 {
		t.Fatalf("no #check output in the DOM (%d bytes):\n%.2000s", len(dom), dom)
	}
	var res checkResult
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &res); err != nil {
		t.Fatalf("decode #check %q: %v", m[1], err)
	}
	if len(res.Villages) != n {
		t.Fatalf("page lists %d villages, want %d", len(res.Villages), n)
	}
	for i, v := range res.Villages[:2] {
		if v.State != StateOffline || !offline[v.Village] {
			t.Errorf("village %d on the page is %s (%s), want an offline one first", i+1, v.Village, v.State)
		}
	}
	for _, v := range res.Villages[2:] {
		if v.State == StateOffline {
			t.Errorf("%s offline but not sorted first", v.Village)
		}
	}
	if want := "共 50 块屏：正常 42，过期 5，离线 2，故障 1"; !strings.HasPrefix(res.Count, want) {
		t.Errorf("count line %q, want it to start %q", res.Count, want)
	}
	if len(res.Imgs) != 16 {
		t.Errorf("%d thumbnails, want 16 (8 villages × 2 displays)", len(res.Imgs))
	}
	for _, img := range res.Imgs {
		if !img.Done || img.W != 192 {
			t.Errorf("thumbnail %s: loaded %v, naturalWidth %d, want 192", img.Src, img.Done, img.W)
		}
	}

	// The offline ones are marked 离线 in the page's own text too.
	page := runChromium(t, "--dump-dom", hs.URL+"/__login?then=/")
	first := bytes.Index(page, []byte(`<section class="v`))
	if first < 0 || !bytes.Contains(page[first:first+600], []byte("离线")) {
		t.Errorf("first village on the page is not marked 离线:\n%.600s", page[max(first, 0):])
	}

	shot := filepath.Join(t.TempDir(), "fleet.png")
	if dir := os.Getenv("FLEET_SCREENSHOT_DIR"); dir != "" {
		shot = filepath.Join(dir, "fleet.png") // to look at it: FLEET_SCREENSHOT_DIR=/tmp go test -run Chromium
		runChromium(t, "--screenshot="+filepath.Join(dir, "village.png"), "--window-size=1400,1000", hs.URL+"/__login?then=/village/370783-101-001")
	}
	runChromium(t, "--screenshot="+shot, "--window-size=1400,1000", hs.URL+"/__login?then=/")
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 10_000 {
		t.Errorf("screenshot of the fleet page %s: %v", shot, err)
	}
}
