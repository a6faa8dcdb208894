//go:build !linux

package fsutil

import (
	"fmt"
	"os"
	"path/filepath"
)

// SyncFS makes the files in paths (written with WriteFileNoSync) and their
// directories durable, one fsync each (Linux syncs the filesystem at once).
func SyncFS(dir string, paths []string) error {
	dirs := map[string]bool{}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("open %q: %w", p, err)
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return fmt.Errorf("fsync %q: %w", p, err)
		}
		dirs[filepath.Dir(p)] = true
	}
	for d := range dirs {
		if err := SyncDir(d); err != nil {
			return err
		}
	}
	return nil
}
