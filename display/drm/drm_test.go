package drm

import (
	"bytes"
	"image"
	"strings"
	"testing"
	"unsafe"

	"github.com/sunboard/sunboard/display/internal/frame"
	"periph.io/x/conn/v3/display"
)

var _ display.Drawer = (*Dev)(nil)

// TestABI pins struct sizes and ioctl numbers to <drm/drm_mode.h> (the
// numbers as libdrm's xf86drmMode.h callers see them).
func TestABI(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want uintptr
	}{
		{"drm_mode_card_res", unsafe.Sizeof(modeCardRes{}), 64},
		{"drm_mode_modeinfo", unsafe.Sizeof(modeInfo{}), 68},
		{"drm_mode_crtc", unsafe.Sizeof(modeCrtc{}), 104},
		{"drm_mode_get_encoder", unsafe.Sizeof(modeGetEncoder{}), 20},
		{"drm_mode_get_connector", unsafe.Sizeof(modeGetConnector{}), 80},
		{"drm_mode_crtc_page_flip", unsafe.Sizeof(modeCrtcPageFlip{}), 24},
		{"drm_mode_create_dumb", unsafe.Sizeof(modeCreateDumb{}), 32},
		{"drm_mode_map_dumb", unsafe.Sizeof(modeMapDumb{}), 16},
		{"drm_mode_destroy_dumb", unsafe.Sizeof(modeDestroyDumb{}), 4},
		{"drm_mode_fb_cmd2", unsafe.Sizeof(modeFbCmd2{}), 104},
		{"drm_event_vblank", unsafe.Sizeof(eventVblank{}), 32},
		{"offsetof(drm_mode_crtc.mode)", unsafe.Offsetof(modeCrtc{}.Mode), 36},
		{"offsetof(drm_mode_fb_cmd2.modifier)", unsafe.Offsetof(modeFbCmd2{}.Modifier), 72},
		{"DRM_IOCTL_MODE_GETRESOURCES", ioctlGetResources, 0xC04064A0},
		{"DRM_IOCTL_MODE_GETCRTC", ioctlGetCrtc, 0xC06864A1},
		{"DRM_IOCTL_MODE_SETCRTC", ioctlSetCrtc, 0xC06864A2},
		{"DRM_IOCTL_MODE_GETENCODER", ioctlGetEncoder, 0xC01464A6},
		{"DRM_IOCTL_MODE_GETCONNECTOR", ioctlGetConnector, 0xC05064A7},
		{"DRM_IOCTL_MODE_RMFB", ioctlRmFB, 0xC00464AF},
		{"DRM_IOCTL_MODE_PAGE_FLIP", ioctlPageFlip, 0xC01864B0},
		{"DRM_IOCTL_MODE_CREATE_DUMB", ioctlCreateDumb, 0xC02064B2},
		{"DRM_IOCTL_MODE_MAP_DUMB", ioctlMapDumb, 0xC01064B3},
		{"DRM_IOCTL_MODE_DESTROY_DUMB", ioctlDestroyDumb, 0xC00464B4},
		{"DRM_IOCTL_MODE_ADDFB2", ioctlAddFB2, 0xC06864B8},
		{"DRM_FORMAT_XBGR8888", formatXBGR8888, 0x34324258},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %#x, want %#x", tc.name, tc.got, tc.want)
		}
	}
}

