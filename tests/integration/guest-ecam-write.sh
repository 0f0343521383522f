#!/usr/bin/env bash
# Each guest's PCI configuration space (ECAM) is trapped: its bus 0 has
# argon's host bridge at 00:00.0 and nothing else reads but all ones.
# Guest "writer" writes zeros over the host bridge's ids: argon ignores
# the write and counts it, the writer reads the ids back unchanged and goes
# on; its neighbour "reader" sees its own bus as before (and passes every
# other check). Under SVM in
# QEMU, or with "vmx" as the third argument under VMX in the two-CPU Bochs.
# Usage: guest-ecam-write.sh ARGON_EFI TESTGUEST_ELF [vmx]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

backend=${3:-svm}
image=$1
head=
if [ "$backend" = vmx ]; then
	image=$(dirname "$1")/argon.elf
	# The two-CPU Bochs has one core with two threads.
	head='[argon]
smt_split = "allow"
'
fi
esp=$(new_esp "$image" "$2" <<CONF
$head
[guest.writer]
kernel = "testguest.elf"
memory = "64M"
cpus = [0]
cmdline = "testguest.mode=ecam-write"

[guest.reader]
kernel = "testguest.elf"
memory = "64M"
cpus = [1]
cmdline = "reader"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
if [ "$backend" = vmx ]; then
	boot_bochs "$esp" "$log" "" 300 --smp 2 ||
		fail "machine did not power off by itself (bochs-run exit $?)"
else
	boot "$esp" "$log" --timeout 120 --smp 2 ||
		fail "machine did not power off by itself (qemu-run exit $?)"
fi

expect "$log" '^\[writer\] argon-testguest: ECAM reads 0xa7601af0; writing 0 to 0xb0000000$' \
	"the writer read the host bridge's ids from its ECAM before writing"
expect "$log" '^\[writer\] PASS ecam-write: ignored, 00:00.0 still reads 0xa7601af0$' \
	"the write was ignored and the writer went on"
expect_not "$log" '^\[writer\] FAIL' "the write did not go through"
expect "$log" "^argon: guest 'writer' stopped: powered off" "the writer powered itself off"
expect "$log" '^argon: pci guest=writer functions=0 config_refused=1 msix_refused=0$' \
	"argon counted the refused write"
expect_testguest "$log" reader "reader"
expect "$log" '^\[reader\] PASS ecam-all-ones$' "the reader reads all-ones where no function is"
expect "$log" '^\[reader\] PASS ecam-host-bridge$' "the reader sees argon's host bridge"
expect "$log" '^argon: pci guest=reader functions=0 config_refused=0 msix_refused=0$' \
	"nothing refused for the reader"
expect "$log" '^argon: all guests stopped \(2 started\)$' "both guests ran"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
