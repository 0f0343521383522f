#!/usr/bin/env bash
# A config with errors (unknown key, missing key, unreadable kernel, a CPU
# that does not exist, a CPU used twice, memory that does not fit, a syntax
# error, PCI functions that are malformed, named twice, missing, bridges,
# without a reset, or sharing a DMA requester id across guests): argon
# prints every one with file:line:column, starts no guest and powers the
# machine off. The machine gets a PCIe root port at 00:06.0 with a
# PCIe-to-PCI bridge behind it (bus 2) and two conventional PCI test
# devices on that bus (02:01.0, 02:02.0), whose DMA the bridge tags with
# its own id 02:00.0; the rig's NVMe controller is at 00:02.0. A second
# host bridge (root bus 0x80, no bridge leads there) that bypasses the
# IOMMU has an NVMe controller at 81:00.0, which no IOMMU unit covers. A
# root port at 00:07.0 without ACS has an NVMe controller at 03:00.0
# behind it, whose peer-to-peer DMA the port would not send up to the
# IOMMU.
# Usage: bad-config.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(new_esp "$1" "$2" <"$(dirname "$0")/configs/bad-config.conf")
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
mapfile -t machine < <(machine_args "$(dirname "$0")/configs/bad-config.machine")
boot "$esp" "$log" --timeout 120 "${machine[@]}" ||
	fail "machine did not power off by itself (qemu-run exit $?)"

expect "$log" "^argon.conf:6:1: error: unknown key 'memroy'" "unknown key reported at line 6 column 1"
expect "$log" "^argon.conf:4:1: error: .*memory" "missing memory reported at the guest's header"
expect "$log" "^argon.conf:10:10: error: cannot read kernel '.*missing.elf': not found" "missing kernel reported at its value"
expect "$log" "^argon.conf:12:9: error: CPU 7 does not exist \\(this machine has CPUs 0-3\\)" "CPU that does not exist reported at its number"
expect "$log" "^argon.conf:17:9: error: CPU 0 is already used by guest 'test'" "CPU used twice reported at the second use"
expect "$log" "^argon.conf:16:10: error: guests up to 'big' need [0-9]+ MiB of RAM, but [0-9]+ MiB are free" "memory too large reported at its value"
expect "$log" "^argon.conf:21:11: error: .*unterminated string" "syntax error reported at its column"
expect "$log" "^argon: pci: 0000:00:02.0 1b36:0010 class 010802 nvme, BAR0 0x[0-9a-f]+ 16K 64-bit, MSI-X [0-9]+ in BAR0, SR-IOV, FLR\$" \
	"the NVMe controller is in argon's PCI table"
expect "$log" "^argon: pci: 0000:01:00.0 1b36:000e class 060400 pci-bridge, bus 02-02" "the PCIe-to-PCI bridge was found behind the root port"
expect "$log" "^argon.conf:29:23: error: PCI function 0000:00:00.0 is a host bridge \\(class 060000\\)" "host bridge refused at its address"
expect "$log" "^argon.conf:29:39: error: PCI function 0000:00:1f.0 is an ISA bridge \\(class 060100\\)" "ISA bridge refused"
expect "$log" "^argon.conf:29:50: error: PCI function 0000:00:09.0 does not exist on this machine" "missing function reported"
expect "$log" "^argon.conf:29:61: error: PCI function 0000:00:02.0 is listed twice" "function listed twice by one guest"
expect "$log" "^argon.conf:29:72: error: PCI function 0000:00:06.0 is a PCI-to-PCI bridge \\(class 060400\\)" "PCIe root port refused"
expect "$log" "^argon.conf:29:83: error: PCI function 0000:02:01.0 cannot be reset \\(no FLR, no D3hot->D0 reset\\)" "function without reset refused"
expect_not "$log" "^argon.conf:29:12: " "the NVMe controller is assignable"
expect "$log" "^argon.conf:35:12: error: PCI function 0000:00:02.0 is already assigned to guest 'pass1'" "function named by two guests"
expect "$log" "^argon.conf:35:28: error: PCI function 0000:02:02.0 cannot be reset" "second function without reset refused"
expect "$log" "^argon.conf:35:28: error: PCI function 0000:02:02.0 shares DMA id 0000:02:00.0 with 0000:02:01.0 of guest 'pass1'" \
	"functions behind one PCIe-to-PCI bridge cannot go to two guests"
expect "$log" "^argon.conf:35:39: error: PCI address '00:20.0' is out of range" "malformed address reported"
expect "$log" "^argon: pci: 0000:81:00.0 1b36:0010 class 010802 nvme" "the function behind the second host bridge was found"
expect "$log" "^argon.conf:35:50: error: no IOMMU covers PCI function 0000:81:00.0" "function outside every IOMMU unit refused"
expect "$log" "^argon: pci: ACS isolation turned on in [0-9]+ port" "ACS turned on in the root ports that have it"
expect "$log" "^argon.conf:35:61: error: PCI function 0000:03:00.0 is behind PCIe port 0000:00:07.0 without ACS" \
	"function behind a root port without ACS refused"
[ "$(grep -c '^argon.conf:[0-9]*:[0-9]*: error: ' "$log")" -eq 19 ] ||
	fail "not exactly the 19 errors in the file were reported"
expect "$log" '^argon: error: argon.conf has errors; no guest started' "no guest started"
expect_not "$log" "^argon: starting guest" "no guest was started"
expect_not "$log" '^\[test\]' "the guest printed nothing"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
