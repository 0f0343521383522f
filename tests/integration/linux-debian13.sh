#!/usr/bin/env bash
# Debian 13's cloud kernel (6.12) and Debian 12's (6.1) side by side, two
# vCPUs each: both boot to their initramfs and power off, with no MSR
# fault, no machine-check complaint and no panic on the way. (6.12 panicked
# when CPUID showed MCA and its MSRs raised #GP.)
# Usage: linux-debian13.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(new_esp "$1" "$3/bzImage" "$3/bzImage-deb13" "$3/initrd-base.img" <<'CONF'
[guest.trixie]
kernel = "bzImage-deb13"
initrd = "initrd-base.img"
memory = "256M"
cpus = [0, 1]
cmdline = "console=ttyS0 argon.test=info"

[guest.bookworm]
kernel = "bzImage"
initrd = "initrd-base.img"
memory = "256M"
cpus = [2, 3]
cmdline = "console=ttyS0 argon.test=info"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
boot "$esp" "$log" --timeout 300 --smp 4 || fail "machine did not power off by itself (qemu-run exit $?)"

want_13=$(sed -n 's/^kernel-deb13 //p' "$3/manifest.txt")
want_12=$(sed -n 's/^kernel //p' "$3/manifest.txt")
for g in trixie bookworm; do
	expect "$log" "^\\[$g\\] ARGON-TEST end info$" "$g reached userspace and ran its scenario"
	[ "$(test_value "$log" "$g" nproc)" = 2 ] || fail "$g sees $(test_value "$log" "$g" nproc) CPUs, not 2"
	expect "$log" "^argon: guest '$g' stopped: powered off$" "$g powered itself off"
	# Kernel messages that mean a CPU feature and its MSRs disagree.
	expect_not "$log" "^\\[$g\\] .*(MSR access error|mce: |MCA architectural|Kernel panic|Firmware Bug)" \
		"$g's kernel log is clean of MSR faults and machine-check complaints"
done
[ "$(test_value "$log" trixie kernel)" = "$want_13" ] ||
	fail "trixie runs kernel '$(test_value "$log" trixie kernel)', not $want_13"
[ "$(test_value "$log" bookworm kernel)" = "$want_12" ] ||
	fail "bookworm runs kernel '$(test_value "$log" bookworm kernel)', not $want_12"
expect "$log" '^argon: all guests stopped \(2 started\)$' "both guests ran"
finish
