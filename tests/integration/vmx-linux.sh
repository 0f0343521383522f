#!/usr/bin/env bash
# An unmodified Debian kernel under VMX with EPT (Bochs, through GRUB and
# the Multiboot2 entry): it boots to its initramfs, sees its one core and
# its RAM, and powers off. Bochs is slow: this takes minutes.
# Usage: vmx-linux.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

argon_elf=$(dirname "$1")/argon.elf
dir=$(new_esp "$argon_elf" "$3/bzImage" "$3/initrd-base.img" <<'CONF'
[guest.linux]
kernel = "bzImage"
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
echo "vmx-linux: the Bochs run took $((SECONDS - start)) s"

expect "$log" '^argon: backend vmx enabled on CPU 0$' "VMX backend"
expect "$log" '^\[linux\] .*x2apic: enabled by BIOS, switching to x2apic ops' "the guest kept x2APIC"
expect "$log" '^\[linux\] ARGON-TEST begin info$' "the kernel reached its initramfs"
[ "$(test_value "$log" linux nproc)" = 1 ] || fail "the guest does not see exactly one CPU"
within "$(test_value "$log" linux memtotal_kb)" 180000 262144 || fail "the guest's RAM is not about 256 MiB"
expect_not "$log" '^\[linux\] .*(Kernel panic|BUG:|traps: .* trap)' "no panic, bug or trap"
expect "$log" "^argon: guest 'linux' stopped: powered off$" "the guest powered itself off"
expect "$log" '^argon: exits guest=linux total=[1-9]' "exit counters printed"
# argon-exits in the guest's user space: VMCALL from CPL 3 reaches argon.
expect "$log" '^\[linux\] ARGON-TEST exits=cpuid=[1-9][0-9]* .* hypercall=[1-9]' \
	"the guest's user space read its exit counters with VMCALL"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
