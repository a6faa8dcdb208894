// Package arm64test holds only a test: the arm64 build of sunboard, run
// under qemu-aarch64 (Debian package qemu-user), renders the sample village
// byte-identical to the host build, and the tests of the packages with
// ARM assembly pass as arm64 (qemu-aarch64) and ARMv7 (qemu-arm) binaries.
package arm64test
