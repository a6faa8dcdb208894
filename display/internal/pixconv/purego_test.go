//go:build purego

package pixconv

const purego = true
