#!/bin/sh
# pi-setup.sh --check: is this Raspberry Pi set up for a sunboard board?
# Checks config.txt, cmdline.txt, fstab and journald.conf (all paths can be
# given, so the check runs on copies too) and prints one line per item:
#   ok    / WARN (works, but not as recommended) / FAIL (fix before use).
# Exits 1 if anything FAILs. It changes nothing; deploy/README.md says how
# to fix each item. Installed as /usr/share/sunboard/pi-setup.sh.
#
#   pi-setup.sh --check [--config FILE] [--cmdline FILE] [--fstab FILE]
#                       [--journald FILE] [--ws281x] [--overlay]
#   --ws281x   the board is driven by ws281x (PWM): analog audio must be off
#   --overlay  require the read-only root (overlayfs, boot=overlay)
set -u

boot=/boot/firmware
[ -d "$boot" ] || boot=/boot # Raspberry Pi OS before bookworm
config=$boot/config.txt
cmdline=$boot/cmdline.txt
fstab=/etc/fstab
journald=/etc/systemd/journald.conf
ws281x=no
overlay=no
check=no

usage() {
	echo "usage: $0 --check [--config FILE] [--cmdline FILE] [--fstab FILE] [--journald FILE] [--ws281x] [--overlay]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--check) check=yes ;;
	--config) [ $# -ge 2 ] || usage; config=$2; shift ;;
	--cmdline) [ $# -ge 2 ] || usage; cmdline=$2; shift ;;
	--fstab) [ $# -ge 2 ] || usage; fstab=$2; shift ;;
	--journald) [ $# -ge 2 ] || usage; journald=$2; shift ;;
	--ws281x) ws281x=yes ;;
	--overlay) overlay=yes ;;
	*) usage ;;
	esac
	shift
done
[ "$check" = yes ] || usage

fails=0
ok() { echo "ok    $*"; }
warn() { echo "WARN  $*"; }
fail() { echo "FAIL  $*"; fails=$((fails + 1)); }

for f in "$config" "$cmdline" "$fstab" "$journald"; do
	[ -r "$f" ] || { fail "cannot read $f"; }
done
[ "$fails" -eq 0 ] || exit 1

# Active config.txt lines: comments and blanks dropped, spaces trimmed.
# Conditional sections ([pi4], [all], ...) are not evaluated: a setting
# anywhere counts.
active() { sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$1" | grep -v '^$'; }

# dtparam NAME VALUE: true if a dtparam line sets NAME=VALUE (dtparam lines
# may carry several, comma-separated: dtparam=i2c_arm=on,spi=on).
dtparam() {
	active "$config" | sed -n 's/^dtparam=//p' | tr ',' '\n' | grep -qx "$1=$2"
}

# ---- config.txt
if dtparam spi on; then ok "SPI enabled (dtparam=spi=on)"; else fail "SPI off: add dtparam=spi=on to $config"; fi
if dtparam i2c_arm on; then ok "I2C enabled (dtparam=i2c_arm=on)"; else fail "I2C off: add dtparam=i2c_arm=on to $config"; fi

kms=$(active "$config" | grep '^dtoverlay=vc4-kms-v3d' | tail -n 1)
case ,${kms#dtoverlay=}, in
*,composite,* | *,composite=1,* | *,composite=on,*) ok "KMS with composite output ($kms)" ;;
,, ) fail "no KMS overlay: add dtoverlay=vc4-kms-v3d,composite to $config" ;;
*) fail "composite output off: change '$kms' to dtoverlay=vc4-kms-v3d,composite in $config" ;;
esac
if active "$config" | grep -q '^dtoverlay=vc4-fkms-v3d'; then
	fail "vc4-fkms-v3d (fake KMS) also set: remove it from $config"
fi

depth=$(active "$config" | sed -n 's/^framebuffer_depth=//p' | tail -n 1)
case $depth in
32) ok "framebuffer_depth=32" ;;
'') warn "framebuffer_depth not set: add framebuffer_depth=32 (and framebuffer_ignore_alpha=1) to $config" ;;
*) warn "framebuffer_depth=$depth: the TV output is drawn in 32 bpp (XRGB8888); set framebuffer_depth=32" ;;
esac

if [ "$ws281x" = yes ]; then
	if dtparam audio off; then ok "analog audio off (ws281x uses PWM)"; else fail "ws281x uses PWM, shared with analog audio: set dtparam=audio=off in $config"; fi
else
	ok "analog audio not checked (no --ws281x)"
fi

# ---- cmdline.txt: one line, the kernel reads only the first
lines=$(grep -c . "$cmdline")
if [ "$lines" -ne 1 ]; then
	fail "$cmdline has $lines non-empty lines: the kernel command line must be a single line"
fi
args=" $(head -n 1 "$cmdline") "
has_arg() { case $args in *" $1 "*) return 0 ;; esac; return 1; }
if has_arg "video=Composite-1:720x576@50ie"; then
	ok "composite PAL 720x576 interlaced (video=Composite-1:720x576@50ie)"
else
	fail "composite mode not PAL: add video=Composite-1:720x576@50ie to $cmdline"
fi
if has_arg "fsck.repair=yes"; then ok "fsck repairs the root on boot (fsck.repair=yes)"; else fail "no fsck.repair=yes in $cmdline: a power cut can leave the SD card unbootable"; fi
if has_arg "boot=overlay"; then
	ok "read-only root with overlayfs (boot=overlay)"
elif [ "$overlay" = yes ]; then
	fail "read-only root required but boot=overlay missing: raspi-config nonint enable_overlayfs"
else
	warn "root is writable (optional: read-only root with raspi-config nonint enable_overlayfs)"
fi

# ---- fstab: the root file system is mounted noatime
rootopts=$(awk '$1 !~ /^#/ && $2 == "/" { print $4 }' "$fstab" | tail -n 1)
case ,$rootopts, in
,,) fail "no / entry in $fstab" ;;
*,noatime,*) ok "/ mounted noatime" ;;
*) fail "/ mounted '$rootopts' without noatime: add noatime in $fstab (every read would write)" ;;
esac

# ---- journald: in RAM, or at least bounded on the SD card
jactive=$(active "$journald")
storage=$(echo "$jactive" | sed -n 's/^Storage=//p' | tail -n 1)
maxuse=$(echo "$jactive" | sed -n 's/^SystemMaxUse=//p' | tail -n 1)
case $storage in
volatile)
	runtime=$(echo "$jactive" | sed -n 's/^RuntimeMaxUse=//p' | tail -n 1)
	if [ -n "$runtime" ]; then ok "journal in RAM (Storage=volatile, RuntimeMaxUse=$runtime)"; else ok "journal in RAM (Storage=volatile)"; fi ;;
*)
	if [ -n "$maxuse" ]; then
		warn "journal on the SD card, limited to SystemMaxUse=$maxuse (Storage=volatile writes nothing)"
	else
		fail "journal on the SD card without a size limit: set Storage=volatile and RuntimeMaxUse=32M in $journald"
	fi ;;
esac

if [ "$fails" -gt 0 ]; then
	echo "$fails item(s) to fix; see /usr/share/doc/sunboard/README.md"
	exit 1
fi
echo "all checks passed"
