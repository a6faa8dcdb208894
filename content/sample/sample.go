// Package sample embeds the built-in sample village that `make demo` and
// the end-to-end tests publish: realistic 党务, 村务 and 财务 items, a
// month of accounts and a receipt photo.
package sample

import (
	"embed"
	"io/fs"

	"github.com/sunboard/sunboard/content"
)

//go:embed village
var files embed.FS

// Village returns the sample village folder.
func Village() fs.FS {
	sub, err := fs.Sub(files, "village")
	if err != nil {
		panic(err) // the embed pattern above guarantees the directory
	}
	return sub
}

// Files returns the folder as relpath → bytes, the form sunpub publishes.
func Files() (map[string][]byte, error) {
	return content.ReadAll(Village())
}
