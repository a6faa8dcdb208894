# sunboard — see README.md. Every target works on a fresh Debian machine
# with Go; `make test` needs Chromium (.ci/run installs it).
GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN         := bin
PKGS        := ./...
# main.version: what `sunboard version` prints and self-update compares.
LDFLAGS     = -s -w -X main.version=$(VERSION)
VERSION     ?= 0.1.0

.PHONY: all build test vet staticcheck bench demo cross fmt clean systest deb

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/...

demo: build
	$(BIN)/sunboard demo

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet $(PKGS)
	$(GO) vet -tags ws281x ./display/...
	# The assembly row converters: vet checks each architecture's frames.
	GOARCH=arm64 $(GO) vet ./display/...
	GOARCH=arm GOARM=7 $(GO) vet ./display/...
	GOARCH=arm GOARM=6 $(GO) vet ./display/...
	$(GO) vet -tags purego ./display/...

staticcheck:
	$(GO) run $(STATICCHECK) $(PKGS)

# The browser test (agent.TestPreviewInChromium, display/sim) runs inside
# `go test`; with CI set a missing Chromium fails instead of skipping.
test: vet staticcheck
	$(GO) test -race -timeout 15m $(PKGS)
	# The Go row loops alone, as 32-bit ARM and older x86 run them.
	$(GO) test -tags purego ./display/internal/pixconv ./display/fbdev ./display/drm

# Go benchmarks only: never timed assertions in `make test`.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./agent/ ./render/ ./fonts/ ./display/... ./feed/... ./player/... ./county/ ./cmd/

# A real kernel: QEMU boots Debian's kernel with an initramfs holding the
# static agent and the county's root.json; /init loads e1000.ko, brings up
# 10.0.2.15, runs `sunboard sync` against a throwaway county's `sunpub serve`
# on the host (QEMU user networking) and draws what it verified on /dev/fb0
# (vesafb, 24 bpp) and on DRM (bochs); the screendumps must match the page
# rendered here. Needs apt-get install -y qemu-system-x86 linux-image-amd64 cpio.
systest:
	$(GO) test -tags systest -run TestQEMU -v -timeout 10m ./deploy/systest/

cross:
	GOOS=linux GOARCH=arm GOARM=6 CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/linux-armv6/ ./cmd/...
	GOOS=linux GOARCH=arm GOARM=7 CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/linux-armv7/ ./cmd/...
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/linux-arm64/ ./cmd/...
	@ls -l $(BIN)/linux-*/

# Debian packages: sunboard for arm64, armhf (GOARM=7) and armhf-armv6
# (GOARM=6), sunpub for the county's amd64 server. See deploy/README.md.
deb:
	$(GO) run ./deploy/deb -out dist -version $(VERSION)

clean:
	rm -rf $(BIN) dist
