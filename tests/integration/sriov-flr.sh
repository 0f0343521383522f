#!/usr/bin/env bash
# A function-level reset that the guest asks for on its NVMe VF (PCIe
# Device Control bit 15), with namespace 2 not `detached`
# (RIG_NS2_ATTACHED=1), so that QEMU attaches it by itself to VF 1's
# controller when the guest enables that controller. argon resets the VF in
# the guest's exit path, but checks the controller for other namespaces on
# the console CPU, with the VF's bus mastering held off until then: the
# stray is reported and detached after the reset, the guest finds its
# controller reset, opens it again, reads what it wrote before the reset
# and writes and reads again (its DMA works again once the check ended).
# At the final stop the stray, attached again at the guest's second
# enable, is found before the controller goes offline.
# Usage: sriov-flr.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$(mktemp -d "${TMPDIR:-/tmp}/argon-sriov-flr.XXXXXX")
trap 'rm -rf "$out"' EXIT
log=$out/console.log

esp=$(new_esp "$1" "$2" <<'CONF'
[nvme.disk0]
pf = "0000:00:02.0"
vfs = 1
queues_per_vf = 4
vectors_per_vf = 2
namespaces = [1]

[guest.flr]
kernel = "testguest.elf"
memory = "64M"
cpus = [1]
devices = ["0000:00:02.0/vf1"]
cmdline = "testguest.mode=nvme-flr"
CONF
)
RIG_NS2_ATTACHED=1 boot "$esp" "$log" --timeout 120 --smp 2 ||
	fail "machine did not power off by itself (qemu-run exit $?)"
rm -rf "$esp"

expect "$log" '^argon: 0000:00:02\.0: VF 1 is 0000:00:02\.1, controller 1, 4 queues, 2 vectors, namespace 1$' \
	"argon created the VF"
expect "$log" '^\[flr\] PASS nvme-write-read$' "the guest wrote before the reset"
expect "$log" '^\[flr\] ARGON-TEST nvme-flr found cc=0x0 csts=0x0 ' "the guest's FLR reset the controller"
expect "$log" '^argon: warning: 0000:00:02\.0: namespace 2 was attached to controller 1 \(VF 1\) after its reset, not by argon: detached$' \
	"the stray namespace found and detached after the guest's reset"
for check in nvme-flr nvme-flr-data; do
	expect "$log" "^\\[flr\\] PASS $check\$" "check $check passed"
done
[ "$(grep -c '^\[flr\] PASS nvme-write-read$' "$log")" -eq 2 ] ||
	fail "the guest did not write and read again after the reset"
expect "$log" '^\[flr\] argon-testguest: [0-9]+ passed, 0 failed' "the guest passed"
expect "$log" '^argon: warning: 0000:00:02\.0: namespace 2 was attached to controller 1 \(VF 1\) at its final stop, not by argon: detached$' \
	"found again at the final stop"
expect "$log" '^argon: 0000:00:02\.0: VF 1: controller 1 offline, its 4 queues and 2 vectors back with the primary$' \
	"then the controller went offline"
expect_not "$log" "^argon: error: " "no error"
finish
