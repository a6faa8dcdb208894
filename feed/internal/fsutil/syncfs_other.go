//go:build !linux

package fsutil

// SyncFS makes the files in paths (written with WriteFileNoSync) and their
// directories durable, one fsync each (Linux syncs the filesystem at once).
func SyncFS(dir string, paths []string) error {
	return syncEachFile(paths)
}
