package content

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Redaction is one personal number masked by Redact. It never holds the
// original number, only where it was and what is published instead.
type Redaction struct {
	File   string // the published file that now holds the masked form
	Kind   string // KindID, KindMobile, KindBank, KindPhone or KindHealth
	Masked string // e.g. 3701**********1234; for a health detail the masked cell
}

// Redact returns the files of a village folder as sunpub publishes them
// (relpath → bytes, as ReadAll) with personal numbers masked in every
// item whose category the policy sets to Mask. Items under Refuse are left
// as they are, so Load then refuses them with the file and line.
//
// Masking rewrites what is published, never the clerk's folder:
//   - the item's Markdown (title, body, captions) is masked in place;
//   - a CSV table is replaced by a masked UTF-8 CSV under the same name;
//   - an XLSX table is replaced by a masked UTF-8 CSV named
//     "<name>.masked.csv" and the item's "table:" line points at it; the
//     workbook itself is left out, because it still holds the numbers.
//     The CSV carries the cells as Load reads the workbook (merged cells
//     filled, dates as 2026-10-01, title row dropped), so boards show the
//     same table.
//
// Photos cannot be masked; Load's photos_reviewed rule covers them.
func Redact(fsys fs.FS, p *Policy) (map[string][]byte, []Redaction, error) {
	files, err := ReadAll(fsys)
	if err != nil {
		return nil, nil, fmt.Errorf("read content folder: %w", err)
	}
	var reds []Redaction
	var names []string
	for name := range files {
		if !strings.Contains(name, "/") && strings.HasSuffix(name, ".md") && !strings.EqualFold(name, "README.md") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		raw := bytes.TrimPrefix(files[name], []byte("\ufeff"))
		head, _, _, ok := splitFrontMatter(raw)
		if !ok {
			continue // Load reports it
		}
		var fm frontMatter
		if yaml.Unmarshal(head, &fm) != nil || p.For(strings.TrimSpace(fm.Category)) != Mask {
			continue
		}
		md := string(raw)
		if fm.Table != "" {
			tname := path.Clean(fm.Table)
			masked, treds, err := maskTable(tname, files[tname])
			if err != nil {
				continue // Load reports the unreadable table
			}
			if len(treds) > 0 {
				out := tname
				if !strings.EqualFold(path.Ext(tname), ".csv") {
					out = tname + ".masked.csv"
					delete(files, tname)
					md = replaceTableLine(md, out)
				}
				files[out] = masked
				for i := range treds {
					treds[i].File = out
				}
				reds = append(reds, treds...)
			}
		}
		var b strings.Builder
		for _, line := range strings.SplitAfter(md, "\n") {
			m, hits := maskAll(line)
			for _, h := range hits {
				reds = append(reds, Redaction{File: name, Kind: h.Kind, Masked: h.Masked})
			}
			b.WriteString(m)
		}
		if b.String() != string(raw) {
			files[name] = []byte(b.String())
		}
	}
	return files, reds, nil
}

// maskTable reads a CSV or XLSX table as Load does and returns it as a
// UTF-8 CSV with every cell masked, and what was masked.
func maskTable(name string, raw []byte) ([]byte, []Redaction, error) {
	var recs [][]string
	if strings.EqualFold(path.Ext(name), ".xlsx") {
		var err error
		if recs, _, _, err = readXLSX(raw); err != nil {
			return nil, nil, err
		}
	} else {
		var errs Errors
		recs, _, errs = readCSV(raw, func(line int, field, en, zh string) Errors {
			return Errors{{File: name, Line: line, Msg: en, Zh: zh}}
		})
		if errs != nil {
			return nil, nil, errs
		}
	}
	var reds []Redaction
	for r, rec := range recs {
		for c, cell := range rec {
			if r == 0 {
				// The header: its words decide what the column's
				// cells are, only numbers in it are masked.
				var hits []personalHit
				rec[c], hits = maskAll(cell)
				for _, h := range hits {
					reds = append(reds, Redaction{Kind: h.Kind, Masked: h.Masked})
				}
				continue
			}
			header := ""
			if c < len(recs[0]) {
				header = recs[0][c]
			}
			var hits []personalHit
			rec[c], hits = scanCell(header, cell)
			for _, h := range hits {
				reds = append(reds, Redaction{Kind: h.Kind, Masked: h.Masked})
			}
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(recs); err != nil {
		return nil, nil, fmt.Errorf("write masked %s: %w", name, err)
	}
	return buf.Bytes(), reds, nil
}

// replaceTableLine points the front matter's table: line at name.
func replaceTableLine(md, name string) string {
	lines := strings.SplitAfter(md, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "---" && i > 0 {
			break
		}
		if strings.HasPrefix(strings.TrimSpace(l), "table:") {
			nl := ""
			if strings.HasSuffix(l, "\r\n") {
				nl = "\r\n"
			} else if strings.HasSuffix(l, "\n") {
				nl = "\n"
			}
			lines[i] = "table: " + name + nl
		}
	}
	return strings.Join(lines, "")
}
