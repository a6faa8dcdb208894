package content_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/content/sample"
)

func TestLoadSample(t *testing.T) {
	v, err := content.Load(sample.Village())
	if err != nil {
		t.Fatalf("sample does not load: %v", err)
	}
	if v.ID != "370783-101-001" || v.Name != "东升村" || v.Township != "370783-101" {
		t.Errorf("village = %q %q %q", v.ID, v.Name, v.Township)
	}
	byID := map[string]*content.Item{}
	for _, it := range v.Items {
		byID[it.ID] = it
	}
	fin := byID["2026-10-finance"]
	if fin == nil || fin.Table == nil {
		t.Fatalf("finance item or its table missing: %+v", fin)
	}
	if got := len(fin.Table.Rows); got != 26 {
		t.Errorf("finance rows = %d, want 26 (25 + 合计)", got)
	}
	if fin.Table.TotalRow != 25 || !fin.Table.Amount[3] || !fin.Table.Amount[4] || fin.Table.Amount[2] {
		t.Errorf("total row %d, amount cols %v", fin.Table.TotalRow, fin.Table.Amount)
	}
	if fin.Table.Voucher[6] != "photos/receipt-1012.jpg" {
		t.Errorf("voucher of row 7 = %q", fin.Table.Voucher[6])
	}
	var img *content.Block
	for i := range fin.Body {
		if fin.Body[i].Kind == content.Image {
			img = &fin.Body[i]
		}
	}
	if img == nil || img.Src != "photos/receipt-1012.jpg" || !strings.Contains(img.Text, "收据") {
		t.Errorf("photo block = %+v", img)
	}
	if byID["2026-11-cold-wave"].Priority != content.Urgent {
		t.Error("cold wave notice is not urgent")
	}
	if m := byID["2026-11-party-meeting"]; m.Major() != "党务公开" || m.Minor() != "组织建设" {
		t.Errorf("category split %q %q", m.Major(), m.Minor())
	}
}

// pngOneByOne is the smallest valid PNG, for photo references.
var pngOneByOne = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"

