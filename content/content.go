// Package content is the disclosure content model shared by sunpub (which
// validates and signs it) and the village agent (which renders it): a village
// folder with village.toml and Markdown items that may carry a CSV table and
// photos. It parses and validates; it knows nothing of signing or pixels.
package content

import (
	"io/fs"
	"time"
)

// China has one time zone and no DST; 公示期 dates are China dates whatever
// the board's TZ setting says.
var ChinaTime = time.FixedZone("CST", 8*3600)

// Village is one village's verified content.
type Village struct {
	ID           string // "370783-101-001": county-township-village
	Name         string // 东营村
	Township     string // township id, "370783-101"
	TownshipName string // 古城街道
	County       string // 寿光市
	// Feedback is the county's 我有疑问 URL template; "{item}" is replaced
	// by the item number.
	Feedback string
	Items    []*Item
	// FS holds the village folder: photos and tables are read from it.
	FS fs.FS
}

// Priority orders items in the loop; Urgent pre-empts it.
type Priority int

const (
	Normal Priority = iota
	Urgent
)

func (p Priority) String() string {
	if p == Urgent {
		return "urgent"
	}
	return "normal"
}

// Item is one disclosure item: a Markdown file and what it references.
type Item struct {
	ID     string // file name without .md, e.g. "2026-10-finance"
	Number string // the item's id in the 我有疑问 URL, village id + "-" + ID
	// Code is the 编号 villagers see and read out when they ask about the
	// item: front matter `number`, or one made from the file name (ItemCode).
	Code     string
	Title    string
	Category string // "财务公开/收支情况"
	// Publish is the first day shown; Until the last (inclusive), both at
	// 00:00 China time.
	Publish, Until time.Time
	Priority       Priority
	// ApprovedBy is the office that approved the item (古城街道农经站) and
	// Approved the day it did, 00:00 China time; both empty/zero when the
	// front matter carries no approval. Screens show them in the header:
	// 审核：古城街道农经站 2026-11-02.
	ApprovedBy string
	Approved   time.Time
	// Withdrawn is the day the county withdrew the item (zero if it did
	// not); from then to Until boards show a withdrawal notice with
	// WithdrawReason instead of the item.
	Withdrawn      time.Time
	WithdrawReason string
	Table          *Table // nil when the item has no table
	TableFile      string // the CSV's path in the village folder
	Body           []Block
}

// Major returns the category's first level (党务公开, 村务公开, 财务公开).
func (it *Item) Major() string {
	for i, r := range it.Category {
		if r == '/' {
			return it.Category[:i]
		}
	}
	return it.Category
}

// Minor returns the category's second level, or "" when there is none.
func (it *Item) Minor() string {
	for i, r := range it.Category {
		if r == '/' {
			return it.Category[i+1:]
		}
	}
	return ""
}

// WithdrawnAt reports whether the item has been withdrawn by t.
func (it *Item) WithdrawnAt(t time.Time) bool {
	return !it.Withdrawn.IsZero() && !t.Before(it.Withdrawn)
}

// ActiveAt reports whether t falls inside the item's 公示期.
func (it *Item) ActiveAt(t time.Time) bool {
	end := it.Until.AddDate(0, 0, 1)
	return !t.Before(it.Publish) && t.Before(end)
}

// BlockKind is the kind of a body block.
type BlockKind int

const (
	Paragraph BlockKind = iota
	Heading
	ListItem
	Image
)

// Block is one block of an item's body, flattened from Markdown: inline
// emphasis is dropped because boards show plain text.
type Block struct {
	Kind  BlockKind
	Text  string // paragraph/heading/list text; image caption (alt text)
	Src   string // Image: path in the village folder
	Level int    // Heading level
}

// Table is a CSV table. Amount columns are detected from the header or
// the cells and hold canonical decimals ("1234.5"), which render formats.
type Table struct {
	Header []string
	Rows   [][]string
	// Amount[i] is true when column i holds money (元).
	Amount []bool
	// TotalRow is the index in Rows of the 合计 row, or -1.
	TotalRow int
	// Voucher[i] is the photo path of row i's receipt, "" if none
	// (from a column named 凭证 / 附件 / voucher).
	Voucher []string
}
