package county

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sunboard/sunboard/feed/publish"
)

// makeCounty writes n village folders of 20 items each under root; every
// village shares the same receipt photo bytes (content-addressed targets
// store it once).
func makeCounty(b testing.TB, root string, n int) []string {
	b.Helper()
	photo, err := os.ReadFile(filepath.Join(sampleDir, "photos", "receipt-1012.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	var dirs []string
	for v := 0; v < n; v++ {
		id := fmt.Sprintf("370783-%03d-%03d", 101+v/100, 1+v%100)
		dir := filepath.Join(root, id)
		must(b, os.MkdirAll(filepath.Join(dir, "photos"), 0o755))
		must(b, os.WriteFile(filepath.Join(dir, "photos", "receipt.jpg"), photo, 0o644))
		must(b, os.WriteFile(filepath.Join(dir, "village.toml"), fmt.Appendf(nil, "id = %q\nname = \"第%d村\"\n", id, v+1), 0o644))
		for i := 0; i < 20; i++ {
			writeItem(b, dir, i, 0)
		}
		dirs = append(dirs, dir)
	}
	return dirs
}

// writeItem writes item i; rev changes its body, as an edited item.
func writeItem(b testing.TB, dir string, i, rev int) {
	var md string
	if i%4 == 0 {
		md = fmt.Sprintf("---\ntitle: 2026年%d月收支明细\ncategory: 财务公开/收支情况\npublish: 2026-11-05\nuntil: 2026-12-04\ntable: t%02d.csv\n---\n本月收支如下（第%d版）。\n\n![收据](photos/receipt.jpg)\n", i%12+1, i, rev)
		csv := fmt.Sprintf("日期,摘要,收入（元）,支出（元）\n2026-10-01,土地发包款,86400.00,\n2026-10-03,电费,,612.40\n2026-10-09,保洁,,%d.00\n合计,,86400.00,%d.40\n", 5400+i, 5400+i+612)
		must(b, os.WriteFile(filepath.Join(dir, fmt.Sprintf("t%02d.csv", i)), []byte(csv), 0o644))
	} else {
		md = fmt.Sprintf("---\ntitle: 村民会议通知%d\ncategory: 村务公开/村民会议及实施\npublish: 2026-11-05\nuntil: 2026-11-30\n---\n定于11月%d日上午9时在村委会召开村民代表会议，研究道路维修事项（第%d版）。\n", i, i%28+1, rev)
	}
	must(b, os.WriteFile(filepath.Join(dir, fmt.Sprintf("item%02d.md", i)), []byte(md), 0o644))
}

func must(b testing.TB, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPublishCounty1000 publishes a whole 1,000-village county (20
// items each, every village sharing the same receipt photo) into a fresh
// repository: one batch, one signature per village role, snapshot and
// timestamp once. Folders and repository are made outside the timer.
func BenchmarkPublishCounty1000(b *testing.B) {
	const n = 1000
	dirs := makeCounty(b, b.TempDir(), n)
	for b.Loop() {
		b.StopTimer()
		repo := filepath.Join(b.TempDir(), "repo")
		if _, err := publish.Init(repo, publish.InitOpts{}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := Publish(repo, dirs, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "villages/s")
}

// BenchmarkPublishOneItem edits one item of one village in a published
// county of 100 villages and in one of 1,000, and publishes that village:
// it must cost about one village, not the county. Each iteration publishes
// in both counties, one after the other, so load on the machine weighs on
// both alike; it reports the time of each (s-100, s-1000) and their ratio
// (ratio-1000/100, target ≈ 1). Building both counties is not timed.
func BenchmarkPublishOneItem(b *testing.B) {
	type county struct {
		repo string
		dirs []string
		took time.Duration
	}
	var cs []*county
	for _, n := range []int{100, 1000} {
		c := &county{dirs: makeCounty(b, b.TempDir(), n), repo: filepath.Join(b.TempDir(), "repo")}
		if _, err := publish.Init(c.repo, publish.InitOpts{}); err != nil {
			b.Fatal(err)
		}
		if err := Publish(c.repo, c.dirs, io.Discard); err != nil {
			b.Fatal(err)
		}
		cs = append(cs, c)
	}
	rev := 0
	for b.Loop() {
		rev++
		for _, c := range cs {
			dir := c.dirs[rev*37%len(c.dirs)]
			writeItem(b, dir, 4, rev)
			t0 := time.Now()
			if err := Publish(c.repo, []string{dir}, io.Discard); err != nil {
				b.Fatal(err)
			}
			c.took += time.Since(t0)
		}
	}
	n := float64(b.N)
	b.ReportMetric(cs[0].took.Seconds()/n, "s-100")
	b.ReportMetric(cs[1].took.Seconds()/n, "s-1000")
	b.ReportMetric(cs[1].took.Seconds()/cs[0].took.Seconds(), "ratio-1000/100")
}
