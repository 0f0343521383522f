#!/usr/bin/env bash
# A Xen peer of the bench (bench/peers/xen, docs/bench.md) in its smallest
# run: Xen 4.17 and its dom0 boot on the bench's machine, the PV domU gets
# the workload disk, namespace 1 of the SR-IOV NVMe controller (xen-dom0:
# dom0 makes VF 1 as bare Linux does, its nvme driver drives the VF and
# blkback serves the namespace; xen-pt: the PF itself through pciback, as
# the domU cannot drive a VF, docs/bench.md), runs bench/guest/init with
# fio's 4 KiB random reads for 3 s, and the machine powers off. The domU has the
# bench's default 1 GiB and one vCPU, on the bench's two-CPU machine: with
# two vCPUs the domU's user space crashes now and then on this emulator
# (docs/bench.md, "Caveats seen on this machine"), with one it has not, and
# this test is about the set-up booting and carrying I/O.
# Checks that the domU's lines came out whole and that fio's numbers are
# there and positive (not their values: those are the bench's to report),
# and that dom0's readings at the workload's marks show blkback serving
# the I/Os (xen-dom0) or dom0 out of the I/O path (xen-pt).
# Usage: peer-xen.sh xen-dom0|xen-pt IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
side=$1 images=$2

disk=$("$top/bench/build-disk")
runlog=$(mktemp "${TMPDIR:-/tmp}/argon-peer-xen.XXXXXX")
trap 'rm -f "$runlog" "$runlog.raw"' EXIT
"$top/bench/peers/xen/run-side" --peer "$side" --images "$images" --build-only
# The PV domU's user space now and then crashes on this machine, a process
# reading memory of another (docs/bench.md, "Caveats seen on this machine":
# a segmentation fault, or the dynamic loader's inconsistency or failed
# symbol lookup, in the workload). That crash, and nothing else, gets a
# second run.
known_crash='^\[bench\] .*(Segmentation fault|segfault|general protection|Inconsistency detected by ld\.so|symbol lookup error)'
for attempt in 1 2; do
	rc=0
	: >"$runlog.raw"
	"$top/bench/peers/xen/run-side" --peer "$side" --images "$images" --disk "$disk" --pf 0000:00:02.0 \
		--vf-queues 4 --vf-vectors 2 \
		--cpus 2 --guest-cpus 1 --mem 1G --timeout 420 --log "$runlog.raw" --round "$attempt" \
		--append "quiet tsc_early_khz=2600000 tsc=reliable root=PARTUUID=a7600b3c-01 rw rootwait init=/bench/init bench.quick=1 bench.workloads=fio-randread-qd1 bench.fio_s=3" ||
		rc=$?
	# NUL bytes and carriage returns from the consoles stay out of the checks.
	tr -d '\000\r' <"$runlog.raw" >"$runlog"
	cat "$runlog"
	if [ "$attempt" -eq 1 ] && grep -q '^\[bench\] BENCH error' "$runlog" &&
		grep -Eq "$known_crash" "$runlog"; then
		echo "peer-xen: run 1 hit the PV domU's known crash (docs/bench.md); run 2"
		continue
	fi
	break
done
[ "$rc" -eq 0 ] || fail "run-side $side failed (exit $rc)"

expect "$runlog" "^BENCH peer $side hypervisor=xen-4\.17\.[^ ]* dom0-kernel=[^ ]*-amd64 guest=pv " \
	"the run says what ran"
expect "$runlog" '^\(XEN\) HVM: SVM enabled' "Xen found SVM"
expect "$runlog" '^\(XEN\) Intel VT-d Interrupt Remapping enabled' "Xen drives the VT-d IOMMU with interrupt remapping"
expect "$runlog" '^\[bench\] BENCH begin kernel=[^ ]*-cloud-amd64 cpus=1 mem_kib=[0-9]+ clocksource=xen ' \
	"the domU booted the bench's kernel with its one vCPU on Xen's clock"
expect "$runlog" '^\[bench\] BENCH pkg fio=' "the domU runs the workload disk's init"
expect_not "$runlog" '^(\[bench\] )?BENCH error' "no error"
iops=$(sed -n 's/^\[bench\] BENCH fio fio-randread-qd1 read iops=\([0-9.]*\) bw_bytes=\([0-9]*\) ios=\([0-9]*\) .*/\1 \2 \3/p' "$runlog")
# shellcheck disable=SC2086 # three numbers
set -- $iops
ios=0
[ $# -eq 3 ] && awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { exit !(a > 0 && b > 0 && c > 0) }' && ios=$3 ||
	fail "fio's read line with positive IOPS, bandwidth and I/Os (got '$iops')"
expect "$runlog" '^\[bench\] BENCH time fio-randread-qd1 [0-9]*\.[0-9]*[1-9][0-9]*$' "the workload's time"
expect "$runlog" '^\[bench\] BENCH end' "the domU went through its workloads"
# dom0's readings at the workload's marks (bench.exits=hvc0), and what
# they say: blkback served the I/Os (xen-dom0), or dom0's nvme driver took
# no part in them (xen-pt).
host() { # host before|after KEY: dom0's reading (0 when absent)
	v=$(sed -n "s/^BENCH host fio-randread-qd1 $1 .*\b$2=\([0-9]*\).*/\1/p" "$runlog" | head -n1)
	echo "${v:-0}"
}
expect "$runlog" '^BENCH host fio-randread-qd1 before dom0-cpu-ms=[0-9]+ backend-events=[0-9]+ nvme-irqs=[0-9]+$' \
	"dom0 read its counters when the workload started"
expect "$runlog" '^BENCH host fio-randread-qd1 after dom0-cpu-ms=[0-9]+ backend-events=[0-9]+ nvme-irqs=[0-9]+$' \
	"dom0 read its counters when it ended"
events=$(($(host after backend-events) - $(host before backend-events)))
irqs=$(($(host after nvme-irqs) - $(host before nvme-irqs)))
case $side in
xen-dom0) [ "$ios" -gt 0 ] && [ "$events" -ge $((ios / 2)) ] && [ "$irqs" -ge $((ios / 2)) ] ||
	fail "blkback's events ($events) and dom0's nvme interrupts ($irqs) follow the $ios I/Os" ;;
xen-pt) [ "$events" -eq 0 ] && [ "$irqs" -eq 0 ] ||
	fail "no blkback events ($events) nor dom0 nvme interrupts ($irqs) under passthrough" ;;
esac
case $side in
xen-dom0) expect "$runlog" '^xen-peer: VF 1 of 0000:00:02\.0: 0000:00:02\.1 ' "dom0 made VF 1 as bare Linux does"
	expect "$runlog" '^xen-peer: disk /dev/nvme[0-9]+n1 \(namespace 1 of 0000:00:02\.1\) to the domU through blkback' \
	"dom0 serves the namespace"
	expect "$runlog" "^BENCH peer $side .* disk=blkback:0000:00:02\.1-namespace-1 .*function=vf1 vf-queues=4 vf-vectors=2\$" \
		"the run names the function" ;;
xen-pt) expect "$runlog" '^xen-peer: 0000:00:02\.0 to the domU through pciback' "pciback holds the PF"
	expect "$runlog" "^BENCH peer $side .* device=pciback:0000:00:02\.0 function=pf\$" "the run names the function"
	expect "$runlog" '^\[bench\] xen-domu: nvme 0000:00:00\.0 interrupts: .*nvme0q0' \
		"the domU's nvme driver drives the passed-through controller" ;;
esac
finish
