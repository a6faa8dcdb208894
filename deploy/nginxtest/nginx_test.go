package nginxtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// nginx is a real nginx started by a test on 127.0.0.1.
type nginx struct {
	URL  string
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// nginxBin finds nginx (Debian installs it in /usr/sbin, often not in a
// user's PATH). Without it the test is skipped, unless CI is set.
func nginxBin(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	if os.Getenv("CI") != "" {
		t.Fatal("nginx not found (apt-get install nginx-light) and CI is set")
	}
	t.Skip("nginx not found (apt-get install nginx-light); skipping")
	return ""
}

// site reads a file of deploy/nginx and applies replacements (old, new
// pairs); a replacement whose old text is missing fails the test, so the
// file cannot drift away from what is tested without notice.
func site(t *testing.T, name string, replace ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "nginx", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(s, replace[i]) {
			t.Fatalf("deploy/nginx/%s no longer contains %q", name, replace[i])
		}
		s = strings.ReplaceAll(s, replace[i], replace[i+1])
	}
	return s
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startNginx runs one server block (its listen line already says
// 127.0.0.1:port) in a foreground nginx whose files all live in a temp
// dir, and stops it by PID in t.Cleanup. The access log records what each
// request asked and got: request, status, Range, If-Range, If-None-Match.
func startNginx(t *testing.T, port int, server string) *nginx {
	t.Helper()
	bin := nginxBin(t)
	dir := t.TempDir()
	conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 128; }
http {
    log_format t escape=none '$request_method $uri $status range="$http_range" if_range=$http_if_range inm=$http_if_none_match';
    access_log %[1]s/access.log t;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    types { application/json json; image/png png; }
    default_type application/octet-stream;
%[2]s
}
`, dir, server)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	n := &nginx{URL: fmt.Sprintf("http://127.0.0.1:%d/", port), dir: dir, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(n.done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(cmd.Process.Pid, syscall.SIGQUIT)
		select {
		case <-n.done:
		case <-time.After(3 * time.Second):
			_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
			<-n.done
		}
		if t.Failed() {
			errs, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx output:\n%s\nerror.log:\n%s\naccess.log:\n%s", out.String(), errs, n.accessLog())
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return n
		}
		select {
		case <-n.done:
			errs, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited at start: %s\n%s", out.String(), errs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx not listening on %d: %v", port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (n *nginx) accessLog() string {
	b, _ := os.ReadFile(filepath.Join(n.dir, "access.log"))
	return string(b)
}