const villageTOML = "id = \"370783-101-001\"\nname = \"东升村\"\n"

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string // substring of the error
	}{
		{"no village.toml", map[string]string{"a.md": "x"}, "village.toml: cannot read"},
		{"bad village id", map[string]string{"village.toml": "id = \"12\"\nname=\"x\""}, "village.toml: id: \"12\" is not a village id"},
		{"no front matter", map[string]string{"village.toml": villageTOML, "a.md": "hello"}, "a.md:1: missing front matter"},
		{"bad date", map[string]string{"village.toml": villageTOML,
			"a.md": "---\ntitle: t\ncategory: 村务公开\npublish: 2026-13-01\nuntil: 2026-12-01\n---\nx"}, "a.md:4: publish: \"2026-13-01\" is not a date"},
		{"until before publish", map[string]string{"village.toml": villageTOML,
			"a.md": "---\ntitle: t\ncategory: 村务公开\npublish: 2026-12-01\nuntil: 2026-11-01\n---\nx"}, "a.md:5: until: 2026-11-01 is before publish"},
		{"unknown key", map[string]string{"village.toml": villageTOML,
			"a.md": "---\ntitle: t\ncolour: red\n---\nx"}, "field colour not found"},
		{"ID card in body", map[string]string{"village.toml": villageTOML,
			"a.md": "---\ntitle: t\ncategory: c\npublish: 2026-11-01\nuntil: 2026-11-02\n---\n张三 身份证 11010519491231002X"}, "ID card number"},
		{"phone in table", map[string]string{"village.toml": villageTOML,
			"a.md":  "---\ntitle: t\ncategory: c\npublish: 2026-11-01\nuntil: 2026-11-02\ntable: t.csv\n---\n",
			"t.csv": "户主,电话,金额\n张三,13812345678,100\n"}, "t.csv:2: 电话: contains a mobile phone number"},
		{"bad total", map[string]string{"village.toml": villageTOML,
			"a.md":  "---\ntitle: t\ncategory: c\npublish: 2026-11-01\nuntil: 2026-11-02\ntable: t.csv\n---\n",
			"t.csv": "摘要,收入（元）\na,100\nb,\"1,200.5\"\n合计,1300\n"}, "t.csv:4: 收入（元）: 合计 1,300.00 does not equal the sum of the rows 1,300.50"},
		{"bad amount", map[string]string{"village.toml": villageTOML,
			"a.md":  "---\ntitle: t\ncategory: c\npublish: 2026-11-01\nuntil: 2026-11-02\ntable: t.csv\n---\n",
			"t.csv": "摘要,支出（元）\na,12.345\n"}, "t.csv:2: 支出（元）: \"12.345\" is not an amount"},
		{"missing photo", map[string]string{"village.toml": villageTOML,
			"a.md": "---\ntitle: t\ncategory: c\npublish: 2026-11-01\nuntil: 2026-11-02\n---\n\n![收据](photos/none.jpg)\n"}, "a.md:8: photo \"photos/none.jpg\""},
		{"approved without approved_by", map[string]string{"village.toml": villageTOML,
			"a.md": "---\ntitle: t\ncategory: c\npublish: 2026-11-01\nuntil: 2026-11-02\napproved: 2026-10-30\n---\nx"}, "a.md:6: approved_by: approved is set but approved_by is missing"},
		{"approved_by without date", map[string]string{"village.toml": villageTOML,
			"a.md": "---\ntitle: t\ncategory: c\npublish: 2026-11-01\nuntil: 2026-11-02\napproved_by: 古城街道农经站\n---\nx"}, "a.md:6: approved: approved_by is set but the approval date"},
		{"approved after publish", map[string]string{"village.toml": villageTOML,
			"a.md": "---\ntitle: t\ncategory: c\npublish: 2026-11-01\nuntil: 2026-11-02\napproved_by: 古城街道农经站\napproved: 2026-11-05\n---\nx"}, "a.md:7: approved: approved 2026-11-05 is after publish 2026-11-01: an item is approved before it is shown / 审核日期 2026-11-05 晚于公示开始日期"},
		{"approved bad date", map[string]string{"village.toml": villageTOML,
			"a.md": "---\ntitle: t\ncategory: c\npublish: 2026-11-01\nuntil: 2026-11-02\napproved_by: 古城街道农经站\napproved: 11月2日\n---\nx"}, "a.md:7: approved: \"11月2日\" is not a date"},
		{"subsidy photo not reviewed", map[string]string{"village.toml": villageTOML, "p.png": pngOneByOne,
			"a.md": "---\ntitle: t\ncategory: 村务公开/社会救助\npublish: 2026-11-01\nuntil: 2026-11-02\n---\n![发放现场](p.png)\n"}, "a.md:3: photos_reviewed: 1 photo(s) in subsidy category 村务公开/社会救助"},
		{"15-digit ID in title", map[string]string{"village.toml": villageTOML,
			"a.md": "---\ntitle: 王秀英 370783650312041\ncategory: c\npublish: 2026-11-01\nuntil: 2026-11-02\n---\nx"}, "a.md:2: title: contains an ID card number (身份证号): personal data must not be published / 含有身份证号"},
		{"bad amount format names the cell", map[string]string{"village.toml": villageTOML,
			"a.md":  "---\ntitle: t\ncategory: c\npublish: 2026-11-01\nuntil: 2026-11-02\ntable: t.csv\n---\n",
			"t.csv": "摘要,支出（元）\na,\"12,34\"\n"}, "t.csv:2: 支出（元）: \"12,34\" is not an amount in 元 (e.g. 1234.50): thousands separators in the wrong place / “12,34”不是金额（元）"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for k, v := range tt.files {
				fsys[k] = &fstest.MapFile{Data: []byte(v)}
			}
			_, err := content.Load(fsys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant it to contain %q", err, tt.want)
			}
			if es, ok := err.(content.Errors); ok {
				for _, e := range es {
					if e.Zh == "" {
						t.Errorf("%v: no Chinese message", e)
					}
				}
			}
		})
	}
}

