//go:build !purego

package pixconv

const purego = false
