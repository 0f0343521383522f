#!/usr/bin/env bash
# Restart is a clean power-on for the guest's core: the test guest's first
# boot arms a periodic LAPIC timer, leaves one tick in service and the next
# pending, raises its TPR and triple-faults. argon restarts it
# (on_exit = "restart"); the second boot must find the LAPIC as after
# reset (timer LVT masked, counts 0, TPR 0, ISR and IRR empty, software-
# disabled) and take no interrupt with interrupts on for far longer than
# the timer's period. Under SVM in QEMU (guest on CPU 1), or with "vmx" as
# third argument under VMX in Bochs (guest on CPU 0).
# Usage: guest-restart-timer.sh ARGON_EFI TESTGUEST_ELF [vmx]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

backend=${3:-svm}
if [ "$backend" = vmx ]; then
	image=$(dirname "$1")/argon.elf
	cpu=0
else
	image=$1
	cpu=1
fi
dir=$(new_esp "$image" "$2" <<CONF
[guest.phoenix]
kernel = "testguest.elf"
memory = "64M"
cpus = [$cpu]
cmdline = "testguest.mode=timer-crash"
on_exit = "restart"
CONF
)
trap 'rm -rf "$dir"' EXIT

log=$dir/console.log
if [ "$backend" = vmx ]; then
	boot_bochs "$dir" "$log" "" 300 || fail "machine did not power off by itself (bochs-run exit $?)"
else
	boot "$dir" "$log" --timeout 120 --smp 2 ||
		fail "machine did not power off by itself (qemu-run exit $?)"
fi

expect "$log" "^argon: backend $backend enabled on CPU 0\$" "the $backend backend"
expect "$log" '^\[phoenix\] argon-testguest: LAPIC timer armed, period [0-9]+ TSC cycles, one tick in service, one pending; crashing$' \
	"the first boot armed its timer"
expect "$log" "^argon: guest 'phoenix' stopped: triple fault .*; on_exit = restart\$" "crash seen, restart due"
expect "$log" "^argon: guest 'phoenix': restarting \\(boot 2\\)\$" "argon restarted it"
expect "$log" "^argon: guest 'phoenix': CPU $cpu: [1-9][0-9]* interrupt\\(s\\) left pending by its last boot dropped\$" \
	"argon dropped the tick the first boot left pending"
expect "$log" '^\[phoenix\] argon-testguest: start, .*argon.boot=2"$' "second boot"
expect "$log" '^\[phoenix\] PASS lapic-reset$' "the second boot found its LAPIC reset"
expect "$log" '^\[phoenix\] PASS lapic-quiet$' "the second boot took no interrupt"
expect "$log" '^\[phoenix\] PASS no-stray-interrupts$' "nor during its other checks"
expect_not "$log" '^\[phoenix\] FAIL' "no check failed"
period=$(sed -n 's/^\[phoenix\] argon-testguest: LAPIC timer armed, period \([0-9]*\) TSC.*/\1/p' "$log")
listened=$(sed -n 's/^\[phoenix\] argon-testguest: listened \([0-9]*\) TSC cycles.*/\1/p' "$log")
echo "guest-restart-timer: timer period ${period:-?} TSC cycles, second boot listened ${listened:-?}"
[ -n "$period" ] && [ -n "$listened" ] && [ "$listened" -gt $((10 * period)) ] ||
	fail "the second boot did not listen for ten timer periods"
expect "$log" "^argon: guest 'phoenix' stopped: powered off\$" "a power-off ends it"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
