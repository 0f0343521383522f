#!/usr/bin/env bash
# The PCI configuration space (ECAM) that every guest reads as all-ones is
# one host block shared by all guests, mapped read-only in each one's
# nested tables. Guest "writer" reads its ECAM, then writes to it: argon
# must stop it at that write, and its neighbour "reader" must still read
# all-ones there afterwards (and pass every other check). Under SVM in
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

expect "$log" '^\[writer\] argon-testguest: ECAM reads 0xffffffff; writing 0 to 0xb0000000$' \
	"the writer read all-ones from its ECAM before writing"
stop="^argon: guest 'writer' stopped: write of the PCI configuration space at 0xb0000000 "
expect "$log" "$stop" "argon stopped the writer at its ECAM write"
expect_not "$log" '^\[writer\] FAIL' "the write did not go on"
expect_testguest "$log" reader "reader"
expect "$log" '^\[reader\] PASS ecam-all-ones$' "the reader reads all-ones in its ECAM"
stop_line=$(grep -n "$stop" "$log" | head -n1 | cut -d: -f1)
read_line=$(grep -n '^\[reader\] PASS ecam-all-ones$' "$log" | head -n1 | cut -d: -f1)
[ -n "$stop_line" ] && [ -n "$read_line" ] && [ "$stop_line" -lt "$read_line" ] ||
	fail "the reader's ECAM check (line ${read_line:-?}) did not come after the write (line ${stop_line:-?})"
expect "$log" '^argon: all guests stopped \(2 started\)$' "both guests ran"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
