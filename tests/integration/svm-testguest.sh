#!/usr/bin/env bash
# OVMF -> argon.efi -> the test guest under SVM with nested paging: every
# guest check passes, argon stops the guest at its access beyond RAM and
# names the address, prints exit counters, and powers the machine off.
# Usage: svm-testguest.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(new_esp "$1" "$2" <<'CONF'
# The test guest on the boot CPU, 64 MiB as the guest was built for.
[argon]
log = "info"
on_idle = "poweroff"

[guest.test]
kernel = "testguest.elf"
memory = "64M"
cpus = [0]
cmdline = "console=ttyS0 argon-test"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
boot "$esp" "$log" --timeout 120 || fail "machine did not power off by itself (qemu-run exit $?)"

expect "$log" '^argon: backend svm enabled on CPU 0' "SVM backend enabled"
expect_testguest "$log" test "console=ttyS0 argon-test"
expect_testguest_emulation "$log" test
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
