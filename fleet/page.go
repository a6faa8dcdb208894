package fleet

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/sunboard/sunboard/player/proof"
	bolt "go.etcd.io/bbolt"
)

// States of a village, worst first: the order of the fleet page.
const (
	StateOffline = "offline" // no heartbeat for more than 3×Interval (or never)
	StateError   = "error"   // sync failed, a display reports errors, or an upload was refused
	StateStale   = "stale"   // the agent says its content is out of date
	StateOK      = "ok"
)

var stateRank = map[string]int{StateOffline: 0, StateError: 1, StateStale: 2, StateOK: 3}

var stateZH = map[string]string{StateOffline: "离线", StateError: "故障", StateStale: "过期", StateOK: "正常"}

// VillageStatus is one village as the fleet page and /api/fleet.json show it.
type VillageStatus struct {
	Village   string     `json:"village"`
	State     string     `json:"state"`
	Why       string     `json:"why,omitempty"` // in Chinese
	Heartbeat *Heartbeat `json:"heartbeat,omitempty"`
	Received  time.Time  `json:"received,omitzero"` // server time of the last heartbeat
	Shots     []Shot     `json:"shots,omitempty"`
	ProofHeld uint64     `json:"proof_held"` // last proof seq held by the server
	Problems  []Problem  `json:"problems,omitempty"`
}

// Shot is a stored screenshot.
type Shot struct {
	Display  string    `json:"display"`
	URL      string    `json:"url"`
	Sent     time.Time `json:"sent"`
	Width    int       `json:"width"`
	Height   int       `json:"height"`
	Received time.Time `json:"received"`
}

// Fleet returns every registered village, worst state first, then by id.
func (s *Server) Fleet() ([]VillageStatus, error) {
	now := s.opts.Now()
	var out []VillageStatus
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bDevices).ForEach(func(k, _ []byte) error {
			v, err := s.status(tx, string(k), now)
			if err != nil {
				return err
			}
			out = append(out, v)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read fleet: %w", err)
	}
	slices.SortStableFunc(out, func(a, b VillageStatus) int {
		if d := stateRank[a.State] - stateRank[b.State]; d != 0 {
			return d
		}
		return strings.Compare(a.Village, b.Village)
	})
	return out, nil
}

func (s *Server) status(tx *bolt.Tx, village string, now time.Time) (VillageStatus, error) {
	vs := VillageStatus{Village: village}
	if v := tx.Bucket(bHeartbeats).Get([]byte(village)); v != nil {
		var st storedHeartbeat
		if err := json.Unmarshal(v, &st); err != nil {
			return vs, fmt.Errorf("stored heartbeat of %s: %w", village, err)
		}
		vs.Heartbeat, vs.Received = &st.Heartbeat, st.Received
	}
	if v := tx.Bucket(bProblems).Get([]byte(village)); v != nil {
		_ = json.Unmarshal(v, &vs.Problems)
	}
	c := tx.Bucket(bShots).Cursor()
	prefix := []byte(village + "\x00")
	for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
		var m storedShot
		if json.Unmarshal(v, &m) != nil {
			continue
		}
		d := string(k[len(prefix):])
		vs.Shots = append(vs.Shots, Shot{
			Display: d, URL: "/shot/" + url.PathEscape(village) + "/" + url.PathEscape(d) + "?t=" + fmt.Sprint(m.Sent.UnixNano()),
			Sent: m.Sent, Width: m.Width, Height: m.Height, Received: m.Received,
		})
	}
	head, err := proofHead(tx, village)
	if err != nil {
		return vs, err
	}
	vs.ProofHeld = head.Record.Seq

	h := vs.Heartbeat
	switch {
	case h == nil:
		vs.State, vs.Why = StateOffline, "从未收到心跳"
	case now.Sub(vs.Received) > 3*s.opts.Interval:
		vs.State, vs.Why = StateOffline, "已 "+durZH(now.Sub(vs.Received))+"没有心跳"
	case !h.SyncOK:
		vs.State, vs.Why = StateError, "同步失败："+h.SyncErr
	case displayErrors(h) > 0:
		vs.State, vs.Why = StateError, fmt.Sprintf("屏幕报告 %d 个错误", displayErrors(h))
	case len(vs.Problems) > 0 && now.Sub(vs.Problems[len(vs.Problems)-1].Time) < 24*time.Hour:
		vs.State, vs.Why = StateError, "展示记录上传被拒收"
	case h.Stale:
		vs.State, vs.Why = StateStale, "内容过期："+h.StaleReason
	default:
		vs.State = StateOK
	}
	return vs, nil
}

