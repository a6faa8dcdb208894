// Package drm drives an HDMI or composite output through Linux DRM/KMS dumb
// buffers, in pure Go, as a periph display.Drawer.
//
// Open picks a connected connector, a mode (1280×720, then 1920×1080, then
// 720×576, or the one in Opts), creates two XBGR8888 dumb buffers (R, G, B,
// X in memory: Go's *image.RGBA byte order, so a row is a plain copy; drivers
// without it, like bochs, get XRGB8888 with R and B swapped per pixel), maps
// them and shows one with SETCRTC. Draw fills the hidden buffer and flips
// to it with PAGE_FLIP, waiting for the flip-complete event, so a frame is
// never shown half drawn (no tearing while scrolling).
//
// The process must be DRM master: nothing else (X, Wayland, another agent)
// may hold the card. The user needs the video group.
package drm

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os"
	"sync"
	"unsafe"

	"github.com/sunboard/sunboard/display/internal/frame"
	"github.com/sunboard/sunboard/display/internal/pixconv"
	"golang.org/x/sys/unix"
	"periph.io/x/conn/v3/display"
)

// Opts configures the output. The zero value (or nil) is fine.
type Opts struct {
	// Width and Height pick the mode; zero tries 1280×720, 1920×1080 and
	// 720×576, then the monitor's preferred mode.
	Width, Height int
}

type buffer struct {
	handle, fb uint32
	mem        []byte
	img        *image.RGBA // mem seen as an image (Stride = pitch)
}

// Dev is an open DRM output.
type Dev struct {
	f         *os.File
	path      string
	connector uint32
	crtc      uint32
	mode      Mode
	format    uint32 // formatXBGR8888 or formatXRGB8888
	crtcs     []uint32
	saved     modeCrtc // the CRTC as we found it, restored by Close

	mu      sync.Mutex
	scratch *image.RGBA // non-RGBA sources for XRGB8888 are drawn here first
	bufs    [2]buffer
	front   int
	flip    bool // PAGE_FLIP works; else SETCRTC per frame
	closed  bool
}

var _ display.Drawer = (*Dev)(nil)

// Open opens the DRM card at path ("/dev/dri/card0") and lights its first
// connected connector.
func Open(path string, opts *Opts) (_ *Dev, err error) {
	if opts == nil {
		opts = &Opts{}
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("drm: open card %q: %w", path, err)
	}
	d := &Dev{f: f, path: path, flip: true}
	defer func() {
		if err != nil {
			d.release()
		}
	}()
	conn, err := d.findConnector()
	if err != nil {
		return nil, err
	}
	i, err := pickMode(conn.modes, opts.Width, opts.Height)
	if err != nil {
		return nil, fmt.Errorf("drm: %s connector %d: %w", path, conn.id, err)
	}
	infos := conn.infos
	d.connector, d.mode = conn.id, conn.modes[i]
	if d.crtc, err = d.findCrtc(conn); err != nil {
		return nil, err
	}
	d.saved.CrtcID = d.crtc
	if err := d.ioctl(ioctlGetCrtc, unsafe.Pointer(&d.saved)); err != nil {
		return nil, fmt.Errorf("drm: %s: GETCRTC %d: %w", path, d.crtc, err)
	}
	for b := range d.bufs {
		if err := d.createBuffer(&d.bufs[b], d.mode.Width, d.mode.Height); err != nil {
			return nil, err
		}
	}
	cid := d.connector
	set := modeCrtc{
		SetConnectorsPtr: uint64(uintptr(unsafe.Pointer(&cid))),
		CountConnectors:  1,
		CrtcID:           d.crtc,
		FbID:             d.bufs[0].fb,
		ModeValid:        1,
		Mode:             infos[i],
	}
	if err := d.ioctl(ioctlSetCrtc, unsafe.Pointer(&set)); err != nil {
		return nil, fmt.Errorf("drm: %s: SETCRTC crtc %d connector %d mode %s: %w", path, d.crtc, d.connector, d.mode, err)
	}
	return d, nil
}

func (d *Dev) ioctl(req uintptr, arg unsafe.Pointer) error {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, d.f.Fd(), req, uintptr(arg))
	if errno != 0 {
		return errno
	}
	return nil
}

type connector struct {
	id       uint32
	encoder  uint32 // current encoder, 0 if none
	encoders []uint32
	infos    []modeInfo
	modes    []Mode
}

