package content

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // receipts are phone photos
	_ "image/png"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"
)

// Error is one problem in a content folder, located so a clerk can find it.
type Error struct {
	File  string
	Line  int    // 1-based; 0 when the whole file is concerned
	Field string // front matter key or table column, when known
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": %s", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one folder: a clerk fixes them all in
// one go rather than one per publish attempt.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// villageFile is village.toml.
type villageFile struct {
	ID           string `toml:"id"`
	Name         string `toml:"name"`
	Township     string `toml:"township"`
	TownshipName string `toml:"township_name"`
	County       string `toml:"county"`
	Feedback     string `toml:"feedback"`
}

// frontMatter is an item's YAML header.
type frontMatter struct {
	Title    string `yaml:"title"`
	Category string `yaml:"category"`
	Publish  string `yaml:"publish"`
	Until    string `yaml:"until"`
	Priority string `yaml:"priority"`
	Table    string `yaml:"table"`
}

var villageIDPattern = regexp.MustCompile(`^[0-9]{6}-[0-9]{3}-[0-9]{3}$`)

// itemIDPattern keeps item ids safe as file names, URL parts and TUF
// target path segments.
var itemIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Load parses and validates a village folder. On any problem it returns
// Errors listing all of them, and no Village: half-valid content is never
// shown.
func Load(fsys fs.FS) (*Village, error) {
	var errs Errors
	v := &Village{FS: fsys}

	raw, err := fs.ReadFile(fsys, "village.toml")
	if err != nil {
		return nil, Errors{{File: "village.toml", Msg: fmt.Sprintf("cannot read: %v", err)}}
	}
	var vf villageFile
	md, err := toml.Decode(string(raw), &vf)
	if err != nil {
		e := &Error{File: "village.toml", Msg: err.Error()}
		var perr toml.ParseError
		if errors.As(err, &perr) {
			e.Line = perr.Position.Line
			e.Msg = perr.Message
		}
		return nil, Errors{e}
	}
	for _, k := range md.Undecoded() {
		errs = append(errs, &Error{File: "village.toml", Field: k.String(), Msg: "unknown key"})
	}
	v.ID, v.Name, v.Township, v.TownshipName, v.County, v.Feedback =
		vf.ID, vf.Name, vf.Township, vf.TownshipName, vf.County, vf.Feedback
	switch {
	case !villageIDPattern.MatchString(v.ID):
		errs = append(errs, &Error{File: "village.toml", Field: "id", Msg: fmt.Sprintf("%q is not a village id like 370783-101-001", v.ID)})
	case v.Township == "":
		v.Township = v.ID[:10]
	case v.Township != v.ID[:10]:
		errs = append(errs, &Error{File: "village.toml", Field: "township", Msg: fmt.Sprintf("%q does not match village id %q", v.Township, v.ID)})
	}
	if v.Name == "" {
		errs = append(errs, &Error{File: "village.toml", Field: "name", Msg: "missing"})
	}

	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, Errors{{File: ".", Msg: fmt.Sprintf("cannot list folder: %v", err)}}
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".md") || strings.EqualFold(e.Name(), "README.md") {
			continue
		}
		it, ierrs := loadItem(fsys, v.ID, e.Name())
		errs = append(errs, ierrs...)
		if it != nil {
			v.Items = append(v.Items, it)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	sort.Slice(v.Items, func(i, j int) bool { return v.Items[i].ID < v.Items[j].ID })
	return v, nil
}

func loadItem(fsys fs.FS, villageID, name string) (*Item, Errors) {
	var errs Errors
	fail := func(line int, field, format string, args ...any) {
		errs = append(errs, &Error{File: name, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		fail(0, "", "cannot read: %v", err)
		return nil, errs
	}
	raw = bytes.TrimPrefix(raw, []byte("\ufeff")) // Notepad on Windows adds a BOM
	id := strings.TrimSuffix(name, ".md")
	if !itemIDPattern.MatchString(id) {
		fail(0, "", "file name %q: use letters, digits, '-', '_' or '.' only (e.g. 2026-10-finance.md)", name)
	}
	head, body, bodyLine, ok := splitFrontMatter(raw)
	if !ok {
		fail(1, "", "missing front matter: the file must start with a line '---', then title/category/publish/until, then '---'")
		return nil, errs
	}
	var fm frontMatter
	dec := yaml.NewDecoder(bytes.NewReader(head))
	dec.KnownFields(true)
	if err := dec.Decode(&fm); err != nil {
		fail(2, "", "front matter: %v", err)
		return nil, errs
	}
	it := &Item{ID: id, Number: villageID + "-" + id, Title: strings.TrimSpace(fm.Title), Category: strings.TrimSpace(fm.Category)}
	lineOf := func(key string) int { return 1 + keyLine(head, key) }
	if it.Title == "" {
		fail(lineOf("title"), "title", "missing")
	}
	if it.Category == "" {
		fail(lineOf("category"), "category", "missing (e.g. 财务公开/收支情况)")
	}
	var perr error
	if it.Publish, perr = parseDate(fm.Publish); perr != nil {
		fail(lineOf("publish"), "publish", "%v", perr)
	}
	if it.Until, perr = parseDate(fm.Until); perr != nil {
		fail(lineOf("until"), "until", "%v", perr)
	}
	if perr == nil && !it.Publish.IsZero() && it.Until.Before(it.Publish) {
		fail(lineOf("until"), "until", "%s is before publish %s", fm.Until, fm.Publish)
	}
	switch strings.TrimSpace(fm.Priority) {
	case "", "normal":
	case "urgent":
		it.Priority = Urgent
	default:
		fail(lineOf("priority"), "priority", "%q: use normal or urgent", fm.Priority)
	}
	for _, p := range findPersonalData(it.Title) {
		fail(lineOf("title"), "title", "contains a %s: personal data must not be published", p)
	}

	blocks, berrs := parseBody(body)
	for _, e := range berrs {
		fail(bodyLine+e.line-1, "", "%s", e.msg)
	}
	it.Body = blocks
	for _, b := range blocks {
		if b.Kind == Image {
			if err := checkImage(fsys, b.Src); err != nil {
				fail(bodyLine+b.Level-1, "", "%v", err)
			}
		}
	}
	if fm.Table != "" {
		it.TableFile = path.Clean(fm.Table)
		t, terrs := loadTable(fsys, it.TableFile)
		errs = append(errs, terrs...)
		it.Table = t
		if t != nil {
			for _, src := range t.Voucher {
				if src != "" {
					if err := checkImage(fsys, src); err != nil {
						errs = append(errs, &Error{File: it.TableFile, Msg: err.Error()})
					}
				}
			}
		}
	}
	// Image blocks used Level to carry their line for the messages above.
	for i := range it.Body {
		if it.Body[i].Kind == Image {
			it.Body[i].Level = 0
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return it, nil
}

// splitFrontMatter splits "---\nyaml\n---\nbody". bodyLine is the 1-based
// line where the body starts, so body errors point into the file.
func splitFrontMatter(raw []byte) (head, body []byte, bodyLine int, ok bool) {
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	if !bytes.HasPrefix(raw, []byte("---\n")) {
		return nil, nil, 0, false
	}
	rest := raw[4:]
	end := bytes.Index(rest, []byte("\n---"))
	if end < 0 {
		return nil, nil, 0, false
	}
	head = rest[:end+1]
	after := rest[end+4:]
	if i := bytes.IndexByte(after, '\n'); i >= 0 {
		after = after[i+1:]
	} else {
		after = nil
	}
	bodyLine = 2 + bytes.Count(head, []byte("\n")) + 1
	return head, after, bodyLine, true
}

// keyLine finds the 1-based line of key in the YAML header (0 if absent),
// so an error names the line the clerk must fix.
func keyLine(head []byte, key string) int {
	for i, l := range strings.Split(string(head), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), key+":") {
			return i + 1
		}
	}
	return 0
}

func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("missing date (write it as 2026-11-01)")
	}
	for _, layout := range []string{"2006-01-02", "2006/01/02", "2006年1月2日"} {
		if t, err := time.ParseInLocation(layout, s, ChinaTime); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date like 2026-11-01", s)
}

func checkImage(fsys fs.FS, src string) error {
	if src == "" || path.IsAbs(src) || strings.HasPrefix(path.Clean(src), "..") || strings.Contains(src, "://") {
		return fmt.Errorf("photo %q: must be a file inside the folder, e.g. photos/r1.jpg", src)
	}
	f, err := fsys.Open(path.Clean(src))
	if err != nil {
		return fmt.Errorf("photo %q: %v", src, err)
	}
	defer f.Close()
	if _, _, err := image.DecodeConfig(f); err != nil {
		return fmt.Errorf("photo %q: not a JPEG or PNG image: %v", src, err)
	}
	return nil
}

// ReadAll reads every file of a folder as relpath → bytes, the form
// sunpub signs. Hidden files (.DS_Store, editor backups) are left out.
func ReadAll(fsys fs.FS) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		out[p] = b
		return err
	})
	return out, err
}
