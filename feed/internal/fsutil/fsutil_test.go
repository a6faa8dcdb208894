package fsutil

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileNoSyncThenSyncFS(t *testing.T) {
	for _, n := range []int{0, 3, syncEach + 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			dir := t.TempDir()
			var paths []string
			for i := range n {
				p := filepath.Join(dir, fmt.Sprintf("f%03d", i))
				if err := WriteFileNoSync(p, []byte(p), 0o640); err != nil {
					t.Fatal(err)
				}
				paths = append(paths, p)
			}
			if err := SyncFS(dir, paths); err != nil {
				t.Fatal(err)
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != n {
				t.Errorf("%d entries, want %d (temp files left?)", len(ents), n)
			}
			for _, p := range paths {
				b, err := os.ReadFile(p)
				fi, _ := os.Stat(p)
				if err != nil || string(b) != p || fi.Mode().Perm() != 0o640 {
					t.Errorf("%s: %q, %v, %v", p, b, err, fi.Mode())
				}
			}
		})
	}
	if err := WriteFileNoSync(filepath.Join(t.TempDir(), "no", "such", "dir"), nil, 0o644); err == nil || !strings.Contains(err.Error(), "create temp") {
		t.Errorf("write into a missing dir: %v", err)
	}
}
