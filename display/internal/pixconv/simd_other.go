//go:build purego || !(amd64 || arm64 || arm)

package pixconv

// No assembly here: every row goes through the Go loops.
var simd loops
