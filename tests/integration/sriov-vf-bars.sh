#!/usr/bin/env bash
# VF BARs that firmware left empty. OVMF assigns every VF BAR, so the rig
# boots vf-bars-unset.efi (tests/efi/) in its place: it writes 0 to the VF
# BARs of the SR-IOV NVMe PF and starts argon.efi. Behind the PCIe root
# port (PF 01:00.0), argon places VF BAR0 for 2 VFs in the root port's
# non-prefetchable window, clear of the PF's own BAR0, says so, and a test
# guest on VF 1 reads the rig's label of namespace 1 and writes and reads
# through it. On bus 0 (PF 00:02.0) argon refuses: a root bus's windows are
# the host bridge's ACPI _CRS; no VF is set up, the guest given VF 1 does
# not start, the other guest does.
# Usage: sriov-vf-bars.sh ARGON_EFI TESTGUEST_ELF VF_BARS_UNSET_EFI
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ARGON=$1
GUEST=$2
UNSET=$3
out=$(mktemp -d "${TMPDIR:-/tmp}/argon-vfbars.XXXXXX")
trap 'rm -rf "$out"' EXIT

# run NAME PF: the ESP with vf-bars-unset.efi as the boot option, argon.efi,
# argon.conf and the test guest beside it; console in $out/NAME.log.
run() {
	local esp=$out/esp-$1
	mkdir -p "$esp/EFI/BOOT"
	cp "$UNSET" "$esp/EFI/BOOT/BOOTX64.EFI"
	cp "$ARGON" "$GUEST" "$esp/EFI/BOOT/"
	cat >"$esp/EFI/BOOT/argon.conf" <<CONF
[nvme.disk0]
pf = "$2"
vfs = 2
queues_per_vf = 4
vectors_per_vf = 2
namespaces = [1, 2]

[guest.user]
kernel = "testguest.elf"
memory = "64M"
cpus = [1]
devices = ["$2/vf1"]
cmdline = "testguest.mode=nvme-io"

[guest.other]
kernel = "testguest.elf"
memory = "64M"
cpus = [2]
cmdline = "console=ttyS0"
CONF
	boot "$esp" "$out/$1.log" --timeout 120 --smp 3 ||
		fail "$1: machine did not power off by itself (qemu-run exit $?)"
}

export RIG_SRIOV_PORT=1
run port 0000:01:00.0
log=$out/port.log
expect "$log" '^vf-bars-unset: 0000:01:00\.0: VF BARs set to 0' "port: firmware left the VF BARs empty"
expect "$log" '^argon: 0000:01:00\.0: assigned VF BAR0 \(64-bit, 16 KiB per VF, 2 VFs\) at 0x[0-9a-f]+-0x[0-9a-f]+ from the non-prefetchable window of 0000:00:[0-9a-f]{2}\.[0-7]$' \
	"port: argon placed VF BAR0 in the root port's window"
lo=$(sed -n 's/^argon: 0000:01:00\.0: assigned VF BAR0 .* at \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\) from .*/\1/p' "$log")
hi=$(sed -n 's/^argon: 0000:01:00\.0: assigned VF BAR0 .* at \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\) from .*/\2/p' "$log")
pf=$(sed -n 's/^argon: pci: 0000:01:00\.0 .* BAR0 \(0x[0-9a-f]*\) 16K .*/\1/p' "$log")
if [ -z "$lo" ] || [ -z "$pf" ]; then
	fail "port: the placed window or the PF's BAR0 is not in the log"
else
	[ $((hi - lo + 1)) -eq $((2 * 16384)) ] || fail "port: the window is not 2 x 16 KiB ($lo-$hi)"
	[ $((lo % 32768)) -eq 0 ] || fail "port: the window $lo is not aligned to 32 KiB"
	{ [ $((pf + 16384)) -le $((lo)) ] || [ $((pf)) -gt $((hi)) ]; } ||
		fail "port: the window $lo-$hi overlaps the PF's BAR0 at $pf"
	expect "$log" "^argon: guest 'user': 00:01\\.0 is 0000:01:00\\.0/vf1 \\(0000:01:00\\.1\\) 1b36:0010 class 010802, BAR0 $lo " \
		"port: VF 1's BAR0 is the start of the placed window"
fi
expect "$log" '^argon: 0000:01:00\.0: VF 1 is 0000:01:00\.1, controller 1, 4 queues, 2 vectors, namespace 1$' \
	"port: VF 1 set up"
expect "$log" '^\[user\] ARGON-TEST nvme label="argon-nvme ns1"$' "port: the guest reads namespace 1 through the VF"
expect "$log" '^\[user\] PASS nvme-write-read$' "port: and writes and reads back through it"
expect "$log" '^\[user\] argon-testguest: [0-9]+ passed, 0 failed' "port: the guest on the VF passed"
expect_testguest "$log" other "console=ttyS0"
expect_not "$log" "^argon: (error|warning): " "port: no error or warning"

export RIG_SRIOV_PORT=0
run bus0 0000:00:02.0
log=$out/bus0.log
expect "$log" '^vf-bars-unset: 0000:00:02\.0: VF BARs set to 0' "bus0: firmware left the VF BARs empty"
expect "$log" '^argon: error: 0000:00:02\.0: VF BAR0 \(64-bit, 16 KiB per VF\) is unassigned: firmware left it empty, and the PF is on root bus 00, whose windows \(the host bridge.s ACPI _CRS\) argon does not know; have firmware assign it or put the device behind a PCIe port$' \
	"bus0: argon refused to place it, with the reason"
expect "$log" '^argon: error: \[nvme\.disk0\]: no VF set up$' "bus0: no VF set up"
expect_not "$log" 'assigned VF BAR' "bus0: nothing placed"
expect "$log" "^argon: error: guest 'user': VF 0000:00:02\\.0/vf1 was not set up\$" "bus0: the VF's guest did not start"
expect_testguest "$log" other "console=ttyS0"
finish