// findConnector returns the first connected connector with modes.
func (d *Dev) findConnector() (*connector, error) {
	var res modeCardRes
	if err := d.ioctl(ioctlGetResources, unsafe.Pointer(&res)); err != nil {
		return nil, fmt.Errorf("drm: %s: GETRESOURCES: %w (not a KMS device?)", d.path, err)
	}
	if res.CountConnectors == 0 || res.CountCrtcs == 0 {
		return nil, fmt.Errorf("drm: %s has %d connectors and %d CRTCs", d.path, res.CountConnectors, res.CountCrtcs)
	}
	ids := make([]uint32, res.CountConnectors)
	crtcs := make([]uint32, res.CountCrtcs)
	res = modeCardRes{
		ConnectorIDPtr: uint64(uintptr(unsafe.Pointer(&ids[0]))), CountConnectors: uint32(len(ids)),
		CrtcIDPtr: uint64(uintptr(unsafe.Pointer(&crtcs[0]))), CountCrtcs: uint32(len(crtcs)),
	}
	if err := d.ioctl(ioctlGetResources, unsafe.Pointer(&res)); err != nil {
		return nil, fmt.Errorf("drm: %s: GETRESOURCES: %w", d.path, err)
	}
	d.crtcs = crtcs[:min(len(crtcs), int(res.CountCrtcs))]
	ids = ids[:min(len(ids), int(res.CountConnectors))]
	var seen []string
	for _, id := range ids {
		c, err := d.connectorInfo(id)
		if err != nil {
			return nil, err
		}
		seen = append(seen, fmt.Sprintf("%d (%d modes)", id, len(c.modes)))
		if c.modes != nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("drm: %s: no connected connector with modes among %v", d.path, seen)
}

// connectorInfo reads a connector; modes is nil unless it is connected.
func (d *Dev) connectorInfo(id uint32) (*connector, error) {
	// The counts can change between the two calls (hotplug): retry.
	for range 5 {
		c := modeGetConnector{ConnectorID: id}
		if err := d.ioctl(ioctlGetConnector, unsafe.Pointer(&c)); err != nil {
			return nil, fmt.Errorf("drm: %s: GETCONNECTOR %d: %w", d.path, id, err)
		}
		nModes, nEnc := c.CountModes, c.CountEncoders
		infos := make([]modeInfo, nModes+1)
		encs := make([]uint32, nEnc+1)
		c = modeGetConnector{
			ConnectorID: id,
			ModesPtr:    uint64(uintptr(unsafe.Pointer(&infos[0]))), CountModes: nModes,
			EncodersPtr: uint64(uintptr(unsafe.Pointer(&encs[0]))), CountEncoders: nEnc,
		}
		if err := d.ioctl(ioctlGetConnector, unsafe.Pointer(&c)); err != nil {
			return nil, fmt.Errorf("drm: %s: GETCONNECTOR %d: %w", d.path, id, err)
		}
		if c.CountModes != nModes || c.CountEncoders != nEnc {
			continue
		}
		out := &connector{id: id, encoder: c.EncoderID, encoders: encs[:nEnc]}
		if c.Connection != modeConnected || nModes == 0 {
			return out, nil
		}
		out.infos = infos[:nModes]
		out.modes = make([]Mode, nModes)
		for i, m := range out.infos {
			out.modes[i] = Mode{
				Width: int(m.Hdisplay), Height: int(m.Vdisplay), Refresh: int(m.Vrefresh),
				Interlaced: m.Flags&modeFlagInterlace != 0, Preferred: m.Type&modeTypePreferred != 0,
				Name: cString(m.Name[:]),
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("drm: %s: connector %d keeps changing", d.path, id)
}

// findCrtc keeps the CRTC the connector's encoder already drives, or takes
// the first CRTC one of its encoders can drive.
func (d *Dev) findCrtc(c *connector) (uint32, error) {
	encs := c.encoders
	if c.encoder != 0 {
		encs = append([]uint32{c.encoder}, encs...)
	}
	for _, id := range encs {
		e := modeGetEncoder{EncoderID: id}
		if err := d.ioctl(ioctlGetEncoder, unsafe.Pointer(&e)); err != nil {
			return 0, fmt.Errorf("drm: %s: GETENCODER %d: %w", d.path, id, err)
		}
		if id == c.encoder && e.CrtcID != 0 {
			return e.CrtcID, nil
		}
		for i, crtc := range d.crtcs {
			if e.PossibleCrtcs&(1<<i) != 0 {
				return crtc, nil
			}
		}
	}
	return 0, fmt.Errorf("drm: %s: no CRTC for connector %d (encoders %v, CRTCs %v)", d.path, c.id, encs, d.crtcs)
}

// createBuffer makes one XBGR8888 dumb buffer, its framebuffer and mapping.
func (d *Dev) createBuffer(b *buffer, w, h int) error {
	cd := modeCreateDumb{Width: uint32(w), Height: uint32(h), Bpp: 32}
	if err := d.ioctl(ioctlCreateDumb, unsafe.Pointer(&cd)); err != nil {
		return fmt.Errorf("drm: %s: CREATE_DUMB %dx%d: %w", d.path, w, h, err)
	}
	b.handle = cd.Handle
	// XBGR8888 first: rows are then plain copies. Some drivers (bochs)
	// only scan out XRGB8888: swap R and B per pixel there.
	formats := []uint32{formatXBGR8888, formatXRGB8888}
	if d.format != 0 {
		formats = []uint32{d.format}
	}
	var fc modeFbCmd2
	var err error
	for _, f := range formats {
		fc = modeFbCmd2{Width: uint32(w), Height: uint32(h), PixelFormat: f}
		fc.Handles[0], fc.Pitches[0] = cd.Handle, cd.Pitch
		if err = d.ioctl(ioctlAddFB2, unsafe.Pointer(&fc)); err == nil {
			d.format = f
			break
		}
	}
	if err != nil {
		return fmt.Errorf("drm: %s: ADDFB2 %dx%d pitch %d as XBGR8888 or XRGB8888: %w", d.path, w, h, cd.Pitch, err)
	}
	b.fb = fc.FbID
	md := modeMapDumb{Handle: cd.Handle}
	if err := d.ioctl(ioctlMapDumb, unsafe.Pointer(&md)); err != nil {
		return fmt.Errorf("drm: %s: MAP_DUMB handle %d: %w", d.path, cd.Handle, err)
	}
	mem, err := unix.Mmap(int(d.f.Fd()), int64(md.Offset), int(cd.Size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("drm: %s: mmap %d bytes of dumb buffer %d: %w", d.path, cd.Size, cd.Handle, err)
	}
	b.mem = mem
	clear(mem)
	b.img = &image.RGBA{Pix: mem, Stride: int(cd.Pitch), Rect: image.Rect(0, 0, w, h)}
	return nil
}

func (d *Dev) String() string {
	return fmt.Sprintf("drm{%s connector %d crtc %d %s %s}", d.path, d.connector, d.crtc, d.mode, d.Format())
}

// Format is the scan-out pixel format: "XBGR8888" (Go's RGBA byte order,
// rows are copied) or "XRGB8888" (R and B swapped per pixel).
func (d *Dev) Format() string {
	if d.format == formatXRGB8888 {
		return "XRGB8888"
	}
	return "XBGR8888"
}

// Mode is the display timing in use.
func (d *Dev) Mode() Mode { return d.mode }

// ColorModel implements display.Drawer.
func (d *Dev) ColorModel() color.Model { return color.RGBAModel }

// Bounds implements display.Drawer.
func (d *Dev) Bounds() image.Rectangle { return image.Rect(0, 0, d.mode.Width, d.mode.Height) }

// Draw draws src at sp into r of the screen (clipped like draw.Draw with
// draw.Src) in the hidden buffer, then flips to it and waits for the flip.
// A full-screen *image.RGBA is one copy per row.
func (d *Dev) Draw(r image.Rectangle, src image.Image, sp image.Point) error {
	if src == nil {
		return errors.New("drm: nil source image")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return fmt.Errorf("drm: draw on closed %s", d.path)
	}
	bounds := d.Bounds()
	r, sp, ok := frame.Clip(bounds, r, src.Bounds(), sp)
	if !ok {
		return nil
	}
	front, back := &d.bufs[d.front], &d.bufs[1-d.front]
	if r != bounds {
		// The hidden buffer is one frame old: bring it up to date first.
		frame.CopyRGBA(back.img, bounds, front.img, image.Point{})
	}
	s, isRGBA := src.(*image.RGBA)
	switch {
	case isRGBA && d.format == formatXBGR8888:
		frame.CopyRGBA(back.img, r, s, sp)
	case d.format == formatXBGR8888:
		draw.Draw(back.img, r, src, sp, draw.Src)
	default:
		if !isRGBA {
			if d.scratch == nil {
				d.scratch = image.NewRGBA(bounds)
			}
			draw.Draw(d.scratch, r, src, sp, draw.Src)
			s, sp = d.scratch, r.Min
		}
		swapRGBA(back.img, r, s, sp)
	}
	if err := d.show(back.fb); err != nil {
		return err
	}
	d.front = 1 - d.front
	return nil
}

// show flips to framebuffer fb and waits for the flip to complete (the
// next vertical blank). Drivers without page flips get SETCRTC.
func (d *Dev) show(fb uint32) error {
	if d.flip {
		pf := modeCrtcPageFlip{CrtcID: d.crtc, FbID: fb, Flags: pageFlipEvent, UserData: uint64(fb)}
		err := d.ioctl(ioctlPageFlip, unsafe.Pointer(&pf))
		if err == nil {
			return d.waitFlip()
		}
		if err == unix.ENOMEM {
			return fmt.Errorf("drm: %s: PAGE_FLIP crtc %d to fb %d: %w (video memory too small for two %s buffers? ask for a smaller mode in Opts)", d.path, d.crtc, fb, err, d.mode)
		}
		if err != unix.EINVAL && err != unix.ENOSYS && err != unix.EOPNOTSUPP {
			return fmt.Errorf("drm: %s: PAGE_FLIP crtc %d to fb %d: %w", d.path, d.crtc, fb, err)
		}
		d.flip = false
	}
	cid := d.connector
	var mi modeInfo
	set := modeCrtc{CrtcID: d.crtc}
	if err := d.ioctl(ioctlGetCrtc, unsafe.Pointer(&set)); err != nil {
		return fmt.Errorf("drm: %s: GETCRTC %d: %w", d.path, d.crtc, err)
	}
	mi = set.Mode
	set = modeCrtc{SetConnectorsPtr: uint64(uintptr(unsafe.Pointer(&cid))), CountConnectors: 1, CrtcID: d.crtc, FbID: fb, ModeValid: 1, Mode: mi}
	if err := d.ioctl(ioctlSetCrtc, unsafe.Pointer(&set)); err != nil {
		return fmt.Errorf("drm: %s: SETCRTC crtc %d to fb %d: %w", d.path, d.crtc, fb, err)
	}
	return nil
}

// waitFlip reads DRM events until the flip-complete one.
func (d *Dev) waitFlip() error {
	var buf [128]uint64 // 8-byte aligned for eventVblank
	b := unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), len(buf)*8)
	for {
		n, err := unix.Read(int(d.f.Fd()), b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("drm: %s: read flip event: %w", d.path, err)
		}
		for off := 0; off+8 <= n; {
			ev := (*eventVblank)(unsafe.Pointer(&b[off]))
			if ev.Length < 8 || off+int(ev.Length) > n {
				return fmt.Errorf("drm: %s: bad event length %d at %d of %d bytes", d.path, ev.Length, off, n)
			}
			if ev.Type == eventFlipComplete && ev.Length >= uint32(unsafe.Sizeof(*ev)) && ev.CrtcID == d.crtc {
				return nil
			}
			off += int(ev.Length)
		}
	}
}

// Halt blanks the screen to black; the next Draw paints over it.
func (d *Dev) Halt() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	clear(d.bufs[d.front].mem)
	return nil
}

// Close blanks the screen, puts back the CRTC as Open found it (e.g. the
// text console) and frees the buffers.
func (d *Dev) Close() error {
	_ = d.Halt()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	var err error
	if d.saved.FbID != 0 {
		cid := d.connector
		d.saved.SetConnectorsPtr = uint64(uintptr(unsafe.Pointer(&cid)))
		d.saved.CountConnectors = 1
		if e := d.ioctl(ioctlSetCrtc, unsafe.Pointer(&d.saved)); e != nil {
			err = fmt.Errorf("drm: %s: restore CRTC %d: %w", d.path, d.crtc, e)
		}
	}
	if e := d.release(); err == nil {
		err = e
	}
	return err
}

// release frees buffers and closes the card.
func (d *Dev) release() error {
	for i := range d.bufs {
		b := &d.bufs[i]
		if b.mem != nil {
			_ = unix.Munmap(b.mem)
			b.mem, b.img = nil, nil
		}
		if b.fb != 0 {
			fb := b.fb
			_ = d.ioctl(ioctlRmFB, unsafe.Pointer(&fb))
			b.fb = 0
		}
		if b.handle != 0 {
			dd := modeDestroyDumb{Handle: b.handle}
			_ = d.ioctl(ioctlDestroyDumb, unsafe.Pointer(&dd))
			b.handle = 0
		}
	}
	if err := d.f.Close(); err != nil {
		return fmt.Errorf("drm: close %s: %w", d.path, err)
	}
	return nil
}

func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// swapRGBA copies rectangle r of dst (XRGB8888: B, G, R, X in memory) from
// the RGBA src at sp, swapping R and B and writing X as 0xFF; r is already
// clipped.
func swapRGBA(dst *image.RGBA, r image.Rectangle, src *image.RGBA, sp image.Point) {
	n := r.Dx() * 4
	di := dst.PixOffset(r.Min.X, r.Min.Y)
	si := src.PixOffset(sp.X, sp.Y)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		pixconv.XRGB8888(dst.Pix[di:di+n], src.Pix[si:si+n])
		di += dst.Stride
		si += src.Stride
	}
}