func TestPickMode(t *testing.T) {
	m := func(w, h, hz int, flags string) Mode {
		return Mode{Width: w, Height: h, Refresh: hz, Preferred: strings.Contains(flags, "p"), Interlaced: strings.Contains(flags, "i")}
	}
	hdmi := []Mode{m(1920, 1080, 60, "p"), m(1920, 1080, 50, ""), m(1280, 720, 60, ""), m(1280, 720, 50, ""), m(720, 576, 50, ""), m(640, 480, 60, "")}
	for _, tc := range []struct {
		name  string
		modes []Mode
		w, h  int
		want  string // Mode.String, or error text
	}{
		{"720p first", hdmi, 0, 0, "1280x720@60"},
		{"asked 1080p", hdmi, 1920, 1080, "1920x1080@60"},
		{"asked 640", hdmi, 640, 480, "640x480@60"},
		{"asked missing", hdmi, 800, 600, "no 800x600 mode; the connector offers 1920x1080@60, "},
		{"1080p next", []Mode{m(1024, 768, 60, "p"), m(1920, 1080, 60, "")}, 0, 0, "1920x1080@60"},
		{"composite 576i", []Mode{m(720, 480, 60, "i"), m(720, 576, 50, "i")}, 0, 0, "720x576@50i"},
		{"progressive over interlaced", []Mode{m(1920, 1080, 60, "i"), m(1920, 1080, 60, "")}, 0, 0, "1920x1080@60"},
		{"preferred of one size", []Mode{m(1280, 720, 60, ""), m(1280, 720, 50, "p")}, 0, 0, "1280x720@50"},
		{"else preferred", []Mode{m(800, 600, 60, ""), m(1024, 768, 60, "p")}, 0, 0, "1024x768@60"},
		{"else first", []Mode{m(800, 600, 60, ""), m(1024, 768, 60, "")}, 0, 0, "800x600@60"},
		{"none", nil, 0, 0, "no modes"},
	} {
		i, err := pickMode(tc.modes, tc.w, tc.h)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = tc.modes[i].String()
		}
		if !strings.HasPrefix(got, tc.want) && !strings.Contains(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCopyAndClip(t *testing.T) {
	// The back buffer as Open maps it: pitch wider than the screen.
	mem := make([]byte, 16*3)
	dst := &image.RGBA{Pix: mem, Stride: 16, Rect: image.Rect(0, 0, 3, 3)}
	src := image.NewRGBA(image.Rect(0, 0, 2, 2))
	for i := range src.Pix {
		src.Pix[i] = byte(i + 1)
	}
	r, sp, ok := frame.Clip(dst.Rect, image.Rect(2, 2, 10, 10), src.Bounds(), image.Point{})
	if !ok || r != image.Rect(2, 2, 3, 3) || sp != (image.Point{}) {
		t.Fatalf("clip: %v %v %v", r, sp, ok)
	}
	frame.CopyRGBA(dst, r, src, sp)
	for i, b := range mem {
		want := byte(0)
		if i >= 2*16+8 && i < 2*16+12 {
			want = byte(i - (2*16 + 8) + 1)
		}
		if b != want {
			t.Fatalf("byte %d = %d, want %d (% x)", i, b, want, mem)
		}
	}
	if _, err := Open("/nonexistent/card9", nil); err == nil || !strings.Contains(err.Error(), `"/nonexistent/card9"`) {
		t.Errorf("Open missing card: %v", err)
	}
}

func TestSwapRGBA(t *testing.T) {
	dst := &image.RGBA{Pix: make([]byte, 12*2), Stride: 12, Rect: image.Rect(0, 0, 2, 2)}
	src := image.NewRGBA(image.Rect(0, 0, 2, 2))
	copy(src.Pix, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	swapRGBA(dst, dst.Rect, src, image.Point{})
	want := []byte{3, 2, 1, 0xFF, 7, 6, 5, 0xFF, 0, 0, 0, 0, 11, 10, 9, 0xFF, 15, 14, 13, 0xFF, 0, 0, 0, 0}
	if !bytes.Equal(dst.Pix, want) {
		t.Errorf("XRGB8888 rows % x, want % x", dst.Pix, want)
	}
}

// TestSwapRGBAOddWidths covers the two-pixel loop and the odd last pixel.
func TestSwapRGBAOddWidths(t *testing.T) {
	for w := 1; w <= 5; w++ {
		src := image.NewRGBA(image.Rect(0, 0, w, 2))
		for i := range src.Pix {
			src.Pix[i] = byte(i*37 + 1)
		}
		dst := &image.RGBA{Pix: make([]byte, (w*4+4)*2), Stride: w*4 + 4, Rect: image.Rect(0, 0, w, 2)}
		swapRGBA(dst, dst.Rect, src, image.Point{})
		for y := range 2 {
			for x := range w {
				s, d := src.Pix[y*src.Stride+4*x:][:4], dst.Pix[y*dst.Stride+4*x:][:4]
				if d[0] != s[2] || d[1] != s[1] || d[2] != s[0] || d[3] != 0xFF {
					t.Errorf("width %d (%d,%d): % x from % x", w, x, y, d, s)
				}
			}
			if pad := dst.Pix[y*dst.Stride+4*w : (y+1)*dst.Stride]; !bytes.Equal(pad, make([]byte, 4)) {
				t.Errorf("width %d row %d: padding written % x", w, y, pad)
			}
		}
	}
}
