//go:build !ws281x

package selfupdate

// flavour is appended to Arch: the default pure-Go build has none.
const flavour = ""
