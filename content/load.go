package content

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"image"
	_ "image/jpeg" // receipts are phone photos
	_ "image/png"
	"io"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"
)

// Error is one problem in a content folder, located so a clerk can find it.
type Error struct {
	File  string
	Line  int    // 1-based; 0 when the whole file is concerned
	Field string // front matter key or table column, when known
	Msg   string // English, for logs and the county's operators
	Zh    string // the same in Chinese, for the clerk who fixes it
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
	if e.Zh != "" {
		b.WriteString(" / ")
		b.WriteString(e.Zh)
	}
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

// biError is an error with a Chinese twin, so helpers can report in both
// languages through an ordinary error value.
type biError struct{ en, zh string }

func (e *biError) Error() string { return e.en }

func bi(en, zh string) error { return &biError{en, zh} }

// zhOf returns the Chinese text of err, or "" when it has none.
func zhOf(err error) string {
	var b *biError
	if errors.As(err, &b) {
		return b.zh
	}
	return ""
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
	// ApprovedBy / Approved: the township office that approved the item
	// and the day it did, shown on screens (审核：古城街道农经站 2026-11-02).
	ApprovedBy string `yaml:"approved_by"`
	Approved   string `yaml:"approved"`
	// PhotosReviewed is the clerk's statement that the item's photos were
	// looked at for ID, phone and bank numbers, which no scanner finds in
	// a picture; required for photos in subsidy categories.
	PhotosReviewed bool `yaml:"photos_reviewed"`
	// Withdrawn / WithdrawReason: the county takes an item back before its
	// 公示期 ends; boards then show a withdrawal notice with the reason
	// for the rest of the window, never silence.
	Withdrawn      string `yaml:"withdrawn"`
	WithdrawReason string `yaml:"withdraw_reason"`
	// Number is the item's 编号 on screens when the village has its own
	// numbering (2026-财-07); without it one is made from the file name.
	Number string `yaml:"number"`
}

var villageIDPattern = regexp.MustCompile(`^[0-9]{6}-[0-9]{3}-[0-9]{3}$`)

// itemIDPattern keeps item ids safe as file names, URL parts and TUF
// target path segments.
var itemIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// subsidyWords mark categories whose items list households (低保, 特困,
// subsidies): their photos are likely to show ID cards or bank books.
var subsidyWords = []string{"社会救助", "低保", "特困", "救助", "救济", "补贴", "补助", "惠农", "扶贫", "福利", "优抚"}

// IsSubsidyCategory reports whether items of category list households
// and so need photos_reviewed before photos are published.
func IsSubsidyCategory(category string) bool {
	for _, w := range subsidyWords {
		if strings.Contains(category, w) {
			return true
		}
	}
	return false
}

// Load parses and validates a village folder. On any problem it returns
// Errors listing all of them, and no Village: half-valid content is never
// shown.
func Load(fsys fs.FS) (*Village, error) {
	var errs Errors
	v := &Village{FS: fsys}

	raw, err := fs.ReadFile(fsys, "village.toml")
	if err != nil {
		return nil, Errors{{File: "village.toml", Msg: fmt.Sprintf("cannot read: %v", err), Zh: "读不到 village.toml（村信息文件），请放在文件夹最上层"}}
	}
	var vf villageFile
	md, err := toml.Decode(string(raw), &vf)
	if err != nil {
		e := &Error{File: "village.toml", Msg: err.Error(), Zh: "village.toml 格式有误：" + err.Error()}
		var perr toml.ParseError
		if errors.As(err, &perr) {
			e.Line = perr.Position.Line
			e.Msg = perr.Message
			e.Zh = fmt.Sprintf("village.toml 第%d行格式有误", perr.Position.Line)
		}
		return nil, Errors{e}
	}
	for _, k := range md.Undecoded() {
		errs = append(errs, &Error{File: "village.toml", Field: k.String(), Msg: "unknown key", Zh: "未知的设置项，请检查拼写"})
	}
	v.ID, v.Name, v.Township, v.TownshipName, v.County, v.Feedback =
		vf.ID, vf.Name, vf.Township, vf.TownshipName, vf.County, vf.Feedback
	switch {
	case !villageIDPattern.MatchString(v.ID):
		errs = append(errs, &Error{File: "village.toml", Field: "id", Msg: fmt.Sprintf("%q is not a village id like 370783-101-001", v.ID),
			Zh: fmt.Sprintf("村编号“%s”不对，应像 370783-101-001（县-乡镇-村）", v.ID)})
	case v.Township == "":
		v.Township = v.ID[:10]
	case v.Township != v.ID[:10]:
		errs = append(errs, &Error{File: "village.toml", Field: "township", Msg: fmt.Sprintf("%q does not match village id %q", v.Township, v.ID),
			Zh: fmt.Sprintf("乡镇编号“%s”与村编号“%s”的前十位不一致", v.Township, v.ID)})
	}
	if v.Name == "" {
		errs = append(errs, &Error{File: "village.toml", Field: "name", Msg: "missing", Zh: "缺少村名"})
	}

	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, Errors{{File: ".", Msg: fmt.Sprintf("cannot list folder: %v", err), Zh: "无法读取文件夹内容"}}
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
	items, cerrs := loadCountyItems(fsys, v.ID)
	v.Items = append(v.Items, items...)
	errs = append(errs, cerrs...)
	sort.Slice(v.Items, func(i, j int) bool { return v.Items[i].ID < v.Items[j].ID })
	seen := map[string]*Item{}
	for _, it := range v.Items {
		if o := seen[it.Code]; o != nil {
			errs = append(errs, &Error{File: itemFile(it), Field: "number",
				Msg: fmt.Sprintf("编号 %s is also the 编号 of %s: give one of them its own (number: …)", it.Code, itemFile(o)),
				Zh:  fmt.Sprintf("编号 %s 与 %s 重复，村民报编号时无法区分：请在其中一个的文件头写 number: 指定编号", it.Code, itemFile(o))})
		}
		seen[it.Code] = it
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return v, nil
}

// itemFile is the file an item was read from, for errors.
func itemFile(it *Item) string {
	if id, ok := strings.CutPrefix(it.ID, "county-"); ok {
		return path.Join(CountyDir, id+".md")
	}
	return it.ID + ".md"
}

// ItemCode makes an item's 编号 from its file name when the front matter
// gives none. Villagers read it out on the phone, and many cannot read
// Latin letters: a name of digits and dashes (2026-11-07) is used as it
// is; otherwise the name's leading date (2026-11-) is kept and the rest
// becomes three digits derived from the whole name (2026-11-cold-wave →
// 2026-11-xxx), the same for as long as the file keeps its name.
func ItemCode(id string) string {
	if strings.Trim(id, "0123456789-") == "" {
		return id
	}
	prefix := id[:len(id)-len(strings.TrimLeft(id, "0123456789-"))]
	if i := strings.LastIndexByte(prefix, '-'); i >= 0 {
		prefix = prefix[:i+1]
	} else {
		prefix = ""
	}
	h := fnv.New32a()
	h.Write([]byte(id))
	return fmt.Sprintf("%s%03d", prefix, 100+h.Sum32()%900)
}

// CountyDir is the subfolder holding county-wide items (policies, urgent
// notices the county alone signs for every village); the feed places them
// there beside the village's own files.
const CountyDir = "county"

// loadCountyItems reads county/*.md as items. Their ids get a "county-"
// prefix so they never collide with a village item, and their photos and
// tables are resolved inside county/.
func loadCountyItems(fsys fs.FS, villageID string) ([]*Item, Errors) {
	sub, err := fs.Sub(fsys, CountyDir)
	if err != nil {
		return nil, nil
	}
	entries, err := fs.ReadDir(sub, ".")
	if err != nil {
		return nil, nil // no county items
	}
	var items []*Item
	var errs Errors
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".md") || strings.EqualFold(e.Name(), "README.md") {
			continue
		}
		it, ierrs := loadItem(sub, villageID, e.Name())
		for _, ie := range ierrs {
			ie.File = path.Join(CountyDir, ie.File)
		}
		errs = append(errs, ierrs...)
		if it == nil {
			continue
		}
		it.ID = "county-" + it.ID
		it.Number = villageID + "-" + it.ID
		it.Code = "县" + it.Code // never the same as a village item's
		for i := range it.Body {
			if it.Body[i].Kind == Image {
				it.Body[i].Src = path.Join(CountyDir, it.Body[i].Src)
			}
		}
		if it.TableFile != "" {
			it.TableFile = path.Join(CountyDir, it.TableFile)
		}
		if it.Table != nil {
			for i, src := range it.Table.Voucher {
				if src != "" {
					it.Table.Voucher[i] = path.Join(CountyDir, src)
				}
			}
		}
		items = append(items, it)
	}
	return items, errs
}

