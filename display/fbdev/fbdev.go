// Package fbdev drives a Linux framebuffer (/dev/fb0: HDMI or composite on a
// Raspberry Pi, vesafb or simplefb elsewhere) as a periph display.Drawer.
//
// The framebuffer is mapped into memory once; Draw converts *image.RGBA rows
// straight into the device's native pixel format with one loop per format
// (NEON or AVX2 where the CPU has it, display/internal/pixconv), never
// through per-pixel interface calls: RGB565 and BGR565 (16 bpp, the
// vc4-kms default), packed 24 bpp RGB and BGR (vesafb) and 32 bpp XRGB8888
// and XBGR8888; any other packed true-colour layout (RGB555, RGB332,
// 30-bit) goes through a slower table lookup per pixel. Full-screen draws
// are split into bands of rows across cores (Opts.Workers). The format is
// read from the kernel's colour bit-fields, the row pitch from line_length.
// When the driver implements FBIO_WAITFORVSYNC, each Draw waits for
// vertical blank before writing.
//
// The open file needs the video group (SupplementaryGroups=video). The text
// console (fbcon) keeps drawing its cursor over the picture unless the
// virtual terminal is switched to graphics mode (KDSETMODE KD_GRAPHICS).
package fbdev

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"runtime"
	"sync"

	"github.com/sunboard/sunboard/display/internal/frame"
	"periph.io/x/conn/v3/display"
)

// Opts configures a framebuffer. The zero value (or nil) is fine.
type Opts struct {
	// NoVSync skips FBIO_WAITFORVSYNC before each Draw even when the driver
	// supports it.
	NoVSync bool
	// Workers is how many goroutines convert a big Draw, each a band of
	// rows; 0 means GOMAXPROCS, 1 converts on the calling goroutine. A
	// scalar loop cannot keep up with memcpy, so a 1080p frame on a 4-core
	// Pi is converted by all cores while the renderer waits for it anyway.
	Workers int
}

// parallelMin is the fewest pixels worth splitting across goroutines: a
// goroutine costs about a microsecond, a thousand pixels' conversion.
const parallelMin = 64 << 10

// Format is a framebuffer pixel layout, named like the DRM fourcc codes:
// the name lists the channels from the most significant bits of the
// little-endian pixel value, so XRGB8888 is B, G, R, X in memory.
type Format int

// Supported formats.
const (
	RGB565   Format = iota + 1 // 16 bpp, red in bits 11-15
	BGR565                     // 16 bpp, red in bits 0-4
	RGB888                     // 24 bpp packed, memory B, G, R
	BGR888                     // 24 bpp packed, memory R, G, B
	XRGB8888                   // 32 bpp, memory B, G, R, X
	XBGR8888                   // 32 bpp, memory R, G, B, X (Go's RGBA order)
	// Other is any other packed true-colour layout (RGB555, 8 bpp RGB332,
	// 30-bit colour): converted by a slower per-pixel table lookup.
	Other
)

var formatNames = map[Format]string{
	RGB565: "RGB565", BGR565: "BGR565", RGB888: "RGB888", BGR888: "BGR888",
	XRGB8888: "XRGB8888", XBGR8888: "XBGR8888", Other: "Other",
}

