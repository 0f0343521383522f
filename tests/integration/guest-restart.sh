#!/usr/bin/env bash
# on_exit = "restart": a guest that crashes (its first boot fills its RAM
# with data, then triple-faults) boots again, finds its RAM zeroed and
# passes its checks, while a second guest on the other core runs to the end
# undisturbed; on_exit = "stop" guests stay stopped. The crashing guest has
# a second vCPU that its first boot never starts: argon's kick (an NMI on
# SVM) reaches that core while it waits for a SIPI, outside the guest, and
# must not be delivered when the second boot starts it.
# Usage: guest-restart.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(new_esp "$1" "$2" <<'CONF'
[guest.phoenix]
kernel = "testguest.elf"
memory = "64M"
cpus = [1, 2]
cmdline = "testguest.mode=crash-first testguest.mode=smp"
on_exit = "restart"

[guest.steady]
kernel = "testguest.elf"
memory = "64M"
cpus = [0]
cmdline = "steady"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
boot "$esp" "$log" --timeout 120 --smp 3 || fail "machine did not power off by itself (qemu-run exit $?)"

expect "$log" '^\[phoenix\] argon-testguest: start, 64 MiB RAM, cmdline "testguest.mode=crash-first testguest.mode=smp argon.boot=1"$' \
	"first boot"
expect "$log" "^argon: guest 'phoenix' stopped: triple fault .*; on_exit = restart$" "crash seen, restart due"
expect "$log" "^argon: guest 'phoenix': restarting \\(boot 2\\)$" "argon restarted it"
expect "$log" '^\[phoenix\] argon-testguest: start, 64 MiB RAM, cmdline "testguest.mode=crash-first testguest.mode=smp argon.boot=2"$' \
	"second boot with its boot number"
expect "$log" '^\[phoenix\] PASS ram-zeroed$' "RAM the first boot filled was zeroed for the second"
expect "$log" '^\[phoenix\] PASS ap-start$' "the second vCPU started cleanly in the second boot"
expect_not "$log" '^\[phoenix\] FAIL' "no check failed after the restart"
expect "$log" '^\[phoenix\] argon-testguest: [0-9]+ passed, 0 failed$' "second boot's summary"
expect "$log" "^argon: guest 'phoenix' stopped: powered off$" "a power-off ends it for good"
[ "$(grep -c "^argon: guest 'phoenix': restarting" "$log")" -eq 1 ] || fail "restarted more than once"
expect_testguest "$log" steady "steady"
expect "$log" '^argon: all guests stopped \(2 started\)$' "both guests ended"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
