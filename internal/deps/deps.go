package deps
import (
 _ "github.com/rpi-ws281x/rpi-ws281x-go"
 _ "periph.io/x/conn/v3/display"
 _ "periph.io/x/host/v3"
 _ "periph.io/x/devices/v3/nrzled"
 _ "github.com/fogleman/gg"
 _ "github.com/golang/freetype"
 _ "github.com/theupdateframework/go-tuf/v2/metadata"
 _ "golang.org/x/image/font/opentype"
 _ "github.com/go-text/typesetting/segmenter"
 _ "github.com/BurntSushi/toml"
 _ "github.com/yuin/goldmark"
 _ "rsc.io/qr"
 _ "gopkg.in/yaml.v3"
 _ "github.com/disintegration/imaging"
)

import (
	_ "github.com/theupdateframework/go-tuf/v2/metadata/updater"
	_ "github.com/theupdateframework/go-tuf/v2/metadata/config"
	_ "periph.io/x/devices/v3/apa102"
	_ "periph.io/x/conn/v3/spi/spitest"
	_ "golang.org/x/image/font/sfnt"
	_ "golang.org/x/image/font/gofont/goregular"
	_ "golang.org/x/sys/unix"
)
