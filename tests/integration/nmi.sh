#!/usr/bin/env bash
# NMIs: a test guest with two vCPUs sends NMIs through its x2APIC ICR, to
# itself and to its second vCPU (also while that one floods the console),
# in bursts; argon passes each on into the guest (at least one per burst:
# NMIs merge while one is pending) and keeps running. Under VMX that takes
# NMI exiting, virtual NMIs and NMIs held while argon runs; under SVM, NMI
# blocking tracked across the guest's IRET. An ordinary test guest on a
# third core passes beside it, and the machine powers off. VMX runs in the
# SMP Bochs (three CPUs).
# Usage: nmi.sh ARGON_EFI TESTGUEST_ELF svm|vmx
set -euo pipefail
. "$(dirname "$0")/lib.sh"

backend=$3
image=$1
[ "$backend" = vmx ] && image=$(dirname "$1")/argon.elf
esp=$(new_esp "$image" "$2" <<'CONF'
[guest.nmi]
kernel = "testguest.elf"
memory = "64M"
cpus = [0, 1]
cmdline = "testguest.mode=nmi testguest.nmi-peer"

[guest.plain]
kernel = "testguest.elf"
memory = "64M"
cpus = [2]
cmdline = "plain"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
if [ "$backend" = vmx ]; then
	boot_bochs "$esp" "$log" "" 120 --smp 3 || fail "machine did not power off by itself (bochs-run exit $?)"
else
	boot "$esp" "$log" --timeout 120 --smp 3 || fail "machine did not power off by itself (qemu-run exit $?)"
fi

expect "$log" "^argon: backend $backend enabled on CPU 0\$" "$backend backend"
for check in nmi-self nmi-self-shorthand nmi-peer-start nmi-peer-flood nmi-still-running; do
	expect "$log" "^\[nmi\] PASS $check\$" "NMI check $check passed"
done
for check in "self by APIC id" "peer by APIC id" "peer by all-but-self"; do
	expect "$log" "^\[nmi\] hostile-nmi: $check: [1-9][0-9]* NMI\(s\) for 500 sent\$" "NMIs $check arrived"
done
expect "$log" "^\[nmi\] hostile-nmi: peer vCPU console flood line\$" "the second vCPU's lines came out whole"
expect_not "$log" "^\[nmi\] hostile-nmi: peer vCPU console flood line.+" "its lines were not mixed with others"
expect_not "$log" "^\[nmi\] FAIL" "no NMI check failed"
expect "$log" "^\[nmi\] argon-testguest: 5 passed, 0 failed\$" "NMI guest summary"
expect "$log" "^argon: guest 'nmi' stopped: powered off\$" "the NMI guest powered itself off"
expect_testguest "$log" plain "plain"
expect_not "$log" 'PANIC' "argon did not panic"
expect "$log" '^argon: all guests stopped \(2 started\)$' "both guests ran"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