func displayErrors(h *Heartbeat) int {
	n := 0
	for _, d := range h.Displays {
		n += d.Errors
	}
	return n
}

func durZH(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d 秒", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d 分钟", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d 小时", int(d.Hours()))
	}
	return fmt.Sprintf("%d 天", int(d.Hours()/24))
}

var china = time.FixedZone("CST", 8*3600)

var funcs = template.FuncMap{
	"state": func(s string) string { return stateZH[s] },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(china).Format("2006-01-02 15:04:05")
	},
	"idle": func(s string) string {
		if s == "" {
			return "待机画面"
		}
		return s
	},
	"mb": func(b uint64) string { return fmt.Sprintf("%.1f GB", float64(b)/(1<<30)) },
}

type fleetPage struct {
	Who                                Who
	Now                                time.Time
	Villages                           []VillageStatus
	Total, OK, Stale, Offline, Errored int
}

// fleetFor is the part of the fleet the operator's role covers.
func (s *Server) fleetFor(who Who) ([]VillageStatus, error) {
	all, err := s.Fleet()
	if err != nil {
		return nil, err
	}
	vs := all[:0]
	for _, v := range all {
		if who.Role.Allows(v.Village) {
			vs = append(vs, v)
		}
	}
	return vs, nil
}

func (s *Server) getFleet(w http.ResponseWriter, r *http.Request, who Who) {
	vs, err := s.fleetFor(who)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	p := fleetPage{Who: who, Now: s.opts.Now(), Villages: vs, Total: len(vs)}
	for _, v := range vs {
		switch v.State {
		case StateOK:
			p.OK++
		case StateStale:
			p.Stale++
		case StateOffline:
			p.Offline++
		case StateError:
			p.Errored++
		}
	}
	render(w, fleetTmpl, p)
}

func (s *Server) getFleetJSON(w http.ResponseWriter, r *http.Request, who Who) {
	vs, err := s.fleetFor(who)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, vs)
}