func TestFormatAmount(t *testing.T) {
	for in, want := range map[string]string{
		"1234.5": "1,234.50", "0": "0.00", "-300": "-300.00", "1234567.891": "1234567.891",
		"100": "100.00", "206002.48": "206,002.48", "摘要": "摘要",
	} {
		if got := content.FormatAmount(in); got != want {
			t.Errorf("FormatAmount(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzLoad(f *testing.F) {
	f.Add("---\ntitle: t\ncategory: c\npublish: 2026-11-01\nuntil: 2026-11-02\ntable: t.csv\n---\n# 标题\n正文\n- 一\n![a](p.png)", "摘要,收入（元）\na,100\n合计,100\n")
	f.Add("---\ntitle: t\ncategory: 村务公开/社会救助\npublish: 2026-11-01\nuntil: 2026-11-02\napproved_by: 古城街道民政办\napproved: 2026-10-30\nphotos_reviewed: true\ntable: t.csv\n---\n电话 138 1234 5678", "户主,身份证号,月保障金（元）\n王,370783650312041,（1,280.00）\n合计,,\"¥-1,280\"\n")
	f.Add("---\ntitle: t\n---\n", "\xba\xcf\xbc\xc6,1.2\xcd\xf2\n")
	f.Fuzz(func(t *testing.T, md, csv string) {
		fsys := fstest.MapFS{
			"village.toml": {Data: []byte(villageTOML)},
			"a.md":         {Data: []byte(md)},
			"t.csv":        {Data: []byte(csv)},
		}
		v, err := content.Load(fsys)
		if err == nil && (v == nil || len(v.Items) != 1) {
			t.Fatalf("no error but village %+v", v)
		}
	})
}

func TestWithdrawal(t *testing.T) {
	head := "---\ntitle: t\ncategory: 村务公开/通告栏\npublish: 2026-11-01\nuntil: 2026-11-30\n"
	tests := []struct{ front, want string }{
		{"withdrawn: 2026-11-20\nwithdraw_reason: 项目取消\n", ""},
		{"withdrawn: 2026-11-20\n", "a withdrawn item must say why"},
		{"withdraw_reason: 项目取消\n", "withdrawal date withdrawn is missing"},
		{"withdrawn: 2026-12-20\nwithdraw_reason: 项目取消\n", "outside the 公示期"},
	}
	for _, tt := range tests {
		fsys := fstest.MapFS{
			"village.toml": {Data: []byte(villageTOML)},
			"a.md":         {Data: []byte(head + tt.front + "---\n正文\n")},
		}
		v, err := content.Load(fsys)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q: %v", tt.front, err)
		case tt.want == "" && v.Items[0].WithdrawReason != "项目取消":
			t.Errorf("%q: reason %q", tt.front, v.Items[0].WithdrawReason)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%q: error %v, want %q", tt.front, err, tt.want)
		}
	}
}

// TestCountyItems: county-wide items sit in county/ beside the village's
// own; their photos resolve inside county/ and their ids cannot collide.
func TestCountyItems(t *testing.T) {
	img := sampleJPEG(t)
	fsys := fstest.MapFS{
		"village.toml":            {Data: []byte(villageTOML)},
		"flood.md":                {Data: []byte("---\ntitle: 村通知\ncategory: 村务公开/通告栏\npublish: 2026-11-01\nuntil: 2026-11-30\n---\n正文\n")},
		"county/flood.md":         {Data: []byte("---\ntitle: 全县防汛紧急通知\ncategory: 村务公开/通告栏\npublish: 2026-11-01\nuntil: 2026-11-30\npriority: urgent\n---\n![转移路线](photos/route.jpg)\n")},
		"county/photos/route.jpg": {Data: img},
	}
	v, err := content.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Items) != 2 || v.Items[0].ID != "county-flood" || v.Items[1].ID != "flood" {
		t.Fatalf("items = %v", v.Items)
	}
	if src := v.Items[0].Body[0].Src; src != "county/photos/route.jpg" {
		t.Errorf("county photo src = %q", src)
	}
	fsys["county/flood.md"] = &fstest.MapFile{Data: []byte("---\ntitle: t\n---\n")}
	if _, err := content.Load(fsys); err == nil || !strings.Contains(err.Error(), "county/flood.md") {
		t.Errorf("county item error does not name county/flood.md: %v", err)
	}
}

func sampleJPEG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
