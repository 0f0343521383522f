#!/usr/bin/env bash
# OVMF -> argon.efi on the rig's QEMU, whose NVMe controller at 00:02.0 has
# SR-IOV and flexible resources (sriov_max_vfs=2, sriov_vq_flexible=8,
# sriov_vi_flexible=4) and one namespace. argon drives the PF itself from
# [nvme.disk0]: it reads the controller's capabilities, creates the VF,
# gives its secondary controller 4 queue and 2 interrupt resources, sets it
# online and attaches namespace 1. QEMU's own trace shows the commands the
# controller received and the VF being enabled; a test guest still passes.
# Usage: nvme-pf-vfs.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(new_esp "$1" "$2" <<'CONF'
[argon]
log = "info"
on_idle = "poweroff"

[nvme.disk0]
pf = "0000:00:02.0"
vfs = 1
queues_per_vf = 4
vectors_per_vf = 2
namespaces = [1]

[guest.one]
kernel = "testguest.elf"
memory = "64M"
cpus = [0]
cmdline = "console=ttyS0"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
trace=$esp/qemu-trace.log
boot "$esp" "$log" --timeout 120 --trace-log "$trace" -- \
	-trace pci_nvme_virt_mngmt -trace pci_nvme_identify_pri_ctrl_cap \
	-trace pci_nvme_identify_sec_ctrl_list -trace 'pci_nvme_ns_attachment*' \
	-trace pci_nvme_err_startfail_virt_state ||
	fail "machine did not power off by itself (qemu-run exit $?)"

d=0000:00:02.0
expect "$log" "^argon: $d: NVMe QEMU NVMe Ctrl, serial argon0, firmware [^,]+, controller 0, OACS 0x[0-9a-f]+\$" \
	"Identify Controller read"
expect "$log" "^argon: $d: flexible queues 8 \\(primary 0, secondaries 0, at most 4 each\\), vectors 4 \\(primary 0, secondaries 0, at most 2 each\\), 2 secondary controllers, 1 namespaces\$" \
	"primary capabilities and secondary list read"
expect "$log" "^argon: $d: VF 1 is 0000:00:02.1, controller 1, 4 queues, 2 vectors, namespace 1\$" \
	"VF created and its controller set up"
expect_not "$log" "^argon: .*(no VF created|NumVFs|VF Enable|no completion|SCT [0-9a-f]h)" \
	"no PF or command error"

# What the controller received: the resources, online, then the attachment.
expect "$trace" 'pci_nvme_identify_pri_ctrl_cap' "primary capabilities asked"
expect "$trace" 'pci_nvme_identify_sec_ctrl_list' "secondary list asked"
grep -oE 'pci_nvme_(virt_mngmt|ns_attachment) .*' "$trace" | sed 's/cid [0-9]*, //' >"$esp/cmds.txt" || true
printf '%s\n' 'pci_nvme_virt_mngmt act=0x8, ctrlid=1 VQ nr=4' \
	'pci_nvme_virt_mngmt act=0x8, ctrlid=1 VI nr=2' \
	'pci_nvme_virt_mngmt act=0x9, ctrlid=1 VQ nr=0' \
	'pci_nvme_ns_attachment sel=0x0' >"$esp/want.txt"
diff -u "$esp/want.txt" "$esp/cmds.txt" || fail "the controller received other commands"
expect_not "$trace" 'pci_nvme_err_startfail_virt_state' "the VF's controller started"
expect_not "$log" '^argon: warning: .*also attached' "namespace 1 attached to no other secondary"

expect_testguest "$log" one "console=ttyS0"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