func (s *Server) getShot(w http.ResponseWriter, r *http.Request, who Who) {
	if !who.Role.Allows(r.PathValue("village")) {
		forbidden(w, r.PathValue("village"))
		return
	}
	k := shotKey(r.PathValue("village"), r.PathValue("display"))
	var png []byte
	_ = s.db.View(func(tx *bolt.Tx) error {
		png = append(png, tx.Bucket(bShotPNG).Get(k)...)
		return nil
	})
	if len(png) == 0 {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=60")
	_, _ = w.Write(png)
}

type villagePage struct {
	Who     Who
	Now     time.Time
	V       VillageStatus
	Tail    []proof.Record
	Chain   string // verification of the stored chain, in Chinese
	ChainOK bool
	Behind  string // device head vs held
	Audit   string
}

func (s *Server) getVillage(w http.ResponseWriter, r *http.Request, who Who) {
	village := r.PathValue("village")
	if !who.Role.Allows(village) {
		forbidden(w, village)
		return
	}
	now := s.opts.Now()
	p := villagePage{Who: who}
	err := s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bDevices).Get([]byte(village)) == nil {
			return errNotFound
		}
		var err error
		p.V, err = s.status(tx, village, now)
		return err
	})
	if err == errNotFound {
		http.Error(w, fmt.Sprintf("没有登记村庄 %q 的设备", village), http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	p.Now = now
	es, err := s.entries(village)
	pub, kerr := s.key(village)
	switch {
	case err != nil:
		p.Chain = "读取展示记录失败：" + err.Error()
	case kerr != nil:
		p.Chain = kerr.Error()
	case len(es) == 0:
		p.Chain, p.ChainOK = "尚未收到展示记录", true
	default:
		if verr := proof.Verify(es, pub); verr != nil {
			p.Chain = "展示记录校验失败：" + verr.Error()
		} else {
			p.Chain, p.ChainOK = fmt.Sprintf("链条完整：第 1–%d 条记录均由本设备签名，顺序无误", len(es)), true
		}
		for _, e := range es[max(0, len(es)-20):] {
			p.Tail = append(p.Tail, e.Record)
		}
		slices.Reverse(p.Tail)
	}
	if h := p.V.Heartbeat; h != nil && h.ProofHead > p.V.ProofHeld {
		p.Behind = fmt.Sprintf("设备报告已记录到第 %d 条，县里收到第 %d 条，尚有 %d 条待上传", h.ProofHead, p.V.ProofHeld, h.ProofHead-p.V.ProofHeld)
	}
	if s.opts.Windows != nil && p.ChainOK {
		if rep, err := s.Audit(village, s.opts.Windows(village), nil); err != nil {
			p.Audit = err.Error()
		} else {
			p.Audit = rep.Summary()
		}
	}
	render(w, villageTmpl, p)
}

var errNotFound = fmt.Errorf("not found")

func render(w http.ResponseWriter, t *template.Template, data any) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		http.Error(w, "render page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

const css = `
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;margin:0;background:#f4f5f7;color:#1f2328;font-size:16px;line-height:1.5}
header{background:#234;color:#fff;padding:14px 24px}
header form.who{float:right;margin:0;font-size:15px}
header h1{margin:0;font-size:22px;font-weight:600}
main{padding:16px 24px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:12px;align-items:start}
.count{font-size:18px;margin:0 0 16px}
.count b{font-weight:600}
.v{background:#fff;border:1px solid #d8dce0;border-left:6px solid #2a8a4a;border-radius:6px;margin:0;padding:12px 16px}
.v.offline{border-left-color:#c62828;background:#fdecec}
.v.error{border-left-color:#e07b00}
.v.stale{border-left-color:#b59a00}
.v h2{margin:0 0 6px;font-size:18px}
.v h2 a{color:inherit}
.badge{display:inline-block;padding:1px 10px;border-radius:10px;font-size:15px;color:#fff;margin-left:8px;vertical-align:1px}
.badge.ok{background:#2a8a4a}.badge.stale{background:#8a7500}.badge.error{background:#c06000}.badge.offline{background:#c62828}
.why{color:#555}.v.offline .why{color:#a11;font-weight:600}
.meta{color:#444;font-size:15px}
table{border-collapse:collapse;margin:6px 0}
td,th{padding:3px 12px 3px 0;text-align:left;font-size:15px;vertical-align:top}
th{color:#555;font-weight:500}
.shots{display:flex;gap:12px;flex-wrap:wrap;margin-top:6px}
.shots figure{margin:0}
.shots img{display:block;width:200px;height:auto;border:1px solid #ccc;background:#000;image-rendering:pixelated}
.shots.big img{width:420px}
figcaption{font-size:13px;color:#555}
pre{background:#fff;border:1px solid #ddd;padding:8px;white-space:pre-wrap}
.bad{color:#a11;font-weight:600}
`

var fleetTmpl = template.Must(template.New("fleet").Funcs(funcs).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>村务公开屏 运行总览</title>
<meta http-equiv="refresh" content="60"><style>` + css + `</style></head>
<body><header>{{template "who" .Who}}<h1>村务公开屏 运行总览</h1></header><main>
<p class="count" id="count">共 {{.Total}} 块屏：正常 <b>{{.OK}}</b>，过期 <b>{{.Stale}}</b>，离线 <b>{{.Offline}}</b>，故障 <b>{{.Errored}}</b>　<span class="meta">更新于 {{when .Now}}</span></p>
<p><a href="/review">待审核（乡镇审核中的事项）</a></p>
<div class="grid">{{range .Villages}}<section class="v {{.State}}" data-village="{{.Village}}" data-state="{{.State}}">
<h2><a href="/village/{{.Village}}">{{.Village}}</a><span class="badge {{.State}}">{{state .State}}</span></h2>
{{with .Why}}<div class="why">{{.}}</div>{{end}}
{{$v := .}}{{with .Heartbeat}}<div class="meta">内容版本 {{.Version}} · 上次同步 {{when .LastSync}}{{if .SyncOK}}（成功）{{else}}（失败）{{end}} · 最后心跳 {{when $v.Received}}</div>
<table>{{range .Displays}}<tr><th>{{.Name}}</th><td>正在显示 {{idle .Item}}</td><td>下一项 {{idle .Next}}</td>{{if ge .Brightness 0}}<td>亮度 {{.Brightness}}{{if .PowerLimited}}（限流）{{end}}</td>{{end}}{{if .Errors}}<td class="bad">错误 {{.Errors}}</td>{{end}}</tr>{{end}}</table>{{end}}
{{with .Shots}}<div class="shots">{{range .}}<figure><img src="{{.URL}}" alt="{{.Display}} 截图" width="{{.Width}}" height="{{.Height}}"><figcaption>{{.Display}} · {{when .Sent}}</figcaption></figure>{{end}}</div>{{end}}
</section>
{{else}}<p>还没有登记任何设备。</p>{{end}}</div>
</main></body></html>` + whoTmpl))

var villageTmpl = template.Must(template.New("village").Funcs(funcs).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.V.Village}} 公开屏</title><style>` + css + `</style></head>
<body><header>{{template "who" .Who}}<h1>{{.V.Village}} 公开屏 <span class="badge {{.V.State}}">{{state .V.State}}</span></h1></header><main>
<p><a href="/">← 返回总览</a></p>
{{with .V.Why}}<p class="why">{{.}}</p>{{end}}
{{with .V.Heartbeat}}<table>
<tr><th>设备</th><td>{{.Device}}</td></tr>
<tr><th>内容版本</th><td>{{.Version}}</td></tr>
<tr><th>上次同步</th><td>{{when .LastSync}} {{if .SyncOK}}成功{{else}}<span class="bad">失败：{{.SyncErr}}</span>{{end}}</td></tr>
<tr><th>内容状态</th><td>{{if .Stale}}<span class="bad">过期：{{.StaleReason}}</span>{{else}}最新{{end}}</td></tr>
<tr><th>时钟来源</th><td>{{.Clock}}</td></tr>
<tr><th>磁盘剩余</th><td>{{mb .DiskFree}}</td></tr>
<tr><th>温度</th><td>{{printf "%.1f" .TempC}} ℃</td></tr>
<tr><th>设备时间</th><td>{{when .Sent}}</td></tr>
</table>
<h2>屏幕</h2><table>{{range .Displays}}<tr><th>{{.Name}}</th><td>正在显示 {{idle .Item}}</td><td>下一项 {{idle .Next}}</td>{{if ge .Brightness 0}}<td>亮度 {{.Brightness}}{{if .PowerLimited}}（限流）{{end}}</td>{{end}}<td>错误 {{.Errors}}</td></tr>{{end}}</table>{{end}}
<p class="meta">最后心跳（县里收到）{{when .V.Received}}</p>
<form method="post" action="/api/screenshot-request?village={{.V.Village}}"><input type="hidden" name="csrf" value="{{.Who.CSRF}}"><button type="submit">立即截图（下次心跳时上传）</button></form>
{{with .V.Shots}}<h2>最近截图</h2><div class="shots big">{{range .}}<figure><img src="{{.URL}}" alt="{{.Display}} 截图"><figcaption>{{.Display}} · {{when .Sent}}</figcaption></figure>{{end}}</div>{{end}}
<h2>展示记录</h2>
<p class="{{if not .ChainOK}}bad{{end}}">{{.Chain}}</p>
{{with .Behind}}<p>{{.}}</p>{{end}}
{{with .V.Problems}}<h3>拒收的上传</h3><ul>{{range .}}<li>{{when .Time}} {{.What}}</li>{{end}}</ul>{{end}}
{{with .Tail}}<table><tr><th>序号</th><th>屏幕</th><th>内容</th><th>开始</th><th>结束</th><th>时钟</th></tr>
{{range .}}<tr><td>{{.Seq}}</td><td>{{.Display}}</td><td>{{idle .Item}}</td><td>{{when .Start}}</td><td>{{when .End}}</td><td>{{.Clock}}</td></tr>{{end}}</table>{{end}}
{{with .Audit}}<h2>公示期核查</h2><pre>{{.}}</pre>{{end}}
</main></body></html>` + whoTmpl))

// whoTmpl is the operator line in the header, with the logout button.
const whoTmpl = `{{define "who"}}<form class="who" method="post" action="/logout">{{.Name}}（{{if eq .Role "county"}}全县{{else}}{{slice (print .Role) 9}} 乡镇{{end}}）<input type="hidden" name="csrf" value="{{.CSRF}}"><button type="submit">退出登录</button></form>{{end}}`