func (f Format) String() string {
	if s, ok := formatNames[f]; ok {
		return s
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// BytesPerPixel is 2, 3 or 4; 0 for Other, whose size the device says.
func (f Format) BytesPerPixel() int {
	switch f {
	case RGB565, BGR565:
		return 2
	case RGB888, BGR888:
		return 3
	case XRGB8888, XBGR8888:
		return 4
	}
	return 0
}

// Dev is an open, mapped framebuffer.
type Dev struct {
	dev     device
	name    string
	id      string
	format  Format
	bpp     int // bytes per pixel
	bounds  image.Rectangle
	mem     []byte // the visible screen: row y starts at y*stride
	stride  int
	conv    func(dst, src []byte)
	vsync   bool
	workers int

	mu      sync.Mutex
	scratch *image.RGBA // the fallback path draws non-RGBA sources here
	closed  bool
}

var _ display.Drawer = (*Dev)(nil)

// Open opens and maps the framebuffer device at path, e.g. "/dev/fb0".
// Close unmaps and closes it.
func Open(path string, opts *Opts) (*Dev, error) {
	f, err := openFile(path)
	if err != nil {
		return nil, fmt.Errorf("fbdev: open framebuffer %q: %w", path, err)
	}
	d, err := newDev(f, path, opts)
	if err != nil {
		_ = f.close()
		return nil, err
	}
	return d, nil
}

// newDev reads the screen info from dev, checks the format and maps the
// memory.
func newDev(dev device, name string, opts *Opts) (*Dev, error) {
	if opts == nil {
		opts = &Opts{}
	}
	fix, vi, err := dev.info()
	if err != nil {
		return nil, fmt.Errorf("fbdev: %s: read screen info: %w", name, err)
	}
	if fix.Type != fbTypePackedPixels {
		return nil, fmt.Errorf("fbdev: %s: framebuffer type %d: only packed pixels (0) are supported", name, fix.Type)
	}
	if fix.Visual != fbVisualTrueColor && fix.Visual != fbVisualDirectColor {
		return nil, fmt.Errorf("fbdev: %s: visual %d: only true colour (2) and direct colour (4) are supported", name, fix.Visual)
	}
	format, err := formatOf(&vi)
	if err != nil {
		return nil, fmt.Errorf("fbdev: %s: %w", name, err)
	}
	w, h := int(vi.Xres), int(vi.Yres)
	bpp := int(vi.BitsPerPixel / 8)
	conv := converters[format]
	if format == Other {
		conv = newGeneric(&vi).row
	}
	stride := int(fix.LineLength)
	if stride == 0 {
		stride = int(vi.XresVirtual) * bpp
	}
	if w <= 0 || h <= 0 || stride < w*bpp {
		return nil, fmt.Errorf("fbdev: %s: bad geometry %dx%d, %d bpp, line_length %d", name, w, h, vi.BitsPerPixel, stride)
	}
	// The visible screen starts at (xoffset, yoffset) of the virtual one.
	start := int(vi.Yoffset)*stride + int(vi.Xoffset)*bpp
	need := start + (h-1)*stride + w*bpp
	size := int(fix.SmemLen)
	if size < need {
		return nil, fmt.Errorf("fbdev: %s: framebuffer memory %d bytes is smaller than the %dx%d screen at offset (%d,%d) with line_length %d (%d bytes)",
			name, size, w, h, vi.Xoffset, vi.Yoffset, stride, need)
	}
	mem, err := dev.mmap(size)
	if err != nil {
		return nil, fmt.Errorf("fbdev: %s: map %d bytes of framebuffer memory: %w", name, size, err)
	}
	if len(mem) < need {
		return nil, fmt.Errorf("fbdev: %s: mapped %d bytes, need %d", name, len(mem), need)
	}
	return &Dev{
		dev:     dev,
		name:    name,
		id:      cString(fix.ID[:]),
		format:  format,
		bpp:     bpp,
		bounds:  image.Rect(0, 0, w, h),
		mem:     mem[start:need],
		stride:  stride,
		conv:    conv,
		vsync:   !opts.NoVSync,
		workers: opts.Workers,
	}, nil
}

// formatOf picks the pixel format from the colour bit-fields.
func formatOf(v *varScreenInfo) (Format, error) {
	if v.Grayscale != 0 {
		return 0, fmt.Errorf("grayscale framebuffer (grayscale=%d) is not supported", v.Grayscale)
	}
	if v.Red.MsbRight != 0 || v.Green.MsbRight != 0 || v.Blue.MsbRight != 0 {
		return 0, errors.New("bit-fields with msb_right are not supported")
	}
	is := func(bf fbBitfield, off, n uint32) bool { return bf.Offset == off && bf.Length == n }
	switch v.BitsPerPixel {
	case 16:
		if is(v.Green, 5, 6) {
			if is(v.Red, 11, 5) && is(v.Blue, 0, 5) {
				return RGB565, nil
			}
			if is(v.Red, 0, 5) && is(v.Blue, 11, 5) {
				return BGR565, nil
			}
		}
	case 24, 32:
		if is(v.Green, 8, 8) {
			f24, f32 := RGB888, XRGB8888
			if is(v.Red, 0, 8) && is(v.Blue, 16, 8) {
				f24, f32 = BGR888, XBGR8888
			} else if !is(v.Red, 16, 8) || !is(v.Blue, 0, 8) {
				break
			}
			if v.BitsPerPixel == 24 {
				return f24, nil
			}
			return f32, nil
		}
	}
	if otherOK(v) {
		return Other, nil
	}
	return 0, fmt.Errorf("unsupported pixel format: %d bpp, red %d/%d, green %d/%d, blue %d/%d (offset/length)",
		v.BitsPerPixel, v.Red.Offset, v.Red.Length, v.Green.Offset, v.Green.Length, v.Blue.Offset, v.Blue.Length)
}

// otherOK says whether the generic converter can fill v's layout: whole
// bytes per pixel and colour fields of 1 to 16 bits that fit the pixel
// without overlapping (the transparency field may be absent).
func otherOK(v *varScreenInfo) bool {
	switch v.BitsPerPixel {
	case 8, 16, 24, 32:
	default:
		return false
	}
	var used uint64
	for i, bf := range []fbBitfield{v.Red, v.Green, v.Blue, v.Transp} {
		if bf.Length == 0 && i == 3 {
			continue
		}
		if bf.Length == 0 || bf.Length > 16 || bf.Offset+bf.Length > v.BitsPerPixel {
			return false
		}
		m := (uint64(1)<<bf.Length - 1) << bf.Offset
		if used&m != 0 {
			return false
		}
		used |= m
	}
	return true
}

func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func (d *Dev) String() string {
	return fmt.Sprintf("fbdev{%s %q %dx%d %s}", d.name, d.id, d.bounds.Dx(), d.bounds.Dy(), d.format)
}

// Format is the framebuffer's pixel layout.
func (d *Dev) Format() Format { return d.format }

// ColorModel implements display.Drawer. The device may hold fewer bits per
// channel (RGB565); Draw rounds down.
func (d *Dev) ColorModel() color.Model { return color.RGBAModel }

// Bounds implements display.Drawer: the visible screen.
func (d *Dev) Bounds() image.Rectangle { return d.bounds }

// Draw draws src at sp into r of the screen (clipped like draw.Draw with
// draw.Src). A *image.RGBA is converted row by row straight into the
// framebuffer; other images go through draw.Draw first.
func (d *Dev) Draw(r image.Rectangle, src image.Image, sp image.Point) error {
	if src == nil {
		return errors.New("fbdev: nil source image")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return fmt.Errorf("fbdev: draw on closed %s", d.name)
	}
	r, sp, ok := frame.Clip(d.bounds, r, src.Bounds(), sp)
	if !ok {
		return nil
	}
	s, ok := src.(*image.RGBA)
	if !ok {
		if d.scratch == nil {
			d.scratch = image.NewRGBA(d.bounds)
		}
		draw.Draw(d.scratch, r, src, sp, draw.Src)
		s, sp = d.scratch, r.Min
	}
	d.waitVSync()
	d.blit(r, s, sp)
	return nil
}

// DrawsPartial says the screen keeps what it was given, so a player may
// pass only what changed: each pixel drawn costs a conversion (twice a
// copy in RGB565 with NEON, eight times with the Go loops of a Pi 1 or
// Zero), and a standing TV page changes only in its clock and crawl.
func (d *Dev) DrawsPartial() bool { return true }

// blit converts rectangle r of the screen from s at sp; r is already
// clipped. Big rectangles are split into bands of rows, one per worker.
func (d *Dev) blit(r image.Rectangle, s *image.RGBA, sp image.Point) {
	workers := d.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, r.Dy(), r.Dx()*r.Dy()/parallelMin)
	if workers <= 1 {
		d.band(r, s, sp)
		return
	}
	var wg sync.WaitGroup
	h := r.Dy()
	for i := range workers {
		y0, y1 := r.Min.Y+h*i/workers, r.Min.Y+h*(i+1)/workers
		band := image.Rect(r.Min.X, y0, r.Max.X, y1)
		bsp := image.Pt(sp.X, sp.Y+y0-r.Min.Y)
		if i == workers-1 {
			d.band(band, s, bsp)
			break
		}
		wg.Go(func() { d.band(band, s, bsp) })
	}
	wg.Wait()
}

// band converts rectangle r row by row on the calling goroutine.
func (d *Dev) band(r image.Rectangle, s *image.RGBA, sp image.Point) {
	bpp := d.bpp
	n := r.Dx()
	di := r.Min.Y*d.stride + r.Min.X*bpp
	si := s.PixOffset(sp.X, sp.Y)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		d.conv(d.mem[di:di+n*bpp], s.Pix[si:si+n*4])
		di += d.stride
		si += s.Stride
	}
}

func (d *Dev) waitVSync() {
	if !d.vsync {
		return
	}
	if err := d.dev.waitVSync(); err != nil {
		// ENOTTY (no such ioctl) or any other failure: the driver cannot
		// tell us about vblank, so stop asking; the picture may tear.
		d.vsync = false
	}
}

// Halt blanks the screen to black. The next Draw paints over it.
func (d *Dev) Halt() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	bpp := d.bpp
	for y := 0; y < d.bounds.Dy(); y++ {
		clear(d.mem[y*d.stride : y*d.stride+d.bounds.Dx()*bpp])
	}
	return nil
}

// Close blanks the screen, unmaps the framebuffer and closes the device.
func (d *Dev) Close() error {
	if err := d.Halt(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	d.mem = nil
	if err := d.dev.close(); err != nil {
		return fmt.Errorf("fbdev: close %s: %w", d.name, err)
	}
	return nil
}
