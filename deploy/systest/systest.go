// Package systest holds what the real-kernel boot test needs on both sides
// of the virtual machine: the page the guest draws, the lines it prints,
// and a writer for the initramfs (cpio "newc") that carries the guest's
// init program, the static sunboard binary, its config and pinned root.
//
// The test itself is behind the build tag systest (see qemu_test.go):
//
//	go test -tags systest -run TestQEMU -v ./deploy/systest/
//
// It needs qemu-system-x86_64 and a Debian kernel on the host:
//
//	apt-get install -y qemu-system-x86 linux-image-amd64 cpio
package systest

import (
	"fmt"
	"image"
	"time"

	"github.com/sunboard/sunboard/content"
	"github.com/sunboard/sunboard/player"
	"github.com/sunboard/sunboard/render"
)

// At is the moment the test page shows: 2026-11-22 09:30 China time.
var At = time.Date(2026, 11, 22, 9, 30, 0, 0, content.ChinaTime)

// Marker starts the line the guest prints once the page is on the screen;
// the rest of the line is "WIDTHxHEIGHT FORMAT DEVICE".
const Marker = "SUNBOARD-SYSTEST-DRAWN"

// Synced starts the line the guest prints once `sunboard sync` has put
// verified content in its store; the rest of the line is
// "version N village ID FEED in DURATION (guest clock T)".
const Synced = "SUNBOARD-SYSTEST-SYNCED"

// Page renders v's first TV page at At for a w×h screen, with the page
// clock stopped at At.
func Page(v *content.Village, w, h int) (*image.RGBA, error) {
	prof, err := render.ParseProfile("tv", fmt.Sprintf("%dx%d", w, h))
	if err != nil {
		return nil, err
	}
	r, err := render.New(prof)
	if err != nil {
		return nil, fmt.Errorf("renderer for %dx%d: %w", w, h, err)
	}
	pages, err := player.Playlist(r, v, At)
	if err != nil {
		return nil, fmt.Errorf("playlist at %s: %w", At, err)
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("playlist at %s is empty", At)
	}
	p := pages[0]
	p.SetClock(func() time.Time { return At })
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	p.Frame(img, 0)
	return img, nil
}
