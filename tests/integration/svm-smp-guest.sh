#!/usr/bin/env bash
# A guest with two vCPUs: its first vCPU starts the second through its
# x2APIC (INIT and SIPI, which argon intercepts and turns into starting
# the vCPU pinned to the other core, in real mode at the SIPI page) and
# sees it run. When the guest stops, argon pulls the second vCPU, still
# spinning in the guest, out with a kick, and powers off.
# Usage: svm-smp-guest.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(new_esp "$1" "$2" <<'CONF'
[guest.smp]
kernel = "testguest.elf"
memory = "64M"
cpus = [0, 1]
cmdline = "testguest.mode=smp"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
boot "$esp" "$log" --timeout 120 --smp 2 || fail "machine did not power off by itself (qemu-run exit $?)"

expect "$log" "^argon: guest 'smp': 64 MiB at host 0x[0-9a-f]+, 2 vCPU\\(s\\)" "the guest got two vCPUs"
expect "$log" '^\[smp\] PASS ap-start$' "the second vCPU started on INIT/SIPI and ran"
expect_testguest "$log" smp "testguest.mode=smp"
expect "$log" '^argon: exits guest=smp .* msr-write=[0-9]+ .* nmi=1 ' \
	"the spinning second vCPU was kicked out exactly once"
expect "$log" '^argon: exits guest=smp .* ipi=[1-9][0-9]*' \
	"the ICR writes that started the second vCPU (INIT, SIPI) were counted as IPIs"
expect "$log" '^argon: all guests stopped \(1 started\)$' "both vCPUs left the guest"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
