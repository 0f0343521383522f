#!/usr/bin/env bash
# A guest that triple-faults is stopped with a state dump; argon itself
# goes on, reports the guest's exits and powers the machine off.
# Usage: guest-triple-fault.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(new_esp "$1" "$2" <<'CONF'
[guest.crash]
kernel = "testguest.elf"
memory = "16M"
cpus = [0]
cmdline = "testguest.mode=triple-fault"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
boot "$esp" "$log" --timeout 120 || fail "machine did not power off by itself (qemu-run exit $?)"

expect "$log" '^\[crash\] argon-testguest: triple fault now$' "guest announced its triple fault"
expect "$log" "^argon: guest 'crash' stopped: triple fault \\(exit shutdown, raw 0x7f\\)" \
	"argon stopped the guest on its shutdown exit"
expect "$log" '^  VMCB control: exit_code 7f ' "argon dumped the guest's VMCB"
expect "$log" '^  idtr .* limit 00000000 ' "the dump shows the guest's empty IDT"
expect "$log" '^argon: exits guest=crash .* shutdown=1 ' "the shutdown exit was counted"
expect_not "$log" '^\[crash\] FAIL' "execution did not go on past the fault"
expect "$log" '^argon: powering off' "argon went on and powered the machine off"
finish
