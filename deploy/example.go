package deploy

import _ "embed"

// ExampleConfig is deploy/sunboard.toml, which the .deb installs as
// /etc/sunboard/sunboard.toml: `sunboard provision` replaces it without
// --force when it is still byte-for-byte this file, since nothing a
// technician wrote would be lost.
//
//go:embed sunboard.toml
var ExampleConfig []byte
