package fleet

import (
	"html/template"
	"net/http"
	"time"
)

// WaitingItem is one item waiting for its township's approval, as sunpub
// review lists it.
type WaitingItem struct {
	Village, VillageName string
	Item, Title          string
	Category             string
	Removed              bool // taken off the boards
	SubmittedAt          time.Time
	SubmittedBy          string
	Signatures, Needed   int
	Privacy              []string
	Screen               string // the 审核 line boards will show, "" if none
}

type reviewPage struct {
	Who   Who
	Now   time.Time
	Items []WaitingItem
	Err   string
}

// getReview is the 待审核 page: what waits for approval in the
// operator's villages (a township operator sees their township only).
func (s *Server) getReview(w http.ResponseWriter, r *http.Request, who Who) {
	p := reviewPage{Who: who, Now: s.opts.Now()}
	if s.opts.Waiting == nil {
		p.Err = "本服务器没有连接签名仓库 / no signed repository on this server"
	} else if items, err := s.opts.Waiting(); err != nil {
		p.Err = err.Error()
	} else {
		for _, it := range items {
			if who.Role.Allows(it.Village) {
				p.Items = append(p.Items, it)
			}
		}
	}
	render(w, reviewTmpl, p)
}

var reviewTmpl = template.Must(template.New("review").Funcs(funcs).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>待审核</title><style>` + css + `</style></head>
<body><header>{{template "who" .Who}}<h1>待审核</h1></header><main>
<p><a href="/">← 返回总览</a>　<span class="meta">更新于 {{when .Now}}</span></p>
{{with .Err}}<p class="bad">{{.}}</p>{{end}}
{{if .Items}}<p class="count">待审核事项 <b>{{len .Items}}</b> 项。预览与签名：<code>sunpub review --township-key 密钥文件 --out 目录</code>，通过：<code>sunpub approve</code></p>
<table id="waiting"><tr><th>村</th><th>事项</th><th>标题</th><th>类别</th><th>提交</th><th>审核签名</th><th>个人信息</th><th>屏幕审核栏</th></tr>
{{range .Items}}<tr data-village="{{.Village}}" data-item="{{.Item}}"><td>{{.Village}} {{.VillageName}}</td><td>{{.Item}}</td>
{{if .Removed}}<td colspan="2">撤下</td>{{else}}<td>{{.Title}}</td><td>{{.Category}}</td>{{end}}
<td>{{if .SubmittedBy}}{{when .SubmittedAt}} {{.SubmittedBy}}{{else}}未记录{{end}}</td><td>{{.Signatures}}/{{.Needed}}</td>
<td>{{range .Privacy}}{{.}}<br>{{end}}</td><td>{{with .Screen}}{{.}}{{else}}<span class="bad">未填</span>{{end}}</td></tr>
{{end}}</table>
{{else}}{{if not .Err}}<p id="none">没有待审核的内容。</p>{{end}}{{end}}
</main></body></html>` + whoTmpl))
