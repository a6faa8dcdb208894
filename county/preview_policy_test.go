package county

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sunboard/sunboard/feed/publish"
)

// dibaoDir is a village folder with a 低保 list holding an ID number with
// a wrong check digit and a landline: refused, or masked under a policy.
func dibaoDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"village.toml": "id = \"370783-101-001\"\nname = \"东升村\"\n",
		"d.md":         "---\ntitle: 低保名单\ncategory: 村务公开/社会救助/低保\npublish: 2026-11-16\nuntil: 2026-11-25\ntable: d.csv\n---\n以下家庭拟纳入城乡低保。\n",
		"d.csv":        "户主姓名,身份证号,联系电话,月保障金（元）\n孙德胜,370783194809230313,0536-5211234,640.00\n合计,,,640.00\n",
	}
	for name, s := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const maskPolicy = "default = \"refuse\"\n[categories]\n\"村务公开/社会救助\" = \"mask\"\n"

func TestPreviewPolicy(t *testing.T) {
	dir := dibaoDir(t)
	repo := t.TempDir()
	if err := os.WriteFile(filepath.Join(repo, PolicyFile), []byte(maskPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	policyFile := filepath.Join(t.TempDir(), "p.toml")
	if err := os.WriteFile(policyFile, []byte(maskPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	emptyRepo := t.TempDir()
	tests := []struct {
		name    string
		o       PreviewOpts
		wantOut []string
		wantErr []string // nil: succeeds
	}{
		{"no policy", PreviewOpts{}, []string{"隐私规则：未指定"},
			[]string{"d.csv:2: 身份证号: contains an ID card number", "d.csv:2: 联系电话: contains a phone number", "加上 --repo 县仓库目录", "add --repo DIR"}},
		{"county repo", PreviewOpts{Repo: repo}, []string{"隐私规则：县仓库的 " + filepath.Join(repo, PolicyFile),
			"masked ID card number (身份证号) in d.csv: 3707**********0313", "masked phone number (电话号码) in d.csv: 0536-*******", "pages for tv:1280x720"}, nil},
		{"policy file", PreviewOpts{Policy: policyFile}, []string{"隐私规则：" + policyFile, "3707**********0313"}, nil},
		{"repo without policy.toml", PreviewOpts{Repo: emptyRepo}, []string{"里没有 policy.toml，个人信息一律拒绝"},
			[]string{"d.csv:2: 身份证号: contains an ID card number"}},
		{"both", PreviewOpts{Repo: repo, Policy: policyFile}, nil, []string{"give --repo DIR or --policy FILE, not both"}},
		{"mistyped repo", PreviewOpts{Repo: repo + "x"}, nil, []string{"--repo " + repo + "x: not a county repository directory"}},
		{"bad policy file", PreviewOpts{Policy: filepath.Join(emptyRepo, "none.toml")}, nil, []string{"read privacy policy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Display, tt.o.OutDir, tt.o.At = "tv:1280x720", t.TempDir(), "2026-11-20T09:30"
			var out bytes.Buffer
			err := PreviewCmd(dir, tt.o, &out)
			for _, w := range tt.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				png, err := filepath.Glob(filepath.Join(tt.o.OutDir, "0*-d.png"))
				if err != nil || len(png) == 0 {
					t.Errorf("no page of the 低保 list in %s", tt.o.OutDir)
				}
			}
			for _, w := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error = %v\nwant it to contain %q", err, w)
				}
			}
			if strings.Contains(out.String(), "370783194809230313") || strings.Contains(out.String(), "5211234") {
				t.Errorf("output shows the number:\n%s", out.String())
			}
		})
	}
}

// syncBuffer is a bytes.Buffer Serve may write while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeLoadsWithPolicy: serve reads content folders as publish does
// (the county's policy.toml masks the 低保 list), and a folder that fails
// anyway is logged and skipped; the server still starts.
func TestServeLoadsWithPolicy(t *testing.T) {
	repo := filepath.Join(t.TempDir(), "repo")
	if _, err := publish.Init(repo, publish.InitOpts{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, PolicyFile), []byte(maskPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	good := dibaoDir(t)
	var pubOut bytes.Buffer
	if err := Publish(repo, []string{good}, &pubOut); err != nil {
		t.Fatalf("publish: %v", err)
	}
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "village.toml"), []byte("id = \"370783-101-002\"\nname = \"西关村\"\n"), 0o644)
	os.WriteFile(filepath.Join(bad, "a.md"), []byte("---\ntitle: t\ncategory: 财务公开\npublish: 2026-11-01\nuntil: 2026-11-30\ntable: t.csv\n---\n"), 0o644)
	os.WriteFile(filepath.Join(bad, "t.csv"), []byte("摘要,支出（元）\na,5\n合计,\n"), 0o644)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, repo, ServeOpts{Addr: addr, ContentDirs: []string{good, bad}}, out) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(fmt.Sprintf("http://%s/metadata/timestamp.json", addr))
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case err := <-done:
			t.Fatalf("Serve ended: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not up: %v\n%s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	log := out.String()
	if !strings.Contains(log, "skipped "+bad) || !strings.Contains(log, "t.csv:3: 支出（元）: the 合计 row leaves") {
		t.Errorf("the bad folder is not reported:\n%s", log)
	}
	if strings.Contains(log, good) {
		t.Errorf("the published folder was refused:\n%s", log)
	}
}
