// Package mqtttest starts a real mosquitto broker for tests (Debian
// package "mosquitto"): skipped when absent, a failure when CI is set.
package mqtttest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Broker is a real mosquitto started by a test on 127.0.0.1.
type Broker struct {
	t    testing.TB
	bin  string
	conf string
	port int
	mu   sync.Mutex
	cmd  *exec.Cmd
	log  *bytes.Buffer
	done chan struct{}
}

// mosquittoBin finds the broker (Debian package "mosquitto" installs it in
// /usr/sbin, often not in a user's PATH). Without it the test is skipped,
// unless CI is set: there a missing broker is a failure.
func mosquittoBin(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("mosquitto"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("mosquitto not found (apt-get install mosquitto) and CI is set")
	}
	t.Skip("mosquitto not found (apt-get install mosquitto); skipping")
	return ""
}

// FreePort returns a TCP port free on 127.0.0.1 right now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start runs a broker for the test and stops it (by PID) in t.Cleanup.
func Start(t testing.TB) *Broker {
	t.Helper()
	b := &Broker{t: t, bin: mosquittoBin(t), port: FreePort(t)}
	b.conf = filepath.Join(t.TempDir(), "mosquitto.conf")
	conf := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type error\nlog_type warning\n", b.port)
	if err := os.WriteFile(b.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Restart()
	t.Cleanup(func() {
		b.Stop()
		if t.Failed() {
			t.Logf("mosquitto log:\n%s", b.log.String())
		}
	})
	return b
}

// URL is the broker's mqtt:// address.
func (b *Broker) URL() string { return fmt.Sprintf("mqtt://127.0.0.1:%d", b.port) }

// Restart starts the broker again on the same port after Stop.
func (b *Broker) Restart() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.log == nil {
		b.log = new(bytes.Buffer)
	}
	cmd := exec.Command(b.bin, "-c", b.conf)
	cmd.Stdout, cmd.Stderr = b.log, b.log
	if err := cmd.Start(); err != nil {
		b.t.Fatalf("start mosquitto: %v", err)
	}
	b.cmd, b.done = cmd, make(chan struct{})
	go func(done chan struct{}) { cmd.Wait(); close(done) }(b.done)
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", b.port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-b.done:
			b.t.Fatalf("mosquitto exited at start: %s", b.log.String())
		default:
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("mosquitto not listening on %d: %v", b.port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop ends the broker by its PID (SIGTERM, then SIGKILL after 3 s).
func (b *Broker) Stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd == nil {
		return
	}
	_ = syscall.Kill(b.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-b.done:
	case <-time.After(3 * time.Second):
		_ = syscall.Kill(b.cmd.Process.Pid, syscall.SIGKILL)
		<-b.done
	}
	b.cmd = nil
}
