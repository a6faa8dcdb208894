package drm

import "unsafe"

// Kernel ABI from <drm/drm.h> and <drm/drm_mode.h>; every struct has the
// same layout on 32- and 64-bit (pointers travel as __u64).

const (
	iocWrite = 1
	iocRead  = 2
)

func iowr(nr, size uintptr) uintptr {
	return (iocRead|iocWrite)<<30 | size<<16 | 'd'<<8 | nr
}

type modeCardRes struct {
	FbIDPtr, CrtcIDPtr, ConnectorIDPtr, EncoderIDPtr     uint64
	CountFbs, CountCrtcs, CountConnectors, CountEncoders uint32
	MinWidth, MaxWidth, MinHeight, MaxHeight             uint32
}

// ModeInfo is struct drm_mode_modeinfo: one display timing.
type modeInfo struct {
	Clock                                         uint32
	Hdisplay, HsyncStart, HsyncEnd, Htotal, Hskew uint16
	Vdisplay, VsyncStart, VsyncEnd, Vtotal, Vscan uint16
	Vrefresh                                      uint32
	Flags                                         uint32
	Type                                          uint32
	Name                                          [32]byte
}

type modeCrtc struct {
	SetConnectorsPtr uint64
	CountConnectors  uint32
	CrtcID           uint32
	FbID             uint32
	X, Y             uint32
	GammaSize        uint32
	ModeValid        uint32
	Mode             modeInfo
}

type modeGetEncoder struct {
	EncoderID, EncoderType, CrtcID, PossibleCrtcs, PossibleClones uint32
}

type modeGetConnector struct {
	EncodersPtr, ModesPtr, PropsPtr, PropValuesPtr         uint64
	CountModes, CountProps, CountEncoders                  uint32
	EncoderID, ConnectorID, ConnectorType, ConnectorTypeID uint32
	Connection, MmWidth, MmHeight, Subpixel, Pad           uint32
}

type modeCrtcPageFlip struct {
	CrtcID, FbID, Flags, Reserved uint32
	UserData                      uint64
}

type modeCreateDumb struct {
	Height, Width, Bpp, Flags uint32
	Handle, Pitch             uint32
	Size                      uint64
}

type modeMapDumb struct {
	Handle, Pad uint32
	Offset      uint64
}

type modeDestroyDumb struct{ Handle uint32 }

type modeFbCmd2 struct {
	FbID, Width, Height, PixelFormat, Flags uint32
	Handles, Pitches, Offsets               [4]uint32
	// C aligns __u64 to 8 on arm and amd64; Go aligns uint64 to 4 on
	// 32-bit ARM, so pad explicitly to keep Modifier at 72 everywhere.
	_        uint32
	Modifier [4]uint64
}

// eventVblank is struct drm_event_vblank, what read(2) returns after a
// page flip with DRM_MODE_PAGE_FLIP_EVENT.
type eventVblank struct {
	Type, Length                    uint32
	UserData                        uint64
	TvSec, TvUsec, Sequence, CrtcID uint32
}

var (
	ioctlGetResources = iowr(0xA0, 64)
	ioctlGetCrtc      = iowr(0xA1, 104)
	ioctlSetCrtc      = iowr(0xA2, 104)
	ioctlGetEncoder   = iowr(0xA6, 20)
	ioctlGetConnector = iowr(0xA7, 80)
	ioctlRmFB         = iowr(0xAF, 4)
	ioctlPageFlip     = iowr(0xB0, 24)
	ioctlCreateDumb   = iowr(0xB2, 32)
	ioctlMapDumb      = iowr(0xB3, 16)
	ioctlDestroyDumb  = iowr(0xB4, 4)
	ioctlAddFB2       = iowr(0xB8, 104)
)

const (
	modeConnected     = 1
	modeTypePreferred = 1 << 3
	modeFlagInterlace = 1 << 4
	pageFlipEvent     = 0x01
	eventFlipComplete = 0x02
	formatXBGR8888    = 'X' | 'B'<<8 | '2'<<16 | '4'<<24 // R, G, B, X in memory
	formatXRGB8888    = 'X' | 'R'<<8 | '2'<<16 | '4'<<24 // B, G, R, X in memory
)

// Compile-time checks that the layouts match the kernel's on every GOARCH
// built (a negative array length fails the build): GOARCH=arm go build.
var (
	_ [unsafe.Sizeof(modeCardRes{}) - 64]byte
	_ [64 - unsafe.Sizeof(modeCardRes{})]byte
	_ [unsafe.Sizeof(modeCrtc{}) - 104]byte
	_ [104 - unsafe.Sizeof(modeCrtc{})]byte
	_ [unsafe.Sizeof(modeGetConnector{}) - 80]byte
	_ [80 - unsafe.Sizeof(modeGetConnector{})]byte
	_ [unsafe.Sizeof(modeCrtcPageFlip{}) - 24]byte
	_ [24 - unsafe.Sizeof(modeCrtcPageFlip{})]byte
	_ [unsafe.Sizeof(modeCreateDumb{}) - 32]byte
	_ [32 - unsafe.Sizeof(modeCreateDumb{})]byte
	_ [unsafe.Sizeof(modeMapDumb{}) - 16]byte
	_ [16 - unsafe.Sizeof(modeMapDumb{})]byte
	_ [unsafe.Offsetof(modeFbCmd2{}.Modifier) - 72]byte
	_ [72 - unsafe.Offsetof(modeFbCmd2{}.Modifier)]byte
	_ [unsafe.Sizeof(modeFbCmd2{}) - 104]byte
	_ [104 - unsafe.Sizeof(modeFbCmd2{})]byte
	_ [unsafe.Offsetof(eventVblank{}.UserData) - 8]byte
	_ [8 - unsafe.Offsetof(eventVblank{}.UserData)]byte
)
