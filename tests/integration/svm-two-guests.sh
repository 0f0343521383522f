#!/usr/bin/env bash
# Two test guests at once, each on its own core (CPU 0 and the application
# processor argon starts, CPU 1) and in its own RAM: both pass every check,
# including the full RAM write-and-read-back that would catch any overlap,
# and each is stopped at its own access beyond RAM.
# Usage: svm-two-guests.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(new_esp "$1" "$2" <<'CONF'
[guest.left]
kernel = "testguest.elf"
memory = "64M"
cpus = [0]
cmdline = "left"

[guest.right]
kernel = "testguest.elf"
memory = "64M"
cpus = [1]
cmdline = "right"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
boot "$esp" "$log" --timeout 120 --smp 2 || fail "machine did not power off by itself (qemu-run exit $?)"

expect "$log" '^argon: 1 of 1 other CPU\(s\) up$' "the application processor came up"
expect_testguest "$log" left "left"
expect_testguest "$log" right "right"
left_host=$(sed -n "s/^argon: guest 'left': 64 MiB at host \(0x[0-9a-f]*\),.*/\1/p" "$log")
right_host=$(sed -n "s/^argon: guest 'right': 64 MiB at host \(0x[0-9a-f]*\),.*/\1/p" "$log")
if [ -z "$left_host" ] || [ -z "$right_host" ] ||
	[ $((left_host > right_host ? left_host - right_host : right_host - left_host)) -lt $((64 << 20)) ]; then
	fail "guest RAM blocks overlap or were not reported ($left_host, $right_host)"
fi
expect "$log" '^argon: all guests stopped \(2 started\)$' "both guests ran"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
