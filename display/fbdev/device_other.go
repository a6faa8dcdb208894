//go:build !linux

package fbdev

import "errors"

func openFile(string) (device, error) {
	return nil, errors.New("framebuffer devices need Linux")
}
