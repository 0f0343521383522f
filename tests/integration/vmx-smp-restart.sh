#!/usr/bin/env bash
# The test guest with two vCPUs under VMX, on the two-CPU Bochs built with
# SMP: its first boot crashes before starting its second vCPU (argon's
# kick, an INIT under VMX, reaches that core while it waits for a SIPI);
# argon restarts it, and the second boot starts the second vCPU through
# INIT and SIPI into real mode, sees it run, and passes its checks.
# Usage: vmx-smp-restart.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$(new_esp "$(dirname "$1")/argon.elf" "$2" <<'CONF'
[guest.phoenix]
kernel = "testguest.elf"
memory = "64M"
cpus = [0, 1]
cmdline = "testguest.mode=crash-first testguest.mode=smp"
on_exit = "restart"
CONF
)
trap 'rm -rf "$dir"' EXIT

log=$dir/console.log
boot_bochs "$dir" "$log" "" 300 --smp 2 || fail "machine did not power off by itself (bochs-run exit $?)"

expect "$log" '^argon: backend vmx enabled on CPU 0$' "VMX backend"
expect "$log" '^argon: 1 of 1 other CPU\(s\) up$' "argon started the second CPU"
expect "$log" "^argon: guest 'phoenix' stopped: triple fault .*; on_exit = restart\$" "crash seen, restart due"
expect "$log" "^argon: guest 'phoenix': restarting \\(boot 2\\)\$" "argon restarted it"
expect "$log" '^\[phoenix\] argon-testguest: start, .*argon.boot=2"$' "second boot"
expect "$log" '^\[phoenix\] PASS ap-start$' "the second vCPU started on INIT/SIPI and ran"
expect "$log" '^\[phoenix\] PASS cr-owned-bits$' "CR0.NE and CR4.VMXE behave as on hardware"
expect_not "$log" '^\[phoenix\] FAIL' "no check failed"
expect "$log" '^\[phoenix\] argon-testguest: [0-9]+ passed, 0 failed$' "second boot's summary"
expect "$log" "^argon: guest 'phoenix' stopped: powered off\$" "a power-off ends it"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
