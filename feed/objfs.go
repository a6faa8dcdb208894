package feed

import (
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// objFS presents a version's relpaths as a read-only fs.FS whose files are
// read from the content-addressed object store, so nothing is copied and two
// versions share unchanged files.
type objFS struct {
	objects string
	files   map[string]fileRec
	dirs    map[string][]fs.DirEntry // dir relpath ("." for root) → sorted entries
}

func newObjFS(objects string, files map[string]fileRec) *objFS {
	o := &objFS{objects: objects, files: files, dirs: map[string][]fs.DirEntry{".": nil}}
	seen := map[string]bool{}
	for rel, fr := range files {
		child, isFile := rel, true
		for {
			parent := path.Dir(child)
			key := parent + "\x00" + child
			if !seen[key] {
				seen[key] = true
				var info fs.FileInfo = &objInfo{name: path.Base(child), size: fr.Length}
				if !isFile {
					info = &objInfo{name: path.Base(child), dir: true}
				}
				o.dirs[parent] = append(o.dirs[parent], fs.FileInfoToDirEntry(info))
			}
			if parent == "." {
				break
			}
			child, isFile = parent, false
		}
	}
	for _, ents := range o.dirs {
		slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	}
	return o
}

func (o *objFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if fr, ok := o.files[name]; ok {
		fh, err := os.Open(filepath.Join(o.objects, fr.SHA256))
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &objFile{File: fh, info: &objInfo{name: path.Base(name), size: fr.Length}}, nil
	}
	if ents, ok := o.dirs[name]; ok {
		return &objDir{info: &objInfo{name: path.Base(name), dir: true}, ents: ents}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func (o *objFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	ents, ok := o.dirs[name]
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(ents), nil
}

type objInfo struct {
	name string
	size int64
	dir  bool
}

func (i *objInfo) Name() string { return i.name }
func (i *objInfo) Size() int64  { return i.size }
func (i *objInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i *objInfo) ModTime() time.Time { return time.Time{} }
func (i *objInfo) IsDir() bool        { return i.dir }
func (i *objInfo) Sys() any           { return nil }

// objFile reports the relpath's name, not the object's hash name.
type objFile struct {
	*os.File
	info *objInfo
}

func (f *objFile) Stat() (fs.FileInfo, error) { return f.info, nil }

// ReadDir hides *os.File's method: a regular file has no entries.
func (f *objFile) ReadDir(int) ([]fs.DirEntry, error) {
	return nil, &fs.PathError{Op: "readdir", Path: f.info.name, Err: fs.ErrInvalid}
}

type objDir struct {
	info *objInfo
	ents []fs.DirEntry
	off  int
}

func (d *objDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *objDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: fs.ErrInvalid}
}
func (d *objDir) Close() error { return nil }

func (d *objDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.ents[d.off:]
	if n <= 0 {
		d.off = len(d.ents)
		return slices.Clone(rest), nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return slices.Clone(rest[:n]), nil
}
