package content

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

type bodyError struct {
	line int // 1-based within the body
	msg  string
	zh   string
}

// markdown parses GFM tables only to refuse them: boards would show
// their pipes as text, and a notice's table belongs in a CSV or .xlsx
// (the item's table:), which is laid out as a table.
var markdown = goldmark.New(goldmark.WithExtensions(extension.Table))

// pipeRow is a line typed as a table row (| 项目 | 内容 |) that GFM does not
// take for a table, e.g. for want of the |---| line under the header.
var pipeRow = regexp.MustCompile(`^\s*[|｜].*[|｜].*[|｜]\s*$`)

// tableMsg is the error for a Markdown table in a body.
const (
	tableMsgEn = "a Markdown table (| … | … |) is shown on boards as raw '|' characters: put the table in a CSV or .xlsx file next to this notice and name it in the front matter (table: 2026-11-xxx.csv); the body keeps the text around it"
	tableMsgZh = "正文里的 Markdown 表格（| … | … |）在屏幕上会显示成一串竖线：请把表格做成 CSV 或 Excel（.xlsx）文件放在这个通知旁边，并在文件头写上 table: 文件名（如 table: 2026-11-xxx.csv），正文只写表格前后的文字"
)

// parseBody flattens Markdown into blocks. Image blocks carry their body
// line in Level until loadItem has reported on them.
func parseBody(src []byte) ([]Block, []bodyError) {
	var blocks []Block
	var errs []bodyError
	doc := markdown.Parser().Parse(text.NewReader(src))
	lineAt := func(n ast.Node) int {
		for c := n; c != nil; c = c.FirstChild() {
			if c.Type() == ast.TypeBlock && c.Lines().Len() > 0 {
				return 1 + bytes.Count(src[:c.Lines().At(0).Start], []byte("\n"))
			}
		}
		return 1
	}
	// blines[i] is the body line of blocks[i], so a personal number is
	// reported on the line the clerk must edit.
	var blines []int
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			line := lineAt(c)
			wrap := func() {
				for len(blines) < len(blocks) {
					blines = append(blines, line)
				}
			}
			switch c := c.(type) {
			case *ast.Heading:
				blocks = append(blocks, Block{Kind: Heading, Text: inlineText(c, src), Level: c.Level})
			case *east.Table:
				errs = append(errs, bodyError{line, tableMsgEn, tableMsgZh})
			case *ast.Paragraph, *ast.TextBlock:
				if l, ok := pipeLine(c, src); ok {
					errs = append(errs, bodyError{l, tableMsgEn, tableMsgZh})
					break
				}
				var imgs []Block
				t := strings.TrimSpace(inlineTextImages(c, src, &imgs, line))
				if t != "" {
					blocks = append(blocks, Block{Kind: Paragraph, Text: t})
				}
				blocks = append(blocks, imgs...)
			case *ast.List:
				for li := c.FirstChild(); li != nil; li = li.NextSibling() {
					var imgs []Block
					t := strings.TrimSpace(inlineTextImages(li, src, &imgs, lineAt(li)))
					if t != "" {
						blocks = append(blocks, Block{Kind: ListItem, Text: t})
					}
					blocks = append(blocks, imgs...)
				}
			case *ast.Blockquote:
				walk(c)
			case *ast.FencedCodeBlock, *ast.CodeBlock:
				var b strings.Builder
				for i := 0; i < c.Lines().Len(); i++ {
					s := c.Lines().At(i)
					b.Write(s.Value(src))
				}
				if t := strings.TrimSpace(b.String()); t != "" {
					blocks = append(blocks, Block{Kind: Paragraph, Text: t})
				}
			case *ast.HTMLBlock:
				errs = append(errs, bodyError{line, "HTML is not shown on boards: write plain Markdown", "屏幕不显示 HTML 代码，请直接写文字"})
			case *ast.ThematicBreak:
			default:
				walk(c)
			}
			wrap()
		}
	}
	walk(doc)
	for i, b := range blocks {
		for _, p := range findPersonalData(b.Text) {
			en, zh := personalMsg(p)
			l := blines[i]
			// A paragraph's number may sit on a later line of it.
			if b.Kind == Paragraph || b.Kind == ListItem {
				for k, ln := range strings.Split(string(src), "\n") {
					if k+1 >= l && len(findPersonalData(ln)) > 0 {
						l = k + 1
						break
					}
				}
			}
			errs = append(errs, bodyError{l, fmt.Sprintf("%q %s", clip(b.Text), en), fmt.Sprintf("“%s”%s", clip(b.Text), zh)})
		}
	}
	return blocks, errs
}

// pipeLine finds a line of n typed as a table row and returns its body
// line.
func pipeLine(n ast.Node, src []byte) (int, bool) {
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		if pipeRow.Match(seg.Value(src)) {
			return 1 + bytes.Count(src[:seg.Start], []byte("\n")), true
		}
	}
	return 0, false
}

func inlineText(n ast.Node, src []byte) string {
	return strings.TrimSpace(inlineTextImages(n, src, nil, 0))
}

// inlineTextImages returns n's text and appends its images to imgs.
func inlineTextImages(n ast.Node, src []byte, imgs *[]Block, line int) string {
	var b strings.Builder
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				b.Write(c.Segment.Value(src))
				if c.SoftLineBreak() || c.HardLineBreak() {
					b.WriteByte('\n')
				}
			case *ast.String:
				b.Write(c.Value)
			case *ast.Image:
				if imgs != nil {
					*imgs = append(*imgs, Block{Kind: Image, Src: path.Clean(string(c.Destination)), Text: plainText(c, src), Level: line})
				}
			case *ast.AutoLink:
				b.Write(c.URL(src))
			case *ast.RawHTML:
			default:
				walk(c)
			}
		}
	}
	walk(n)
	return joinLines(b.String())
}

func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := c.(*ast.Text); ok && entering {
			b.Write(t.Segment.Value(src))
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// joinLines undoes the clerk's line wrapping: Chinese joins without a
// space, Latin words keep one.
func joinLines(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	lines := strings.Split(s, "\n")
	var b strings.Builder
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if i > 0 && b.Len() > 0 && l != "" {
			prev, _ := utf8.DecodeLastRuneInString(b.String())
			next, _ := utf8.DecodeRuneInString(l)
			if !isWide(prev) && !isWide(next) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

func isWide(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Punct) && r > 0x2000
}

func clip(s string) string {
	if utf8.RuneCountInString(s) <= 20 {
		return s
	}
	r := []rune(s)
	return string(r[:20]) + "…"
}
