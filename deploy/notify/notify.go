// Package notify tells systemd how the agent is doing: READY=1 once it is
// serving, and WATCHDOG=1 pings only while the agent's own loops make
// progress, so that a hung frame loop or sync loop gets the service
// restarted (sunboard.service has Type=notify and WatchdogSec=30).
//
// Outside systemd (NOTIFY_SOCKET unset) every call is a no-op, so the agent
// can call these unconditionally, also in tests and `sunboard demo`.
package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Ready reports READY=1: the agent has loaded its config and content store
// and started its loops. Until it is sent, systemd keeps the unit in
// "activating" and counts TimeoutStartSec.
func Ready() error {
	return send(daemon.SdNotifyReady)
}

// Stopping reports STOPPING=1 at the start of a clean shutdown, so that
// systemd does not mistake the missing watchdog pings during shutdown for a
// hang.
func Stopping() error {
	return send(daemon.SdNotifyStopping)
}

// Status sets the free-form status line shown by `systemctl status`.
func Status(s string) error {
	return send("STATUS=" + s)
}

func send(state string) error {
	// unsetEnvironment=false: the agent may notify many times, and child
	// processes it starts (none today) are not ours to reason about.
	if _, err := daemon.SdNotify(false, state); err != nil {
		return fmt.Errorf("sd_notify %q: %w", state, err)
	}
	return nil
}

// Watchdog sends WATCHDOG=1 every half of WATCHDOG_USEC for as long as ctx
// lives, but only on ticks where alive() returns true. alive should report
// whether the frame loop and the sync loop both progressed recently; when it
// returns false the pings stop, and systemd kills and restarts the service
// after WatchdogSec. Pings resume if alive() turns true again before that.
//
// Watchdog blocks: run it in its own goroutine. It returns at once when the
// service manager did not ask for a watchdog (WATCHDOG_USEC unset, or set
// for another PID) or when WATCHDOG_USEC is malformed.
func Watchdog(ctx context.Context, alive func() bool) {
	timeout, err := daemon.SdWatchdogEnabled(false)
	if err != nil || timeout <= 0 {
		return
	}
	// Half the timeout, as sd_watchdog_enabled(3) recommends: one late tick
	// (a GC pause, a slow SD card) must not cost a restart.
	interval := max(timeout/2, time.Millisecond)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if alive() {
			// A failed send is not worth stopping for: the next tick tries
			// again, and if the socket is gone systemd is gone too.
			_ = send(daemon.SdNotifyWatchdog)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