// personalMsg is the message for a personal number found in a field.
func personalMsg(kind string) (en, zh string) {
	article := "a"
	if kind == KindID {
		article = "an"
	}
	return fmt.Sprintf("contains %s %s: personal data must not be published", article, kind),
		fmt.Sprintf("含有%s，个人信息不得公开：请删除或按县里规定打码", kindZh(kind))
}

func kindZh(kind string) string {
	switch kind {
	case KindID:
		return "身份证号"
	case KindMobile:
		return "手机号"
	case KindBank:
		return "银行卡号"
	case KindPhone:
		return "电话号码"
	case KindHealth:
		return "健康状况（病情、残疾等）"
	}
	return kind
}

func loadItem(fsys fs.FS, villageID, name string) (*Item, Errors) {
	var errs Errors
	fail := func(line int, field, en, zh string) {
		errs = append(errs, &Error{File: name, Line: line, Field: field, Msg: en, Zh: zh})
	}
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		fail(0, "", fmt.Sprintf("cannot read: %v", err), "无法读取此文件")
		return nil, errs
	}
	raw = bytes.TrimPrefix(raw, []byte("\ufeff")) // Notepad on Windows adds a BOM
	id := strings.TrimSuffix(name, ".md")
	if !itemIDPattern.MatchString(id) {
		fail(0, "", fmt.Sprintf("file name %q: use letters, digits, '-', '_' or '.' only (e.g. 2026-10-finance.md)", name),
			fmt.Sprintf("文件名“%s”只能用英文字母、数字、“-”“_”“.”，如 2026-10-finance.md", name))
	}
	head, body, bodyLine, ok := splitFrontMatter(raw)
	if !ok {
		fail(1, "", "missing front matter: the file must start with a line '---', then title/category/publish/until, then '---'",
			"缺少文件头：第一行写“---”，接着写 title/category/publish/until，再写一行“---”")
		return nil, errs
	}
	var fm frontMatter
	dec := yaml.NewDecoder(bytes.NewReader(head))
	dec.KnownFields(true)
	if err := dec.Decode(&fm); err != nil && !errors.Is(err, io.EOF) {
		fail(2, "", fmt.Sprintf("front matter: %v", err), "文件头（两行“---”之间）写法有误："+err.Error())
		return nil, errs
	}
	it := &Item{ID: id, Number: villageID + "-" + id, Code: ItemCode(id), Title: strings.TrimSpace(fm.Title), Category: strings.TrimSpace(fm.Category)}
	lineOf := func(key string) int { return 1 + keyLine(head, key) }
	if n := strings.TrimSpace(fm.Number); n != "" {
		if utf8.RuneCountInString(n) > 20 || strings.ContainsAny(n, " \t\u3000") {
			fail(lineOf("number"), "number", fmt.Sprintf("%q: at most 20 characters, no spaces", n),
				fmt.Sprintf("编号（number）“%s”不能超过20个字，也不能有空格", n))
		}
		it.Code = n
	}
	if it.Title == "" {
		fail(lineOf("title"), "title", "missing", "缺少标题（title）")
	}
	if it.Category == "" {
		fail(lineOf("category"), "category", "missing (e.g. 财务公开/收支情况)", "缺少类别（category），如 财务公开/收支情况")
	}
	var perr error
	if it.Publish, perr = parseDate(fm.Publish); perr != nil {
		fail(lineOf("publish"), "publish", perr.Error(), "公示开始日期："+zhOf(perr))
	}
	if it.Until, perr = parseDate(fm.Until); perr != nil {
		fail(lineOf("until"), "until", perr.Error(), "公示截止日期："+zhOf(perr))
	}
	if perr == nil && !it.Publish.IsZero() && it.Until.Before(it.Publish) {
		fail(lineOf("until"), "until", fmt.Sprintf("%s is before publish %s", fm.Until, fm.Publish),
			fmt.Sprintf("截止日期 %s 早于开始日期 %s", fm.Until, fm.Publish))
	}
	switch strings.TrimSpace(fm.Priority) {
	case "", "normal":
	case "urgent":
		it.Priority = Urgent
	default:
		fail(lineOf("priority"), "priority", fmt.Sprintf("%q: use normal or urgent", fm.Priority),
			fmt.Sprintf("“%s”不对：普通写 normal，紧急写 urgent", fm.Priority))
	}
	for _, p := range findPersonalData(it.Title) {
		en, zh := personalMsg(p)
		fail(lineOf("title"), "title", en, zh)
	}
	it.ApprovedBy = strings.TrimSpace(fm.ApprovedBy)
	switch a := strings.TrimSpace(fm.Approved); {
	case it.ApprovedBy == "" && a == "":
	case it.ApprovedBy == "":
		fail(lineOf("approved"), "approved_by", "approved is set but approved_by is missing: name the office that approved (e.g. 古城街道农经站)",
			"填了审核日期（approved）但没有填审核单位（approved_by），如 古城街道农经站")
	case a == "":
		fail(lineOf("approved_by"), "approved", "approved_by is set but the approval date approved is missing (e.g. 2026-11-02)",
			"填了审核单位（approved_by）但没有填审核日期（approved），如 2026-11-02")
	default:
		if it.Approved, perr = parseDate(a); perr != nil {
			fail(lineOf("approved"), "approved", perr.Error(), "审核日期："+zhOf(perr))
		} else if !it.Publish.IsZero() && it.Approved.After(it.Publish) {
			fail(lineOf("approved"), "approved", fmt.Sprintf("approved %s is after publish %s: an item is approved before it is shown", a, fm.Publish),
				fmt.Sprintf("审核日期 %s 晚于公示开始日期 %s：须先审核后公开", a, fm.Publish))
		}
		if n := utf8.RuneCountInString(it.ApprovedBy); n > 24 {
			fail(lineOf("approved_by"), "approved_by", fmt.Sprintf("%q is %d characters: at most 24 fit a board's header", it.ApprovedBy, n),
				fmt.Sprintf("审核单位“%s”有%d个字，最多24个字（屏幕标题栏放不下）", it.ApprovedBy, n))
		}
		for _, p := range findPersonalData(it.ApprovedBy) {
			en, zh := personalMsg(p)
			fail(lineOf("approved_by"), "approved_by", en, zh)
		}
	}

	it.WithdrawReason = strings.TrimSpace(fm.WithdrawReason)
	switch w := strings.TrimSpace(fm.Withdrawn); {
	case w == "" && it.WithdrawReason == "":
	case w == "":
		fail(lineOf("withdraw_reason"), "withdrawn", "withdraw_reason is set but the withdrawal date withdrawn is missing",
			"填了撤回原因（withdraw_reason）但没有填撤回日期（withdrawn）")
	case it.WithdrawReason == "":
		fail(lineOf("withdrawn"), "withdraw_reason", "a withdrawn item must say why (withdraw_reason): villagers are told the reason",
			"撤回的事项必须写明撤回原因（withdraw_reason），屏幕上要向村民说明")
	default:
		if it.Withdrawn, perr = parseDate(w); perr != nil {
			fail(lineOf("withdrawn"), "withdrawn", perr.Error(), "撤回日期："+zhOf(perr))
		} else if !it.Publish.IsZero() && (it.Withdrawn.Before(it.Publish) || it.Withdrawn.After(it.Until)) {
			fail(lineOf("withdrawn"), "withdrawn", fmt.Sprintf("withdrawn %s is outside the 公示期 %s to %s", w, fm.Publish, fm.Until),
				fmt.Sprintf("撤回日期 %s 不在公示期 %s 至 %s 之内", w, fm.Publish, fm.Until))
		}
		for _, p := range findPersonalData(it.WithdrawReason) {
			en, zh := personalMsg(p)
			fail(lineOf("withdraw_reason"), "withdraw_reason", en, zh)
		}
	}

	blocks, berrs := parseBody(body)
	for _, e := range berrs {
		fail(bodyLine+e.line-1, "", e.msg, e.zh)
	}
	it.Body = blocks
	var photos []int // lines of photos, for the review check
	for _, b := range blocks {
		if b.Kind == Image {
			photos = append(photos, bodyLine+b.Level-1)
			if err := checkImage(fsys, b.Src); err != nil {
				fail(bodyLine+b.Level-1, "", err.Error(), zhOf(err))
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
					photos = append(photos, 0)
					if err := checkImage(fsys, src); err != nil {
						errs = append(errs, &Error{File: it.TableFile, Msg: err.Error(), Zh: zhOf(err)})
					}
				}
			}
		}
	}
	if len(photos) > 0 && IsSubsidyCategory(it.Category) && !fm.PhotosReviewed {
		fail(lineOf("category"), "photos_reviewed", fmt.Sprintf("%d photo(s) in subsidy category %s: photos cannot be scanned for ID, phone or bank numbers; check each one, then add 'photos_reviewed: true'", len(photos), it.Category),
			fmt.Sprintf("救助/补贴类（%s）事项带有%d张照片，系统无法识别照片里的身份证号、手机号、银行卡号：请逐张核对后在文件头加上 photos_reviewed: true", it.Category, len(photos)))
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
		return time.Time{}, bi("missing date (write it as 2026-11-01)", "缺少日期，请写成 2026-11-01")
	}
	for _, layout := range []string{"2006-01-02", "2006/01/02", "2006年1月2日"} {
		if t, err := time.ParseInLocation(layout, s, ChinaTime); err == nil {
			return t, nil
		}
	}
	return time.Time{}, bi(fmt.Sprintf("%q is not a date like 2026-11-01", s), fmt.Sprintf("“%s”不是日期，请写成 2026-11-01", s))
}

func checkImage(fsys fs.FS, src string) error {
	if src == "" || path.IsAbs(src) || strings.HasPrefix(path.Clean(src), "..") || strings.Contains(src, "://") {
		return bi(fmt.Sprintf("photo %q: must be a file inside the folder, e.g. photos/r1.jpg", src),
			fmt.Sprintf("照片“%s”必须是本文件夹里的文件，如 photos/r1.jpg", src))
	}
	f, err := fsys.Open(path.Clean(src))
	if err != nil {
		return bi(fmt.Sprintf("photo %q: %v", src, err), fmt.Sprintf("找不到照片“%s”", src))
	}
	defer f.Close()
	if _, _, err := image.DecodeConfig(f); err != nil {
		return bi(fmt.Sprintf("photo %q: not a JPEG or PNG image: %v", src, err),
			fmt.Sprintf("照片“%s”不是 JPEG 或 PNG 图片（手机 HEIC 照片请先转成 JPEG）", src))
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

// ParseTime reads a --at flag: RFC 3339, or a China wall time
// "2006-01-02T15:04" / "2006-01-02"; "" is now.
func ParseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, ChinaTime); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--at %q: want 2026-11-22T09:30 (China time) or RFC 3339", s)
}
