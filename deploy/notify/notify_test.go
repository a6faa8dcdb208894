package notify

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeSystemd listens on a unixgram socket like systemd's notify socket and
// points NOTIFY_SOCKET at it.
func fakeSystemd(t *testing.T) *net.UnixConn {
	t.Helper()
	// A short directory: unix socket paths are limited to 108 bytes and
	// t.TempDir() names can be longer.
	dir, err := os.MkdirTemp("", "nfy")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatalf("listen %s: %v", path, err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return conn
}

// next reads one datagram, or returns "" after d.
func next(t *testing.T, c *net.UnixConn, d time.Duration) string {
	t.Helper()
	buf := make([]byte, 256)
	c.SetReadDeadline(time.Now().Add(d))
	n, err := c.Read(buf)
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return ""
		}
		t.Fatalf("read notify socket: %v", err)
	}
	return string(buf[:n])
}

func TestReadyStoppingStatus(t *testing.T) {
	c := fakeSystemd(t)
	if err := Ready(); err != nil {
		t.Fatal(err)
	}
	if got := next(t, c, 2*time.Second); got != "READY=1" {
		t.Fatalf("got %q, want READY=1", got)
	}
	if err := Status("synced 3 items"); err != nil {
		t.Fatal(err)
	}
	if got := next(t, c, 2*time.Second); got != "STATUS=synced 3 items" {
		t.Fatalf("got %q", got)
	}
	if err := Stopping(); err != nil {
		t.Fatal(err)
	}
	if got := next(t, c, 2*time.Second); got != "STOPPING=1" {
		t.Fatalf("got %q, want STOPPING=1", got)
	}
}

func TestNoSystemdIsNoop(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	t.Setenv("WATCHDOG_USEC", "")
	if err := Ready(); err != nil {
		t.Fatalf("Ready without NOTIFY_SOCKET: %v", err)
	}
	done := make(chan struct{})
	go func() { Watchdog(context.Background(), func() bool { return true }); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Watchdog without WATCHDOG_USEC did not return")
	}
}

func TestWatchdogPingsOnlyWhileAlive(t *testing.T) {
	c := fakeSystemd(t)
	t.Setenv("WATCHDOG_USEC", "40000") // 40 ms: pings every 20 ms
	t.Setenv("WATCHDOG_PID", "")

	var alive atomic.Bool
	alive.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); Watchdog(ctx, alive.Load) }()
	defer func() { cancel(); wg.Wait() }()

	for i := range 3 {
		if got := next(t, c, 2*time.Second); got != "WATCHDOG=1" {
			t.Fatalf("ping %d: got %q, want WATCHDOG=1", i, got)
		}
	}

	// The loops hang: pings must stop. One ping may already be in flight
	// from the tick before the switch, so drain for a moment first.
	alive.Store(false)
	for next(t, c, 60*time.Millisecond) != "" {
	}
	if got := next(t, c, 200*time.Millisecond); got != "" {
		t.Fatalf("got %q after alive() turned false, want silence", got)
	}

	// Progress again before systemd gave up: pings resume.
	alive.Store(true)
	if got := next(t, c, 2*time.Second); got != "WATCHDOG=1" {
		t.Fatalf("after recovery got %q, want WATCHDOG=1", got)
	}

	cancel()
	wg.Wait()
	for next(t, c, 10*time.Millisecond) != "" {
	}
	if got := next(t, c, 100*time.Millisecond); strings.Contains(got, "WATCHDOG") {
		t.Fatalf("ping %q after ctx was cancelled", got)
	}
}

func TestWatchdogForAnotherPID(t *testing.T) {
	fakeSystemd(t)
	t.Setenv("WATCHDOG_USEC", "40000")
	t.Setenv("WATCHDOG_PID", "1") // meant for PID 1, not us
	done := make(chan struct{})
	go func() { Watchdog(context.Background(), func() bool { return true }); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Watchdog for another PID did not return")
	}
}
