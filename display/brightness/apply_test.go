package brightness

import (
	"fmt"
	"slices"
	"testing"

	"github.com/sunboard/sunboard/display/spi"
	"github.com/sunboard/sunboard/display/ws281x"
)

var (
	_ Board = (*ws281x.Dev)(nil)
	_ Board = (*spi.Dev)(nil)
)

type fakeBoard struct{ calls []string }

func (b *fakeBoard) SetBrightness(l uint8) error {
	b.calls = append(b.calls, fmt.Sprint("set ", l))
	return nil
}
func (b *fakeBoard) Blank(off bool) error {
	b.calls = append(b.calls, fmt.Sprint("blank ", off))
	return nil
}

func TestApply(t *testing.T) {
	b := &fakeBoard{}
	for _, l := range []uint8{200, 0, 0, 24} {
		if err := Apply(b, l); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"set 200", "blank false", "blank true", "blank true", "set 24", "blank false"}
	if !slices.Equal(b.calls, want) {
		t.Errorf("calls %q, want %q", b.calls, want)
	}
}
