#!/usr/bin/env bash
# NMIs under VMX: a test guest with two vCPUs sends NMIs through its x2APIC
# ICR to itself and to its second vCPU (while that one floods the console),
# in bursts; argon (NMI exiting, virtual NMIs, NMIs held while it runs)
# passes each on into the guest (at least one per burst: NMIs merge while
# one is pending) and keeps running. An ordinary test guest on a third
# core passes beside it, and the machine powers off. Three CPUs: the SMP
# Bochs.
# Usage: vmx-nmi.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nmi-lib.sh"

esp=$(new_esp "$(dirname "$1")/argon.elf" "$2" <<'CONF'
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
boot_bochs "$esp" "$log" "" 120 --smp 3 || fail "machine did not power off by itself (bochs-run exit $?)"

expect "$log" '^argon: backend vmx enabled on CPU 0$' "VMX backend"
expect_nmi_guest "$log" nmi
expect_testguest "$log" plain "plain"
expect_not "$log" 'PANIC' "argon did not panic"
expect "$log" '^argon: all guests stopped \(2 started\)$' "both guests ran"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
