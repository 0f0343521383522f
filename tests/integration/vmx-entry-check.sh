#!/usr/bin/env bash
# argon's command line option vmx.break_entry=guest-tr clears the present
# bit of the guest's TR before the first VM entry. The software VM-entry
# checker must name that check before the entry and again when the CPU
# (Bochs) refuses it; argon stops the guest, not itself, and powers off.
# Usage: vmx-entry-check.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

argon_elf=$(dirname "$1")/argon.elf
dir=$(new_esp "$argon_elf" "$2" <<'CONF'
[guest.broken]
kernel = "testguest.elf"
memory = "16M"
cpus = [0]
CONF
)
trap 'rm -rf "$dir"' EXIT

log=$dir/console.log
boot_bochs "$dir" "$log" "vmx.break_entry=guest-tr" ||
	fail "machine did not power off by itself (bochs-run exit $?)"

expect "$log" '^argon: warning: vmx.break_entry=guest-tr: guest state spoiled on purpose' \
	"the debug option took effect"
expect "$log" '^argon: vmcs check failed: guest\.tr\.present \(SDM 26\.3\.1\.2\): ' \
	"the checker named the broken check"
expect "$log" "^argon: warning: guest 'broken': the VM-entry checker expects this entry to fail" \
	"the checker warned before the entry"
expect "$log" "^argon: guest 'broken' stopped: VM entry failed: invalid guest state \\(exit entry-fail, raw 0x80000021\\)" \
	"the CPU refused the entry (exit reason 33 with bit 31) and argon stopped the guest"
[ "$(grep -c '^argon: vmcs check failed: guest\.tr\.present' "$log")" -eq 2 ] ||
	fail "the checker's verdict was not printed both before and after the failed entry"
expect_not "$log" '^argon: vmcs check failed: (ctrl|host)\.' "controls and host state passed the checker"
expect_not "$log" '^\[broken\]' "the guest never ran"
expect "$log" '^argon: powering off' "argon went on and powered the machine off"
finish
