package fsutil

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// SyncFS makes every write to the filesystem holding dir durable (syncfs
// (2)): one call after many WriteFileNoSync instead of two fsyncs per file.
// paths is unused on Linux.
func SyncFS(dir string, paths []string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir %q: %w", dir, err)
	}
	defer d.Close()
	if err := unix.Syncfs(int(d.Fd())); err != nil {
		return fmt.Errorf("syncfs %q: %w", dir, err)
	}
	return nil
}
