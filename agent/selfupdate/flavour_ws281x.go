//go:build ws281x

package selfupdate

// flavour is appended to Arch: a cgo ws281x build (built by hand on the
// Pi, deploy/README.md) follows no pure-Go release, or an update would
// take its LED driver away.
const flavour = "-ws281x"
