#!/usr/bin/env bash
# OVMF -> argon.efi on the rig's QEMU with its VT-d unit: argon finds the
# unit in the DMAR, reports what it offers, turns on DMA translation and
# interrupt remapping (QEMU's own trace of the unit's registers shows both
# switched on, and never off again, and the invalidation queue in use),
# reports no fault, and two test guests still pass every check.
# Usage: svm-iommu-up.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(new_esp "$1" "$2" <<'CONF'
[argon]
log = "info"
on_idle = "poweroff"

[guest.one]
kernel = "testguest.elf"
memory = "64M"
cpus = [0]
cmdline = "console=ttyS0"

[guest.two]
kernel = "testguest.elf"
memory = "64M"
cpus = [1]
cmdline = "console=ttyS0"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
trace=$esp/qemu-trace.log
boot "$esp" "$log" --timeout 120 --trace-log "$trace" -- \
	-trace vtd_dmar_enable -trace vtd_ir_enable -trace vtd_inv_qi_enable -trace vtd_inv_desc_iec ||
	fail "machine did not power off by itself (qemu-run exit $?)"

# What argon says of the unit (QEMU: intel-iommu,intremap=on,eim=on,caching-mode=on).
expect "$log" '^argon: iommu: VT-d unit 0: CAP 0x[0-9a-f]+ ECAP 0x[0-9a-f]+$' "unit registers read"
expect "$log" '^argon: iommu: VT-d unit 0 at 0xfed90000: ver 1\.0, 48-bit, 2M/1G pages, QI, IR\+EIM, caching mode, walks not coherent \(clflush\)$' \
	"unit described"
expect "$log" '^argon: iommu: 1 unit\(s\) on: DMA of every function not attached is blocked' "units on"
expect_not "$log" '^argon: iommu: .*(fault|cannot|failed|did not|refused)' "no IOMMU error or fault"

# What the emulated unit saw: translation and remapping on, and left on
# (a guest start or stop must not switch them off), the queue enabled.
expect "$trace" 'vtd_dmar_enable enable 1' "DMA translation (GCMD.TE) switched on"
expect "$trace" 'vtd_ir_enable enable 1' "interrupt remapping (GCMD.IRE) switched on"
expect "$trace" 'vtd_inv_qi_enable enabled 1' "invalidation queue switched on"
expect "$trace" 'vtd_inv_desc_iec' "interrupt entry cache invalidated through the queue"
last_dmar=$(grep -o 'vtd_dmar_enable enable [01]' "$trace" | tail -n1)
last_ir=$(grep -o 'vtd_ir_enable enable [01]' "$trace" | tail -n1)
[ "$last_dmar" = "vtd_dmar_enable enable 1" ] || fail "translation ended off ($last_dmar)"
[ "$last_ir" = "vtd_ir_enable enable 1" ] || fail "remapping ended off ($last_ir)"

expect_testguest "$log" one "console=ttyS0"
expect_testguest "$log" two "console=ttyS0"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
