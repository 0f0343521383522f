#!/usr/bin/env bash
# on_exit = "restart" with an NVMe VF (0000:00:02.0/vf1, namespace 1) that
# argon created from [nvme.disk0]: the test guest's first boot writes to
# the VF's namespace, leaves the VF's controller running (queues, MSI-X,
# bus mastering) and triple-faults. argon resets the VF (function-level
# reset) and restarts the guest; the second boot finds the controller as
# after a reset, reads back what the first boot wrote, and writes and reads
# again: the secondary controller stayed online through the VF's reset.
# When the guest stops for good, argon sets the VF's controller offline
# and takes its resources back. Twice: with the controller on bus 0
# (VF 00:02.1), and behind a PCIe root port (VF 01:00.1, its DMA and its
# interrupts carrying a requester id on bus 1). A third time on bus 0 with
# namespace 2 not `detached` (RIG_NS2_ATTACHED=1): QEMU attaches it by
# itself to VF 1's controller whenever the guest enables that controller,
# so argon finds it there after the VF's reset and at the final stop,
# reports it as a stray and detaches it each time, the guest's own
# namespace untouched.
# Usage: sriov-restart.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$(mktemp -d "${TMPDIR:-/tmp}/argon-sriov.XXXXXX")
trap 'rm -rf "$out"' EXIT

# run NAME PF VF: the guest on VF 1 of PF (at VF); console in $out/NAME.log.
run() {
	local esp log=$out/$1.log pf=$2 vf=$3 pfre=${2//./\\.} vfre=${3//./\\.}
	esp=$(new_esp "$ARGON" "$GUEST" <<CONF
[nvme.disk0]
pf = "$pf"
vfs = 1
queues_per_vf = 4
vectors_per_vf = 2
namespaces = [1]

[guest.phoenix]
kernel = "testguest.elf"
memory = "64M"
cpus = [1]
devices = ["$pf/vf1"]
cmdline = "testguest.mode=nvme-restart"
on_exit = "restart"
CONF
)
	boot "$esp" "$log" --timeout 120 --smp 2 ||
		fail "$1: machine did not power off by itself (qemu-run exit $?)"
	rm -rf "$esp"

	expect "$log" "^argon: $pfre: VF 1 is $vfre, controller 1, 4 queues, 2 vectors, namespace 1\$" \
		"$1: argon created the VF"
	expect "$log" "^argon: guest 'phoenix': 00:01\\.0 is $pfre/vf1 \\($vfre\\) 1b36:0010 class 010802, BAR0 .*, MSI-X 2 in BAR0 at 0x[0-9a-f]+ alone on its page, reset FLR, IOMMU unit 0 at 0x[0-9a-f]+, interrupt remapping on, NVMe controller 1, 4 queues, 2 vectors, namespace 1\$" \
		"$1: the boot report names the VF, its controller and namespace"
	expect "$log" '^\[phoenix\] ARGON-TEST nvme bdf=00:01\.0 id=1b36:0010 ' \
		"$1: the first boot drives the VF, seen with the VF's synthesized ids"
	expect "$log" '^\[phoenix\] ARGON-TEST nvme-restart boot=1 controller left running; crashing$' \
		"$1: the first boot left the VF's controller running"
	expect "$log" "^argon: guest 'phoenix': restarting \\(boot 2\\)\$" "$1: argon restarted it"
	expect "$log" '^\[phoenix\] ARGON-TEST nvme-restart found cc=0x0 csts=0x0 aqa=0x[0-9a-f]+ asq=0x[0-9a-f]+ command=0x0 ' \
		"$1: the second boot found the VF reset, its controller online (CSTS.CFS clear)"
	for check in nvme-reset-state nvme-open nvme-boot1-data nvme-write-read; do
		[ "$(grep -c "^\[phoenix\] PASS $check\$" "$log")" -ge 1 ] || fail "$1: check $check did not pass"
	done
	expect_not "$log" '^\[phoenix\] FAIL' "$1: no check failed in either boot"
	expect "$log" "^argon: guest 'phoenix' stopped: powered off\$" "$1: a power-off ends it for good"
	expect "$log" "^argon: $pfre: VF 1: controller 1 offline, its 4 queues and 2 vectors back with the primary\$" \
		"$1: after the final stop the VF's controller went offline and gave its resources back"
	expect_not "$log" "^argon: .*reset failed" "$1: argon reset the VF without error"
	if [ "${RIG_NS2_ATTACHED:-0}" = 1 ]; then
		expect "$log" "^argon: warning: $pfre: namespace 2 was attached to controller 1 \\(VF 1\\) after its reset, not by argon: detached\$" \
			"$1: the stray namespace found and detached after the VF's reset"
		expect "$log" "^argon: warning: $pfre: namespace 2 was attached to controller 1 \\(VF 1\\) at its final stop, not by argon: detached\$" \
			"$1: found again and detached at the final stop, before the controller went offline"
		expect_not "$log" "^argon: error: " "$1: no error"
	else
		expect_not "$log" "^argon: (error|warning): " "$1: no error or warning"
	fi
}

ARGON=$1
GUEST=$2
run bus0 0000:00:02.0 0000:00:02.1
RIG_NS2_ATTACHED=1 run stray 0000:00:02.0 0000:00:02.1
export RIG_SRIOV_PORT=1
run port 0000:01:00.0 0000:01:00.1
finish
