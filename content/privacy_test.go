package content

import (
	"strings"
	"testing"
)

// detectorCases are true and false positives of the personal-number
// detector, and the masked form of each true one.
var detectorCases = []struct {
	name, in string
	kind     string // "" when nothing must be found
	masked   string // MaskPersonalData(in) when kind != ""
}{
	// True positives.
	{"ID 18", "身份证 370783196503120419", KindID, "身份证 3707**********0419"},
	{"ID 18 X", "11010519491231002X", KindID, "1101**********002X"},
	{"ID 18 lower x", "11010519491231002x", KindID, "1101**********002x"},
	{"ID 18 grouped 6-8-4", "370783 19650312 0419", KindID, "3707**********0419"},
	{"ID 18 full-width", "３７０７８３１９６５０３１２０４１９", KindID, "3707**********0419"},
	{"ID 15", "老证 370783650312041", KindID, "老证 3707*******2041"},
	{"ID 15 leap day", "110105840229123", KindID, "1101*******9123"},
	{"mobile", "电话13812345678", KindMobile, "电话138****5678"},
	{"mobile dashes", "138-1234-5678", KindMobile, "138****5678"},
	{"mobile spaces", "联系 138 1234 5678 张", KindMobile, "联系 138****5678 张"},
	{"mobile 199", "19912345678", KindMobile, "199****5678"},
	{"mobile after a date", "2026-11-02 13812345678", KindMobile, "2026-11-02 138****5678"},
	{"mobile before an amount", "13812345678 1234.50", KindMobile, "138****5678 1234.50"},
	{"bank 19", "6222021602001234568", KindBank, "6222***********4568"},
	{"bank grouped", "卡号 6222 0216 0200 1234 568", KindBank, "卡号 6222***********4568"},
	{"bank 18 Luhn", "622848123456789012", KindBank, "6228**********9012"},
	{"two numbers", "370783196503120419，13812345678", KindID, "3707**********0419，138****5678"},
	// A wrong check digit or a failed Luhn check is a typo in a real
	// number, not a reason to show it (the review's 低保 list).
	{"ID wrong check digit", "370783194809230313", KindID, "3707**********0313"},
	{"ID wrong check X", "37078319781102352X", KindID, "3707**********352X"},
	{"ID wrong check digit 2", "370783196503120410", KindID, "3707**********0410"},
	{"ID wrong check grouped", "370783 19480923 0313", KindID, "3707**********0313"},
	{"ID 18 X wrong", "110105194912310020", KindID, "1101**********0020"},
	{"bank failing Luhn", "6222021602009988776", KindBank, "6222***********8776"},
	{"bank 16 failing Luhn", "6222021602001235", KindBank, "6222********1235"},
	{"bank failing Luhn grouped", "6222 0216 0200 9988 776", KindBank, "6222***********8776"},
	{"bank Visa failing Luhn", "4367421234567890", KindBank, "4367********7890"},
	{"landline", "0536-5221234", KindPhone, "0536-*******"},
	{"landline no dash", "05365211234", KindPhone, "0536-*******"},
	{"landline 8 digits", "0536-52112345", KindPhone, "0536-********"},
	{"landline Beijing", "电话010-62345678", KindPhone, "电话010-********"},
	{"landline Guangzhou spaces", "020 8765 4321", KindPhone, "020-********"},
	{"landline brackets", "(0536)5211234", KindPhone, "0536-*******"},
	{"landline full-width brackets", "（0536）521 1234转", KindPhone, "0536-*******转"},
	{"landline in a sentence", "监督电话：0536-5211234。", KindPhone, "监督电话：0536-*******。"},
	{"landline then mobile", "0536-5211234/13812345678", KindPhone, "0536-*******/138****5678"},

	// False positives: none of these is personal data.
	{"amount", "206002.48", "", ""},
	{"big amount with commas", "1,234,567,890,123.45", "", ""},
	{"long amount with decimals", "13812345678.50", "", ""},
	{"date", "2026-11-02", "", ""},
	{"date range", "2026-11-02 2026-11-30", "", ""},
	{"two dates as bank-length digits", "2026-11-02 2026-11-02 2026", "", ""},
	{"serial", "记-007", "", ""},
	{"voucher serial 12 digits", "202611020001", "", ""},
	{"18 digits bad birth month", "370783196513120410", "", ""},
	{"18 digits bad province", "990783196503120410", "", ""},
	{"18 digits born 1850", "370783185003120410", "", ""},
	{"thousands amount", "12,000.00", "", ""},
	{"amount in a sentence", "中标价368,520.00元，预付款110,556.00元", "", ""},
	{"date 2026-11-20", "2026-11-20", "", ""},
	{"date range words", "2026-11-20至2026-12-19", "", ""},
	{"village id", "370783-101-001", "", ""},
	{"village id and item", "370783-101-001-2026-11-finance", "", ""},
	{"village id and a date", "370783-101-001 2026-11-20", "", ""},
	{"item number", "编号 370783-101-001-2026-11-414", "", ""},
	{"service hotline", "400-123-4567", "", ""},
	{"16-digit serial", "2026110200010001", "", ""},
	{"contract number", "DS-2026-015", "", ""},
	{"postcode", "262700", "", ""},
	{"12345 hotline", "12345", "", ""},
	{"0 then 0", "00536521123", "", ""},
	{"landline number starting 0", "0536-0211234", "", ""},
	{"landline number starting 1", "0536-1211234", "", ""},
	{"landline too short", "0536-521123", "", ""},
	{"landline too long", "0536-521123456", "", ""},
	{"brackets around an amount", "(0536)", "", ""},
	{"accountants' negative", "(1,234.50)", "", ""},
	{"phone-like account code 154", "15401010001", "", ""},
	{"phone-like account code 140", "14012345678", "", ""},
	{"account code 100201", "10020101001", "", ""},
	{"15 digits bad province", "990783650312041", "", ""},
	{"15 digits bad date", "370783651332041", "", ""},
	{"15 digits Feb 30", "370783650230041", "", ""},
	{"phone in 3-8 groups", "138 12345678", "", ""},
}

