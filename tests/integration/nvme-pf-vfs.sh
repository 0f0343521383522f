#!/usr/bin/env bash
# OVMF -> argon.efi on the rig's QEMU, whose NVMe controller has SR-IOV and
# flexible resources (sriov_max_vfs=2, sriov_vq_flexible=8,
# sriov_vi_flexible=4) and two namespaces, the second attached to no
# controller. argon drives the PF itself from [nvme.disk0]: it reads the
# controller's capabilities, creates both VFs, gives each VF's secondary
# controller 4 queue and 2 interrupt resources, sets it online and attaches
# namespace 1 to VF 1 and namespace 2 to VF 2. QEMU's own trace shows the
# commands the controller received. Twice: with the controller on bus 0
# (00:02.0), and behind a PCIe root port (01:00.0), where the VFs' requester
# ids are on bus 1. A test guest still passes. When it has stopped, argon
# takes the unused VFs' controllers offline, shuts the primary controller
# down (CC.SHN) and disables the VFs, so that the next boot finds the
# drive as after a clean power-off.
# Usage: nvme-pf-vfs.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$(mktemp -d "${TMPDIR:-/tmp}/argon-nvme.XXXXXX")
trap 'rm -rf "$out"' EXIT

# run NAME PF: boots [nvme.disk0] on PF with 2 VFs; console in
# $out/NAME.log, QEMU's trace of the NVMe admin commands in $out/NAME.trace.
run() {
	local esp
	esp=$(new_esp "$ARGON" "$GUEST" <<CONF
[argon]
log = "info"
on_idle = "poweroff"

[nvme.disk0]
pf = "$2"
vfs = 2
queues_per_vf = 4
vectors_per_vf = 2
namespaces = [1, 2]

[guest.one]
kernel = "testguest.elf"
memory = "64M"
cpus = [0]
cmdline = "console=ttyS0"
CONF
)
	boot "$esp" "$out/$1.log" --timeout 120 --trace-log "$out/$1.trace" -- \
		-trace pci_nvme_virt_mngmt -trace pci_nvme_identify_pri_ctrl_cap \
		-trace pci_nvme_identify_sec_ctrl_list -trace pci_nvme_ns_attachment \
		-trace pci_nvme_err_startfail_virt_state -trace pci_nvme_mmio_shutdown_set \
		-trace sriov_unregister_vfs ||
		fail "$1: machine did not power off by itself (qemu-run exit $?)"
	rm -rf "$esp"
}

# check NAME PF VF1 VF2: what argon reported and what the controller saw.
check() {
	local log=$out/$1.log trace=$out/$1.trace d=$2
	expect "$log" "^argon: $d: NVMe QEMU NVMe Ctrl, serial argon0, firmware [^,]+, controller 0, OACS 0x[0-9a-f]+\$" \
		"$1: Identify Controller read"
	expect "$log" "^argon: $d: flexible queues 8 \\(primary 0, secondaries 0, at most 4 each\\), vectors 4 \\(primary 0, secondaries 0, at most 2 each\\), 2 secondary controllers, 2 namespaces\$" \
		"$1: primary capabilities, secondary list and namespaces read"
	expect "$log" "^argon: $d: VF 1 is $3, controller 1, 4 queues, 2 vectors, namespace 1\$" "$1: VF 1 set up"
	expect "$log" "^argon: $d: VF 2 is $4, controller 2, 4 queues, 2 vectors, namespace 2\$" "$1: VF 2 set up"
	expect_not "$log" "^argon: (error|warning): " "$1: no error or warning"

	# What the controller received: resources, online, then attachments.
	expect "$trace" 'pci_nvme_identify_pri_ctrl_cap' "$1: primary capabilities asked"
	expect "$trace" 'pci_nvme_identify_sec_ctrl_list' "$1: secondary list asked"
	grep -oE 'pci_nvme_(virt_mngmt|ns_attachment) .*' "$trace" | sed 's/cid [0-9]*, //' >"$out/$1.cmds" || true
	printf '%s\n' 'pci_nvme_virt_mngmt act=0x8, ctrlid=1 VQ nr=4' \
		'pci_nvme_virt_mngmt act=0x8, ctrlid=1 VI nr=2' \
		'pci_nvme_virt_mngmt act=0x9, ctrlid=1 VQ nr=0' \
		'pci_nvme_virt_mngmt act=0x8, ctrlid=2 VQ nr=4' \
		'pci_nvme_virt_mngmt act=0x8, ctrlid=2 VI nr=2' \
		'pci_nvme_virt_mngmt act=0x9, ctrlid=2 VQ nr=0' \
		'pci_nvme_ns_attachment sel=0x0' \
		'pci_nvme_ns_attachment sel=0x0' \
		'pci_nvme_virt_mngmt act=0x7, ctrlid=1 VQ nr=0' \
		'pci_nvme_virt_mngmt act=0x8, ctrlid=1 VQ nr=0' \
		'pci_nvme_virt_mngmt act=0x8, ctrlid=1 VI nr=0' \
		'pci_nvme_virt_mngmt act=0x7, ctrlid=2 VQ nr=0' \
		'pci_nvme_virt_mngmt act=0x8, ctrlid=2 VQ nr=0' \
		'pci_nvme_virt_mngmt act=0x8, ctrlid=2 VI nr=0' >"$out/want.cmds"
	diff -u "$out/want.cmds" "$out/$1.cmds" || fail "$1: the controller received other commands"
	expect_not "$trace" 'pci_nvme_err_startfail_virt_state' "$1: the VFs' controllers started"
	# argon's end: no guest took the VFs, so their controllers go
	# offline with their resources back (above, after the attachments),
	# then the primary gets a normal shutdown and the VFs are disabled,
	# in that order.
	expect "$log" "^argon: $d: shut down: 2 VF controller\\(s\\) released now, every secondary controller offline, the primary shut down, VFs disabled\$" \
		"$1: argon shut the PF down"
	grep -oE 'act=0x7, ctrlid=2|pci_nvme_mmio_shutdown_set|sriov_unregister_vfs' "$trace" | uniq |
		tail -n 3 | tr '\n' ' ' >"$out/$1.end"
	[ "$(cat "$out/$1.end")" = 'act=0x7, ctrlid=2 pci_nvme_mmio_shutdown_set sriov_unregister_vfs ' ] ||
		fail "$1: the end was not offline, shutdown, VF disable: $(cat "$out/$1.end")"
	expect_testguest "$log" one "console=ttyS0"
}

ARGON=$1
GUEST=$2
run bus0 0000:00:02.0
check bus0 0000:00:02.0 0000:00:02.1 0000:00:02.2
export RIG_SRIOV_PORT=1
run port 0000:01:00.0
check port 0000:01:00.0 0000:01:00.1 0000:01:00.2
finish
