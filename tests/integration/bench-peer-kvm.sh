#!/usr/bin/env bash
# The bench's KVM+VFIO peer (bench/peers/kvm) end to end in its smallest
# form: its L1 Linux boots on the bench's machine, makes VF 1 of the SR-IOV
# NVMe controller whose namespace 1 is the workload disk, hands it to
# vfio-pci and runs the workload guest under KVM, which does 3 s of fio 4k
# random read on it. Checks, the way bench/report reads the log, that the
# guest booted the bench's kernel on the passed-through VF (the same
# secondary controller as bare metal's and argon's), that its numbers are
# present and positive, and that L1's exit readings bracket the workload
# (not their values: those are the bench's).
# Usage: bench-peer-kvm.sh IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
images=$1

disk=$("$top/bench/build-disk")
log=$(mktemp "${TMPDIR:-/tmp}/argon-bench-peer-kvm.XXXXXX")
trap 'rm -f "$log"' EXIT
# The bench's own arguments (bench/run), one short workload.
args="quiet tsc_early_khz=2600000 tsc=reliable root=PARTUUID=a7600b3c-01 rw rootwait"
args="$args init=/bench/init bench.quick=1 bench.workloads=fio-randread-qd1 bench.fio_s=3"
rc=0
"$top/bench/peers/kvm/run-side" --peer kvm --images "$images" --disk "$disk" --pf 0000:00:02.0 \
	--vf-queues 4 --vf-vectors 2 --cpus 2 --mem 1G --timeout 400 --append "$args" --log "$log" --round 1 || rc=$?
grep -a -E 'BENCH|ARGON-TEST' "$log" || true
[ "$rc" -eq 0 ] || { tail -n 40 "$log" >&2; fail "run-side failed (exit $rc)"; }

# The guest's root: on VF 1's secondary controller (1), seen as a plain
# function (no physfn) in the guest.
expect "$log" '^ARGON-TEST bench_disk root=/dev/nvme0n1p1 controller=nvme0 .* cntlid=1 physfn=none' \
	"the guest's root is on the passed-through VF"
kernel=$(sed -n 's/^kernel //p' "$images/manifest.txt" | head -n1)
python3 - "$top/bench/report" "$log" "$kernel" <<'PY' || fail "the KVM peer's log is not as expected"
import importlib.machinery, importlib.util, sys
loader = importlib.machinery.SourceFileLoader("report", sys.argv[1])
spec = importlib.util.spec_from_loader("report", loader)
report = importlib.util.module_from_spec(spec)
loader.exec_module(report)
run = report.parse_log(sys.argv[2])
w = "fio-randread-qd1"
assert run["ok"] and not run["errors"], run["errors"]
peer = run["peer"]
assert peer["device"] == "vfio-pci:0000:00:02.1" and peer["function"] == "vf1", peer
assert peer["accel"] == "kvm-amd-npt" and peer["vf-queues"] == "4", peer
assert peer["vcpus"] == "2" and peer["mem"] == "1G" and peer["qemu"], peer
# The workload guest: the bench's kernel, 2 CPUs, not argon, under KVM.
assert run["kernel"] == sys.argv[3] and run["cpus"] == "2" and run["argon"] == "0", run
assert run["clocksource"] == "kvm-clock", run["clocksource"]
m = run["metrics"][w]
for k in ("iops", "bw", "clat-p50", "clat-p99", "clat-p99.9"):
    assert m[k]["value"] > 0, k
assert run["ios"][w] > 0 and run["times"][w] > 0
ex = run["exits"][w]
assert ex and all(v >= 0 for v in ex.values()) and sum(ex.values()) > 0, ex
assert all(k.replace("-", "").isalpha() for k in ex), ex
print(f"kvm peer: {m['iops']['value']:.0f} IOPS, {sum(ex.values())} exits during {w}: {ex}")
PY
finish
