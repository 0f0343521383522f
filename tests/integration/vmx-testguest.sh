#!/usr/bin/env bash
# GRUB on a legacy BIOS (Bochs, a CPU with VMX and EPT) -> argon.elf through
# the Multiboot2 entry -> the test guest under VMX with EPT: argon comes up
# with GRUB's memory map, ACPI tables and modules, runs the guest, whose
# checks all pass, stops it at its access beyond RAM, and powers off.
# Usage: vmx-testguest.sh ARGON_EFI TESTGUEST_ELF (argon.elf is taken from
# beside ARGON_EFI, in the build folder's root)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

argon_elf=$(dirname "$1")/argon.elf
dir=$(new_esp "$argon_elf" "$2" <<'CONF'
[guest.test]
kernel = "testguest.elf"
memory = "64M"
cpus = [0]
cmdline = "console=ttyS0 argon-test"
CONF
)
trap 'rm -rf "$dir"' EXIT

log=$dir/console.log
start=$SECONDS
boot_bochs "$dir" "$log" || fail "machine did not power off by itself (bochs-run exit $?)"
echo "vmx-testguest: the Bochs run took $((SECONDS - start)) s"

# The Multiboot2 entry.
expect "$log" '^argon: Multiboot2 loader$' "argon.elf entered from GRUB"
expect "$log" '^argon: module argon\.conf: [1-9][0-9]* bytes at [0-9a-f]+$' "argon.conf passed as a module"
expect "$log" '^argon: module testguest\.elf: [1-9][0-9]* bytes at [0-9a-f]+$' \
	"the guest kernel passed as a module"
expect "$log" '^argon: core starting \(loader multiboot2\)$' "the core came up through Multiboot2"

# The core on what the entry handed over: CPUs from the MADT (via the RSDP
# copy in GRUB's info), and the memory map less what argon occupies.
expect "$log" '^argon: 1 CPU\(s\), boot CPU 0, [1-9][0-9]* MiB free, TSC [1-9][0-9]* kHz$' \
	"found its CPU and its memory"
free=$(sed -n 's/^argon: .* CPU(s), boot CPU .*, \([0-9]*\) MiB free,.*/\1/p' "$log" | head -n1)
if [ -n "$free" ] && { [ "$free" -lt 448 ] || [ "$free" -ge 512 ]; }; then
	fail "$free MiB free out of 512 MiB: the memory map looks wrong"
fi
expect_not "$log" '^argon\.conf:[0-9]+:[0-9]+: error' "argon.conf parsed without errors"
expect_not "$log" '^argon: warning:' "no warnings (the VM-entry checker passed the VMCS)"

expect "$log" '^argon: backend vmx enabled on CPU 0$' "VMX backend enabled"
expect_testguest "$log" test "console=ttyS0 argon-test"
expect_testguest_emulation "$log" test
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
