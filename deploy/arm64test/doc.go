// Package arm64test holds only a test: the arm64 build of sunboard, run
// under qemu-aarch64 (Debian package qemu-user), renders the sample village
// byte-identical to the host build, and the tests of the packages with
// arm64 assembly pass as arm64 binaries.
package arm64test
