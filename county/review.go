package county

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing/fstest"
	"time"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/feed/publish"
	"github.com/sunboard/sunboard/fleet"
	"github.com/sunboard/sunboard/render"
)

// SubmissionsDir (in the repository directory) keeps, per village, who
// submitted each item's current content and when, and what sunpub masked
// in it: sunpub review shows it to the township reviewer. It is a note
// for people, not part of what is signed.
const SubmissionsDir = "submissions"

// submission is SubmissionsDir/<village>.json.
type submission struct {
	Items map[string]*submittedItem `json:"items"`
}

type submittedItem struct {
	// SHA256 identifies the item's content as published: its Markdown and
	// table (see itemDigest). A republish of the same content keeps At/By.
	SHA256 string              `json:"sha256"`
	At     time.Time           `json:"at"`
	By     string              `json:"by"`
	Masked []content.Redaction `json:"masked,omitempty"`
}

// itemDigest is the sha256 of an item's Markdown and table file as
// published (files: relpath → bytes).
func itemDigest(it *content.Item, files map[string][]byte) string {
	h := sha256.New()
	h.Write(files[it.ID+".md"])
	h.Write([]byte{0})
	if it.TableFile != "" {
		h.Write(files[it.TableFile])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// submitter is who runs sunpub publish: SUNPUB_USER, else the login name.
func submitter() string {
	if s := os.Getenv("SUNPUB_USER"); s != "" {
		return s
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

// recordSubmission updates SubmissionsDir/<village>.json for a village
// just published: items whose content changed get now and by.
func recordSubmission(repoDir string, v *content.Village, files map[string][]byte, reds []content.Redaction, now time.Time, by string) error {
	p := filepath.Join(repoDir, SubmissionsDir, v.ID+".json")
	var s submission
	if b, err := os.ReadFile(p); err == nil {
		if err := json.Unmarshal(b, &s); err != nil {
			s = submission{} // a damaged note is rewritten, never fatal
		}
	}
	old := s.Items
	s.Items = map[string]*submittedItem{}
	for _, it := range v.Items {
		if strings.HasPrefix(it.ID, content.CountyDir+"/") {
			continue
		}
		d := itemDigest(it, files)
		si := old[it.ID]
		if si == nil || si.SHA256 != d {
			si = &submittedItem{SHA256: d, At: now.UTC().Truncate(time.Second), By: by}
			si.Masked = nil
			for _, r := range reds {
				if r.File == it.ID+".md" || (it.TableFile != "" && r.File == it.TableFile) {
					si.Masked = append(si.Masked, r)
				}
			}
		}
		s.Items[it.ID] = si
	}
	b, err := json.MarshalIndent(&s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}

// ReviewOpts are the flags of sunpub review.
type ReviewOpts struct {
	// Township is the township id (370783-101) to list; "" lists every
	// delegated township. TownshipKey, when set, names the reviewer's key
	// file and Township is taken from it.
	Township, TownshipKey string
	// Display is profile:size for the previews (tv:1280x720).
	Display string
	// OutDir receives OUT/<village>/<NNN>-<item>.png, a contact sheet and
	// index.html per village.
	OutDir string
	// At is the moment pages are drawn for, China time ("" is now).
	At string
	// NoPreview lists the items without drawing them (the fleet page).
	NoPreview bool
}

// ReviewItem is one item waiting for a township's approval.
type ReviewItem struct {
	Village, VillageName string
	ID, Title, Category  string
	Removed              bool // the item is taken off the boards
	SubmittedAt          time.Time
	SubmittedBy          string
	Signatures, Needed   int
	Privacy              []string // findings, Chinese / English
	Screen               string   // the approval line boards show, "" if none
	Previews             []string // PNG paths, in play order
}

// Review is `sunpub review`: every item waiting for approval by the
// township, with its previews rendered by the same code as sunpub preview
// (exactly the staged bytes that sunpub approve signs).
func Review(repoDir string, o ReviewOpts, out io.Writer) ([]ReviewItem, error) {
	if o.TownshipKey != "" {
		twp, err := publish.KeyFileTownship(o.TownshipKey)
		if err != nil {
			return nil, err
		}
		if o.Township != "" && o.Township != twp {
			return nil, fmt.Errorf("--township %s but --township-key %s is for township %s", o.Township, o.TownshipKey, twp)
		}
		o.Township = twp
	}
	if o.Display == "" {
		o.Display = "tv:1280x720"
	}
	profile, size, _ := strings.Cut(o.Display, ":")
	prof, err := render.ParseProfile(profile, size)
	if err != nil {
		return nil, fmt.Errorf("--display %q: %w", o.Display, err)
	}
	at, err := content.ParseTime(o.At, time.Now())
	if err != nil {
		return nil, err
	}
	repo, err := publish.Open(repoDir)
	if err != nil {
		return nil, err
	}
	ws, err := repo.Waiting(o.Township)
	if err != nil {
		return nil, err
	}
	var items []ReviewItem
	for _, w := range ws {
		if w.Approved {
			fmt.Fprintf(out, "%s version %d: approved (%d/%d signatures), waits for sunpub publish --repo %s --finish / 已审核，待县里发布\n",
				w.Role, w.Version, w.Signatures, w.Threshold, repoDir)
			continue
		}
		if len(w.Listed) == 0 {
			continue // no village published yet: nothing to approve
		}
		if len(w.Villages) == 0 {
			fmt.Fprintf(out, "%s version %d: no item changed against what boards show, still needs the township's signature (first version after township add, or a renewal; %d/%d signatures) / 内容未变，仍需乡镇签名（首次委托或续签）\n",
				w.Role, w.Version, w.Signatures, w.Threshold)
			continue
		}
		for _, wv := range w.Villages {
			dir := filepath.Join(o.OutDir, wv.Village)
			if o.NoPreview {
				dir = ""
			}
			its, err := reviewVillage(repoDir, w, wv, prof, dir, at)
			if err != nil {
				return nil, err
			}
			items = append(items, its...)
		}
	}
	if len(items) == 0 {
		who := "any township / 各乡镇"
		if o.Township != "" {
			who = "township " + o.Township
		}
		fmt.Fprintf(out, "没有待审核的内容 / nothing is waiting for approval (%s)\n", who)
		return nil, nil
	}
	printReview(out, repoDir, items)
	return items, nil
}

// reviewVillage loads a staged village, picks its waiting items and
// renders them into dir ("" draws nothing).
func reviewVillage(repoDir string, w publish.Waiting, wv publish.WaitingVillage, prof render.Profile, dir string, at time.Time) ([]ReviewItem, error) {
	mfs := fstest.MapFS{}
	for p, b := range wv.Files {
		mfs[p] = &fstest.MapFile{Data: b, Mode: 0o644}
	}
	name := "staged " + wv.Village
	v, err := content.Load(mfs)
	if err != nil {
		return nil, fmt.Errorf("%s (%s):\n%w", name, w.File, err)
	}
	var sub submission
	if b, err := os.ReadFile(filepath.Join(repoDir, SubmissionsDir, wv.Village+".json")); err == nil {
		_ = json.Unmarshal(b, &sub) // a missing or damaged note shows as unknown
	}
	changed := map[string]bool{}
	for _, c := range wv.Changed {
		changed[c] = true
	}
	r, err := render.New(prof)
	if err != nil {
		return nil, err
	}
	var items []ReviewItem
	for _, it := range v.Items {
		if strings.HasPrefix(it.ID, content.CountyDir+"/") || !itemChanged(it, changed) {
			continue
		}
		ri := ReviewItem{Village: v.ID, VillageName: v.Name, ID: it.ID, Title: it.Title, Category: it.Category,
			Signatures: w.Signatures, Needed: w.Threshold}
		if si := sub.Items[it.ID]; si != nil && si.SHA256 == itemDigest(it, wv.Files) {
			ri.SubmittedAt, ri.SubmittedBy = si.At, si.By
			ri.Privacy = privacyFindings(it, si.Masked)
		} else {
			ri.Privacy = privacyFindings(it, nil)
		}
		if it.ApprovedBy != "" {
			ri.Screen = "审核：" + it.ApprovedBy + " " + it.Approved.In(content.ChinaTime).Format("2006-01-02")
		}
		if dir != "" {
			pages, err := r.Item(v, it)
			if err != nil {
				return nil, fmt.Errorf("%s/%s.md: %s: %w / 排版失败", name, it.ID, prof.Name, err)
			}
			files, err := writePreview(v, pages, prof, filepath.Join(dir, it.ID), at)
			if err != nil {
				return nil, err
			}
			ri.Previews = files
		}
		items = append(items, ri)
	}
	for _, rel := range wv.Removed {
		if id, ok := strings.CutSuffix(rel, ".md"); ok && !strings.Contains(rel, "/") && !strings.EqualFold(rel, "README.md") {
			items = append(items, ReviewItem{Village: v.ID, VillageName: v.Name, ID: id, Removed: true, Signatures: w.Signatures, Needed: w.Threshold})
		}
	}
	return items, nil
}

// itemChanged reports whether any file the item shows is new or changed.
func itemChanged(it *content.Item, changed map[string]bool) bool {
	if changed[it.ID+".md"] || (it.TableFile != "" && changed[it.TableFile]) {
		return true
	}
	for _, b := range it.Body {
		if b.Kind == content.Image && changed[b.Src] {
			return true
		}
	}
	if it.Table != nil {
		for _, s := range it.Table.Voucher {
			if s != "" && changed[s] {
				return true
			}
		}
	}
	return false
}

// privacyFindings summarises what the reviewer must know about personal
// data in the item: what sunpub masked, what no scanner can check.
func privacyFindings(it *content.Item, masked []content.Redaction) []string {
	var f []string
	if len(masked) > 0 {
		kinds := map[string]int{}
		for _, r := range masked {
			kinds[r.Kind]++
		}
		var ks []string
		for k, n := range kinds {
			ks = append(ks, fmt.Sprintf("%s×%d", k, n))
		}
		sort.Strings(ks)
		f = append(f, fmt.Sprintf("已遮盖%d处个人号码 / masked %d personal numbers: %s", len(masked), len(masked), strings.Join(ks, ", ")))
	}
	photos := 0
	for _, b := range it.Body {
		if b.Kind == content.Image {
			photos++
		}
	}
	if it.Table != nil {
		for _, s := range it.Table.Voucher {
			if s != "" {
				photos++
			}
		}
	}
	if photos > 0 {
		f = append(f, fmt.Sprintf("%d张照片须逐张核对有无身份证号、手机号、银行卡号 / %d photo(s): check each by eye, no scanner reads numbers in pictures", photos, photos))
	}
	if content.IsSubsidyCategory(it.Category) {
		f = append(f, "救助/补贴名单：屏幕显示户主姓名与金额 / subsidy list: names and amounts are shown")
	}
	if len(f) == 0 {
		f = append(f, "未发现个人号码 / no personal numbers found")
	}
	return f
}

func printReview(out io.Writer, repoDir string, items []ReviewItem) {
	fmt.Fprintf(out, "%d items wait for township approval / 待审核事项 %d 项:\n", len(items), len(items))
	var villages []string
	for _, it := range items {
		if !slices.Contains(villages, it.Village) {
			villages = append(villages, it.Village)
		}
		fmt.Fprintf(out, "\n%s %s  %s", it.Village, it.VillageName, it.ID)
		if it.Removed {
			fmt.Fprintf(out, "  撤下 / removed from boards\n")
			fmt.Fprintf(out, "  approvals 审核签名: %d/%d\n", it.Signatures, it.Needed)
			continue
		}
		fmt.Fprintf(out, "  「%s」 %s\n", it.Title, it.Category)
		if it.SubmittedBy != "" {
			fmt.Fprintf(out, "  submitted 提交: %s by %s\n", it.SubmittedAt.In(content.ChinaTime).Format("2006-01-02 15:04"), it.SubmittedBy)
		} else {
			fmt.Fprintf(out, "  submitted 提交: unknown / 未记录\n")
		}
		fmt.Fprintf(out, "  approvals 审核签名: %d/%d\n", it.Signatures, it.Needed)
		for _, p := range it.Privacy {
			fmt.Fprintf(out, "  privacy 个人信息: %s\n", p)
		}
		if it.Screen != "" {
			fmt.Fprintf(out, "  screen header 屏幕显示: %s\n", it.Screen)
		} else {
			fmt.Fprintf(out, "  screen header 屏幕显示: no approved_by: boards show no 审核 line / 未填 approved_by，屏幕不显示审核单位\n")
		}
		for _, p := range it.Previews {
			fmt.Fprintf(out, "  preview 预览: %s\n", p)
		}
	}
	fmt.Fprintf(out, "\nto approve 审核通过: sunpub approve --repo %s --township-key KEYFILE --village %s\n", repoDir, strings.Join(villages, " | "))
}

// WaitingForFleet lists what waits for township approval for the fleet
// page's 待审核 list (no previews drawn).
func WaitingForFleet(repoDir string) ([]fleet.WaitingItem, error) {
	items, err := Review(repoDir, ReviewOpts{NoPreview: true}, io.Discard)
	if err != nil {
		return nil, err
	}
	out := make([]fleet.WaitingItem, 0, len(items))
	for _, it := range items {
		out = append(out, fleet.WaitingItem{Village: it.Village, VillageName: it.VillageName, Item: it.ID, Title: it.Title,
			Category: it.Category, Removed: it.Removed, SubmittedAt: it.SubmittedAt, SubmittedBy: it.SubmittedBy,
			Signatures: it.Signatures, Needed: it.Needed, Privacy: it.Privacy, Screen: it.Screen})
	}
	return out, nil
}
