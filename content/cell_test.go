package content

import (
	"regexp"
	"strings"
	"testing"
)

// cellCases are table cells under their column header: what is personal
// (kinds, in order) and how the cell is published when masked.
var cellCases = []struct {
	name, header, cell string
	kinds              []string // nil: nothing personal
	masked             string
}{
	// The review's 低保 list: typos in real numbers are still numbers.
	{"ID wrong check digit", "身份证号", "370783194809230313", []string{KindID}, "3707**********0313"},
	{"ID wrong check X", "身份证号", "37078319781102352X", []string{KindID}, "3707**********352X"},
	{"bank failing Luhn", "银行卡号", "6222021602009988776", []string{KindBank}, "6222***********8776"},
	{"landline", "联系电话", "0536-5211234", []string{KindPhone}, "0536-*******"},
	{"health in a remark", "备注", "续保（残疾二级）", []string{KindHealth}, "续保（**）"},
	// In an identity, account or phone column any long number is
	// personal, whatever its shape.
	{"ID missing its last digit", "身份证号", "37078319781102352", []string{KindID}, "3707*********2352"},
	{"ID 14 digits", "公民身份号码", "37078319781102", []string{KindID}, "**************"},
	{"ID with spaces", "证件号码", "370783 1978 1102", []string{KindID}, "**************"},
	{"card 12 digits", "银行卡号", "1234 5678 9012", []string{KindBank}, "************"},
	{"passbook", "存折账号", "0102-3344556", []string{KindBank}, "***********"},
	{"social security card", "社保卡号", "A12345678", []string{KindBank}, "A********"},
	{"social security card 2", "社会保障卡", "370783194809230313", []string{KindID}, "3707**********0313"},
	{"local phone", "联系电话", "5211234", []string{KindPhone}, "*******"},
	{"mobile typo 10 digits", "手机", "1381234567", []string{KindPhone}, "**********"},
	{"phone and mobile", "联系方式", "0536-5211234，13812345678", []string{KindPhone, KindMobile}, "0536-*******，138****5678"},
	{"mobile in phone column", "联系电话", "138 1234 5678", []string{KindMobile}, "138****5678"},
	{"ID in a remark", "备注", "身份证370783194809230313", []string{KindID}, "身份证3707**********0313"},
	{"health column", "残疾等级", "二级", []string{KindHealth}, "**"},
	{"health column words", "健康状况", "患慢性病", []string{KindHealth}, "**"},
	{"poverty cause", "致贫原因", "因病", []string{KindHealth}, "**"},
	{"named illness", "摘要", "支付王某尿毒症透析救助", []string{KindHealth}, "支付王某****救助"},

	// Not personal.
	{"empty phone", "联系电话", "", nil, ""},
	{"no phone", "联系电话", "无", nil, ""},
	{"already masked ID", "身份证号", "3707**********0419", nil, ""},
	{"already masked phone", "联系电话", "0536-*******", nil, ""},
	{"already masked health", "残疾等级", "**", nil, ""},
	{"health column none", "残疾等级", "无", nil, ""},
	{"序号", "序号", "1234567", nil, ""},
	{"count", "家庭人口", "3", nil, ""},
	{"amount", "月保障金（元）", "12,000.00", nil, ""},
	{"big amount", "收入（元）", "1,234,567.00", nil, ""},
	{"date", "日期", "2026-11-20", nil, ""},
	{"lease term", "租期", "2024-01-01至2028-12-31", nil, ""},
	{"village id", "村编号", "370783-101-001", nil, ""},
	{"voucher", "凭证号", "记-007", nil, ""},
	{"short number in phone column", "联系电话", "12345", nil, ""},
	{"subsidy name", "保障类别", "重度残疾人护理补贴", nil, ""},
	{"disability subsidy amount", "残疾人补贴（元）", "1,280.00", nil, ""},
	{"social security amount", "社保补贴（元）", "1280000.00", nil, ""},
	{"bank branch", "开户行", "中国农业银行寿光支行", nil, ""},
	{"crop pests", "摘要", "购买病虫害防治药剂", nil, ""},
	{"dam", "摘要", "病险水库加固", nil, ""},
	{"risk area", "备注", "中风险", nil, ""},
	{"contact name", "联系人", "张主任", nil, ""},
}

func TestScanCell(t *testing.T) {
	for _, tt := range cellCases {
		t.Run(tt.name, func(t *testing.T) {
			masked, hits := scanCell(tt.header, tt.cell)
			kinds := make([]string, len(hits))
			for i, h := range hits {
				kinds[i] = h.Kind
			}
			if strings.Join(kinds, ",") != strings.Join(tt.kinds, ",") {
				t.Errorf("scanCell(%q, %q) kinds = %q, want %q", tt.header, tt.cell, kinds, tt.kinds)
			}
			if tt.kinds == nil {
				if masked != tt.cell {
					t.Errorf("scanCell(%q, %q) masked = %q, want it unchanged", tt.header, tt.cell, masked)
				}
				return
			}
			if masked != tt.masked {
				t.Errorf("scanCell(%q, %q) masked = %q, want %q", tt.header, tt.cell, masked, tt.masked)
			}
			if _, again := scanCell(tt.header, masked); len(again) > 0 {
				t.Errorf("masked %q still holds %v", masked, again)
			}
		})
	}
}

// sevenDigits is what must never survive masking in an identity,
// account or phone column.
var sevenDigits = regexp.MustCompile(`[0-9](?:[ \-]?[0-9]){6}`)

func FuzzMaskCell(f *testing.F) {
	for _, tt := range cellCases {
		f.Add(tt.header, tt.cell)
	}
	for _, tt := range detectorCases {
		f.Add("备注", tt.in)
		f.Add("身份证号", tt.in)
	}
	f.Fuzz(func(t *testing.T, header, cell string) {
		m, _ := scanCell(header, cell)
		if _, left := scanCell(header, m); len(left) > 0 {
			t.Errorf("scanCell(%q, %q) masked %q still holds %v", header, cell, m, left[0].Kind)
		}
		if columnKind(header) != "" && sevenDigits.MatchString(foldDigits(m)) {
			t.Errorf("scanCell(%q, %q) masked %q keeps a run of 7 digits", header, cell, m)
		}
	})
}
