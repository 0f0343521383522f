#!/usr/bin/env bash
# [nvme.NAME] tables that the rig's NVMe controller (00:02.0: secondary
# controllers take at most 4 queue and 2 interrupt resources, namespaces 1, 2)
# or the machine cannot satisfy. What only the controller can tell is
# refused at boot with the capability or resource named, no command that
# changes the controller is sent, and the guest still starts; a PF that is
# not there, or not an NVMe controller with SR-IOV, is a config error at
# its line and column, and no guest starts. A guest given a VF of a PF that
# was refused does not start; the others do.
# Usage: nvme-pf-refused.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# The configs (configs/nvme-pf-*.conf) have a guest 'one' on CPU 0 and most
# a guest 'two' given VF 1 of the PF: it must not start when the PF is
# refused.

# run NAME CONFIG: boots CONFIG; leaves the console in $out/NAME.log and
# QEMU's trace of virtualization management in $out/NAME.trace.
out=$(mktemp -d "${TMPDIR:-/tmp}/argon-nvme.XXXXXX")
trap 'rm -rf "$out"' EXIT
run() {
	local esp
	esp=$(printf '%s\n' "$2" | new_esp "$ARGON" "$GUEST")
	boot "$esp" "$out/$1.log" --timeout 120 --trace-log "$out/$1.trace" -- \
		-trace pci_nvme_virt_mngmt -trace pci_nvme_ns_attachment ||
		fail "$1: machine did not power off by itself (qemu-run exit $?)"
	rm -rf "$esp"
}
ARGON=$1
GUEST=$2
d=0000:00:02.0

run vqfrsm "$(cat "$(dirname "$0")/configs/nvme-pf-vqfrsm.conf")"
expect "$out/vqfrsm.log" "^argon: error: $d: asks 5 queues per VF, a secondary controller takes 4 at most \\(VQFRSM\\)\$" \
	"too many queues per VF refused, VQFRSM named"
expect "$out/vqfrsm.log" '^argon: error: \[nvme.disk0\]: no VF set up$' "no VF set up"
expect_not "$out/vqfrsm.trace" 'pci_nvme_(virt_mngmt|ns_attachment)' "nothing sent to change the controller"
expect_testguest "$out/vqfrsm.log" one "console=ttyS0"
expect "$out/vqfrsm.log" "^argon: error: guest 'two': VF 0000:00:02.0/vf1 was not set up\$" \
	"the guest given a VF of the refused PF is told why"
expect "$out/vqfrsm.log" "^argon: error: guest 'two' not started\$" "and does not start"
expect_not "$out/vqfrsm.log" '^\[two\]' "nothing of it ran"

run vifrsm "$(cat "$(dirname "$0")/configs/nvme-pf-vifrsm.conf")"
expect "$out/vifrsm.log" "^argon: error: $d: asks 3 vectors per VF, a secondary controller takes 2 at most \\(VIFRSM\\)\$" \
	"too many vectors per VF refused, VIFRSM named"
expect_not "$out/vifrsm.trace" 'pci_nvme_(virt_mngmt|ns_attachment)' "nothing sent to change the controller"
expect_testguest "$out/vifrsm.log" one "console=ttyS0"
expect "$out/vifrsm.log" "^argon: error: guest 'two' not started\$" "the VF's guest does not start"

run totalvfs "$(cat "$(dirname "$0")/configs/nvme-pf-totalvfs.conf")"
expect "$out/totalvfs.log" "^argon: error: $d: asks 3 VFs, the function offers 2 \\(TotalVFs\\)\$" \
	"more VFs than the function offers refused, TotalVFs named"
expect_not "$out/totalvfs.trace" 'pci_nvme_(virt_mngmt|ns_attachment)' "nothing sent to change the controller"
expect_testguest "$out/totalvfs.log" one "console=ttyS0"
expect "$out/totalvfs.log" "^argon: error: guest 'two' not started\$" "the VF's guest does not start"

run nsmissing "$(cat "$(dirname "$0")/configs/nvme-pf-nsmissing.conf")"
expect "$out/nsmissing.log" "^argon: error: $d: namespace 3 \\(for VF 2\\) does not exist on the controller\$" \
	"missing namespace refused"
expect_not "$out/nsmissing.trace" 'pci_nvme_(virt_mngmt|ns_attachment)' "nothing sent to change the controller"
expect_testguest "$out/nsmissing.log" one "console=ttyS0"

run machine "$(cat "$(dirname "$0")/configs/nvme-pf-machine.conf")"
expect "$out/machine.log" '^argon.conf:2:6: error: no PCI function 0000:00:05.0 on this machine$' \
	"missing PF reported at its value"
expect "$out/machine.log" '^argon.conf:7:6: error: PCI function 0000:00:1f.2 is not an NVMe controller \(class 010601\)$' \
	"a PF that is no NVMe controller reported at its value"
expect_not "$out/machine.log" 'giving VFs to guests' "a VF in a guest's devices is no error"
expect "$out/machine.log" '^argon: error: argon.conf has errors; no guest started' "no guest started"
finish