func TestDetector(t *testing.T) {
	for _, tt := range detectorCases {
		t.Run(tt.name, func(t *testing.T) {
			got := findPersonalData(tt.in)
			if tt.kind == "" {
				if len(got) > 0 {
					t.Errorf("findPersonalData(%q) = %v, want nothing", tt.in, got)
				}
				if m, n := MaskPersonalData(tt.in); m != tt.in || n != 0 {
					t.Errorf("MaskPersonalData(%q) = %q, %d; want it unchanged", tt.in, m, n)
				}
				return
			}
			if len(got) == 0 || got[0] != tt.kind {
				t.Errorf("findPersonalData(%q) = %v, want %s first", tt.in, got, tt.kind)
			}
			m, n := MaskPersonalData(tt.in)
			if m != tt.masked || n == 0 {
				t.Errorf("MaskPersonalData(%q) = %q, %d; want %q", tt.in, m, n, tt.masked)
			}
			if again := findPersonalData(m); len(again) > 0 {
				t.Errorf("masked %q still holds %v", m, again)
			}
		})
	}
}

func TestPolicy(t *testing.T) {
	p, err := ParsePolicy([]byte("default = \"refuse\"\n[categories]\n\"村务公开/社会救助\" = \"mask\"\n\"财务公开\" = \"mask\"\n\"财务公开/工程项目\" = \"refuse\"\n"), "policy.toml")
	if err != nil {
		t.Fatal(err)
	}
	for cat, want := range map[string]Action{
		"村务公开/社会救助": Mask, "村务公开/社会救助/低保": Mask, "村务公开/社会救助站": Refuse,
		"财务公开": Mask, "财务公开/收支情况": Mask, "财务公开/工程项目": Refuse, "党务公开/组织建设": Refuse, "": Refuse,
	} {
		if got := p.For(cat); got != want {
			t.Errorf("For(%q) = %v, want %v", cat, got, want)
		}
	}
	if (*Policy)(nil).For("财务公开") != Refuse {
		t.Error("nil policy must refuse")
	}
	for _, bad := range []string{"default = \"hide\"", "[categories]\n\"财务公开\" = \"show\"", "colour = 1", "default = "} {
		if _, err := ParsePolicy([]byte(bad), "policy.toml"); err == nil || !strings.Contains(err.Error(), "policy.toml") {
			t.Errorf("ParsePolicy(%q) error = %v", bad, err)
		}
	}
}

func FuzzMask(f *testing.F) {
	for _, tt := range detectorCases {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, _ := MaskPersonalData(s)
		if left := findPersonalData(m); len(left) > 0 {
			t.Errorf("MaskPersonalData(%q) = %q still holds %v", s, m, left)
		}
	})
}
