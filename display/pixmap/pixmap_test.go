package pixmap

import (
	"fmt"
	"slices"
	"testing"
)

var cases = []struct {
	spec string
	w, h int
	want []int32 // strip index of each picture pixel, row by row
}{
	{"", 3, 2, []int32{0, 1, 2, 3, 4, 5}},
	{"serpentine", 3, 2, []int32{0, 1, 2, 5, 4, 3}},
	{"mirror:h", 3, 2, []int32{2, 1, 0, 5, 4, 3}},
	{"Mirror:V", 3, 2, []int32{3, 4, 5, 0, 1, 2}},
	{"rotate:180", 3, 2, []int32{5, 4, 3, 2, 1, 0}},
	{"rotate:90", 3, 2, []int32{1, 3, 5, 0, 2, 4}},
	{"rotate:270", 3, 2, []int32{4, 2, 0, 5, 3, 1}},
	{"rotate:0", 3, 2, []int32{0, 1, 2, 3, 4, 5}},
	{"chain:3x1", 3, 2, []int32{0, 2, 4, 1, 3, 5}},
	{"chain:2x1; serpentine", 4, 2, []int32{0, 1, 4, 5, 3, 2, 7, 6}},
	{"chain:1x2;serpentine", 2, 4, []int32{0, 1, 3, 2, 4, 5, 7, 6}},
	// 90° then mirror: the same as a transpose.
	{"rotate:90;mirror:h", 3, 2, []int32{0, 2, 4, 1, 3, 5}},
	{" rotate:90 ; serpentine ", 3, 2, []int32{1, 2, 5, 0, 3, 4}},
}

func TestParse(t *testing.T) {
	for _, tc := range cases {
		m, err := Parse(tc.spec, tc.w, tc.h)
		if err != nil {
			t.Errorf("Parse(%q, %d, %d): %v", tc.spec, tc.w, tc.h, err)
			continue
		}
		if !slices.Equal(m.Table(), tc.want) {
			t.Errorf("Parse(%q, %d, %d) = %v, want %v", tc.spec, tc.w, tc.h, m.Table(), tc.want)
		}
		if w, h := m.Size(); w != tc.w || h != tc.h || m.Len() != tc.w*tc.h {
			t.Errorf("Parse(%q): Size %dx%d Len %d", tc.spec, w, h, m.Len())
		}
		if got := m.Index(tc.w-1, tc.h-1); got != int(tc.want[len(tc.want)-1]) {
			t.Errorf("Parse(%q).Index(last) = %d", tc.spec, got)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		spec string
		w, h int
	}{
		{"rotate:45", 3, 2},
		{"rotate:360", 3, 2},
		{"rotate", 3, 2},
		{"mirror:x", 3, 2},
		{"chain:2", 4, 2},
		{"chain:0x1", 4, 2},
		{"chain:3x1", 4, 2},
		{"chain:1x1;chain:1x1", 4, 2},
		{"rotate:90;chain:3x1", 3, 2}, // the board is 2 wide after turning
		{"serpentine;serpentine", 3, 2},
		{"serpentine:yes", 3, 2},
		{"blink", 3, 2},
		{"", 0, 2},
		{"", 3, -1},
	} {
		if _, err := Parse(tc.spec, tc.w, tc.h); err == nil {
			t.Errorf("Parse(%q, %d, %d) = nil error", tc.spec, tc.w, tc.h)
		}
	}
}

// TestBijective checks that every LED is driven by exactly one pixel.
func TestBijective(t *testing.T) {
	for _, spec := range []string{"", "serpentine", "chain:2x2;serpentine;rotate:90", "mirror:h;rotate:270;chain:4x1", "rotate:180;mirror:v;serpentine"} {
		for _, sz := range [][2]int{{8, 8}, {16, 8}, {64, 32}} {
			t.Run(fmt.Sprintf("%s/%dx%d", spec, sz[0], sz[1]), func(t *testing.T) {
				m, err := Parse(spec, sz[0], sz[1])
				if err != nil {
					t.Fatal(err)
				}
				checkBijective(t, m)
			})
		}
	}
}

func checkBijective(t *testing.T, m Mapper) {
	t.Helper()
	seen := make([]bool, m.Len())
	for i, v := range m.Table() {
		if v < 0 || int(v) >= len(seen) || seen[v] {
			t.Fatalf("pixel %d maps to %d: out of range or used twice", i, v)
		}
		seen[v] = true
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range cases {
		f.Add(tc.spec, tc.w, tc.h)
	}
	f.Fuzz(func(t *testing.T, spec string, w, h int) {
		if w > 256 || h > 256 {
			return
		}
		m, err := Parse(spec, w, h)
		if err == nil {
			checkBijective(t, m)
		}
	})
}
