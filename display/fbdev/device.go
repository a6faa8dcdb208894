package fbdev

// fbBitfield is struct fb_bitfield from <linux/fb.h>.
type fbBitfield struct {
	Offset   uint32 // beginning of the field, in bits from the LSB
	Length   uint32
	MsbRight uint32
}

// varScreenInfo is struct fb_var_screeninfo (160 bytes on every arch).
type varScreenInfo struct {
	Xres, Yres                 uint32
	XresVirtual, YresVirtual   uint32
	Xoffset, Yoffset           uint32
	BitsPerPixel               uint32
	Grayscale                  uint32
	Red, Green, Blue, Transp   fbBitfield
	Nonstd                     uint32
	Activate                   uint32
	Height, Width              uint32 // mm
	AccelFlags                 uint32
	Pixclock                   uint32
	LeftMargin, RightMargin    uint32
	UpperMargin, LowerMargin   uint32
	HsyncLen, VsyncLen         uint32
	Sync, Vmode, Rotate, Color uint32
	Reserved                   [4]uint32
}

// fixScreenInfo is struct fb_fix_screeninfo; the unsigned longs are uintptr
// so the layout matches the kernel on 32- and 64-bit ARM and on amd64
// (68 bytes on 32-bit, 80 on 64-bit).
type fixScreenInfo struct {
	ID           [16]byte
	SmemStart    uintptr
	SmemLen      uint32
	Type         uint32
	TypeAux      uint32
	Visual       uint32
	Xpanstep     uint16
	Ypanstep     uint16
	Ywrapstep    uint16
	LineLength   uint32
	MmioStart    uintptr
	MmioLen      uint32
	Accel        uint32
	Capabilities uint16
	Reserved     [2]uint16
}

const (
	fbTypePackedPixels  = 0
	fbVisualTrueColor   = 2
	fbVisualDirectColor = 4
)

// device is what Dev needs from the kernel; fake in tests.
type device interface {
	info() (fixScreenInfo, varScreenInfo, error)
	// mmap maps the first n bytes of framebuffer memory read-write, shared.
	mmap(n int) ([]byte, error)
	// waitVSync blocks until the next vertical blank; an error means the
	// driver cannot.
	waitVSync() error
	// close unmaps the memory and closes the device.
	close() error
}
