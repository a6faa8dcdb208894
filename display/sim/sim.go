// Package sim is an in-memory display: a periph display.Drawer that keeps the
// last frame so tests can inspect it and a browser preview (see Preview) can
// show it. The agent uses it on machines without LED boards or HDMI, and the
// clerk uses the preview to see exactly what the board will show.
package sim

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"sync"

	"github.com/sunboard/sunboard/display/internal/frame"

	"periph.io/x/conn/v3/display"
)

// Opts configures a simulated display.
type Opts struct {
	Width, Height int
	// LED makes the preview draw the display as round LED dots instead of a
	// continuous TV picture.
	LED bool
	// Pitch is the board's distance between LED centres in mm (4 for a P4
	// board, 10 for P10): the preview sizes boards to their real width, so
	// a P10 board shows bigger dots than a P4 one of as many pixels, and
	// captions it with its size in metres. 0 leaves the size to the page.
	Pitch float64
}

// maxSide bounds a side so a typo in a config cannot allocate gigabytes.
const maxSide = 8192

// Dev is a simulated display. It is safe for concurrent use: the player draws
// while the preview reads.
type Dev struct {
	name  string
	led   bool
	pitch float64

	mu      sync.Mutex
	img     *image.RGBA
	frames  uint64
	changed chan struct{} // closed and replaced on every Draw/Halt
	rec     *Recorder     // nil unless Record is running
}

var _ display.Drawer = (*Dev)(nil)

// New returns a black simulated display called name.
func New(name string, opts *Opts) (*Dev, error) {
	if opts == nil {
		return nil, errors.New("sim: nil Opts")
	}
	if name == "" {
		return nil, errors.New("sim: empty display name")
	}
	if opts.Width <= 0 || opts.Height <= 0 || opts.Width > maxSide || opts.Height > maxSide {
		return nil, fmt.Errorf("sim: display %q: invalid size %dx%d", name, opts.Width, opts.Height)
	}
	if opts.Pitch != 0 && (!opts.LED || !(opts.Pitch >= 0.5 && opts.Pitch <= 100)) {
		return nil, fmt.Errorf("sim: display %q: pitch %g mm: only an LED board has one, 0.5 to 100 mm", name, opts.Pitch)
	}
	img := image.NewRGBA(image.Rect(0, 0, opts.Width, opts.Height))
	blank(img)
	return &Dev{name: name, led: opts.LED, pitch: opts.Pitch, img: img, changed: make(chan struct{})}, nil
}

// String returns the device name as the agent gave it.
func (d *Dev) String() string { return d.name }

// ColorModel implements display.Drawer.
func (d *Dev) ColorModel() color.Model { return color.RGBAModel }

// Bounds implements display.Drawer.
func (d *Dev) Bounds() image.Rectangle { return d.img.Rect }

// LED reports whether the preview shows this display as an LED board.
func (d *Dev) LED() bool { return d.led }

// Pitch returns the LED pitch in mm, 0 when not set.
func (d *Dev) Pitch() float64 { return d.pitch }

// Draw copies src into the frame. A *image.RGBA source is copied row by row;
// anything else goes through draw.Draw.
func (d *Dev) Draw(dstRect image.Rectangle, src image.Image, sp image.Point) error {
	if src == nil {
		return fmt.Errorf("sim: display %q: nil source image", d.name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	frame.Draw(d.img, dstRect, src, sp)
	d.bump()
	return nil
}

// Halt blanks the display, as a real board goes dark.
func (d *Dev) Halt() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	blank(d.img)
	d.bump()
	return nil
}

// bump counts a frame and wakes waiters; d.mu must be held.
func (d *Dev) bump() {
	d.frames++
	close(d.changed)
	d.changed = make(chan struct{})
	if d.rec != nil {
		d.rec.take(d.img)
	}
}

// Frames returns how many times the display was drawn or halted.
func (d *Dev) Frames() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.frames
}

// Snapshot returns a copy of the current frame.
func (d *Dev) Snapshot() *image.RGBA {
	img, _ := d.snapshot(nil)
	return img
}

// snapshot copies the frame into buf (allocated when nil or the wrong size)
// and returns it with the frame counter at the time of the copy.
func (d *Dev) snapshot(buf *image.RGBA) (*image.RGBA, uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if buf == nil || buf.Rect != d.img.Rect {
		buf = image.NewRGBA(d.img.Rect)
	}
	copy(buf.Pix, d.img.Pix)
	return buf, d.frames
}

// wait returns the frame counter and a channel closed at the next change.
func (d *Dev) wait() (uint64, <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.frames, d.changed
}

func blank(img *image.RGBA) {
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i+0], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 0, 0, 0, 0xff
	}
}
