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
expect "$log" '^\[test\] argon-testguest: start, 64 MiB RAM, cmdline "console=ttyS0 argon-test"$' \
	"guest started and got its RAM size and command line from argon"
for check in cpuid-hypervisor-bit cpuid-hides-virt cpuid-signature hypercall-version \
	exit-counts io-unassigned-port msr-efer msr-unknown-gp hlt ram-readback \
	no-stray-interrupts; do
	expect "$log" "^\[test\] PASS $check\$" "guest check $check passed"
done
expect_not "$log" '^\[test\] FAIL' "no guest check failed"
expect "$log" '^\[test\] argon-testguest: [0-9]+ passed, 0 failed' "guest summary"

# The guest names the first address past its RAM; argon must stop it there.
addr=$(sed -n 's/^\[test\] argon-testguest: touching \(0x[0-9a-f]*\) beyond RAM.*/\1/p' "$log" | head -n1)
if [ -z "$addr" ]; then
	fail "guest did not announce its out-of-range access"
else
	expect "$log" "^argon: guest 'test' stopped: access to unmapped guest-physical address $addr \\(read\\)" \
		"argon stopped the guest at $addr"
fi
expect_not "$log" 'FAIL out-of-range' "the out-of-range read did not return"
expect "$log" '^argon: exits guest=test total=[1-9][0-9]* .* cpuid=[1-9][0-9]* .* hlt=1 hypercall=[1-9]' \
	"exit counters printed"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
