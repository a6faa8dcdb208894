// Package deploy holds what installs sunboard on a Raspberry Pi: the systemd
// unit (sunboard.service, ws281x.conf drop-in), the example config, the Pi
// setup checker (pi-setup.sh). Its tests check those files; the .deb
// packager is deploy/deb, the sd_notify helpers deploy/notify.
package deploy
