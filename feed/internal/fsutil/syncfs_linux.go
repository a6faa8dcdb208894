package fsutil

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// SyncFS makes the files in paths, written with WriteFileNoSync, durable
// with their directories. A few are fsynced one by one; for many, one
// syncfs(2) of the filesystem holding dir replaces two fsyncs per file
// (it also flushes whatever else is dirty there, which for a handful of
// files would cost more than it saves).
func SyncFS(dir string, paths []string) error {
	if len(paths) <= syncEach {
		return syncEachFile(paths)
	}
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
