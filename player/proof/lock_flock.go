//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package proof

import (
	"os"
	"syscall"
)

// lock takes an exclusive advisory lock on f, so a second agent (a
// restart that overlaps the old process) cannot append to the same log and
// fork its chain. The kernel drops it when f is closed or the process dies.
func lock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}
