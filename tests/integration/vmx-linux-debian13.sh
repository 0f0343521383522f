#!/usr/bin/env bash
# Debian 13's kernel (6.12) under VMX with EPT (Bochs's Tiger Lake, through
# GRUB and the Multiboot2 entry): the Intel side of the CPUID and MSR
# policy. It boots to its initramfs and powers off, with no panic and no
# MSR fault but one: Bochs shows APERF/MPERF in CPUID leaf 6 and faults on
# a read of APERF (0xE8), an emulator gap that real CPUs do not have.
# Usage: vmx-linux-debian13.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

argon_elf=$(dirname "$1")/argon.elf
dir=$(new_esp "$argon_elf" "$3/bzImage-deb13" "$3/initrd-base.img" <<'CONF'
[guest.trixie]
kernel = "bzImage-deb13"
initrd = "initrd-base.img"
memory = "256M"
cpus = [0]
cmdline = "console=ttyS0 argon.test=info"
CONF
)
trap 'rm -rf "$dir"' EXIT

log=$dir/console.log
start=$SECONDS
boot_bochs "$dir" "$log" "" 900 || fail "machine did not power off by itself (bochs-run exit $?)"
echo "vmx-linux-debian13: the Bochs run took $((SECONDS - start)) s"

expect "$log" '^argon: backend vmx enabled on CPU 0$' "VMX backend"
expect "$log" '^\[trixie\] ARGON-TEST end info$' "the kernel reached its initramfs and ran its scenario"
want=$(sed -n 's/^kernel-deb13 //p' "$3/manifest.txt")
[ "$(test_value "$log" trixie kernel)" = "$want" ] ||
	fail "the guest runs kernel '$(test_value "$log" trixie kernel)', not $want"
expect_not "$log" '^\[trixie\] .*(Kernel panic|BUG:|MCA architectural|mce: |Firmware Bug)' \
	"no panic, bug or machine-check complaint"
faults=$(grep -E '^\[trixie\] .*MSR access error' "$log" | grep -v 'RDMSR from 0xe8 ' || true)
[ -z "$faults" ] || fail "MSR faults besides Bochs's APERF: $faults"
expect "$log" "^argon: guest 'trixie' stopped: powered off$" "the guest powered itself off"
finish
