#!/usr/bin/env bash
# bench/report with peers, on logs written here in the format of
# bench/guest/init and bench/peers/README.md: one round of bare, argon, kvm
# (with its own exit readings and BENCH peer line), each with an exitcost
# figure, and xen-pt (which failed
# as a whole), xen-dom0 not built. Checks that each side gets its column,
# that a slowdown is computed against bare metal, that a cell without a
# number says why, and that the peer's exits are reported. Then a second
# round with xen-dom0 built and its dom0's BENCH host readings: checks the
# table of the host's work, per second and per I/O, and that its CPUID,
# as cheap as bare metal's, is said not to exit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/argon-bench-report.XXXXXX")
trap 'rm -rf "$out"' EXIT
mkdir "$out/runs"
cat >"$out/setup.txt" <<'S'
machine=test
cpus=2
mem=1G
peers=kvm,xen-pt,xen-dom0
peer.kvm=built
peer.xen-pt=built
peer.xen-dom0=not built
S
log() { # log IOPS CPUID_NS [EXITS_BEFORE EXITS_AFTER]
	echo "BENCH begin kernel=k cpus=2 mem_kib=1 clocksource=tsc uptime=1 argon=0 quick=1"
	echo "BENCH result exitcost cpuid $2 ns"
	[ $# -lt 4 ] || echo "BENCH exits fio-randread-qd1 before $3"
	[ $# -lt 4 ] || echo "BENCH exits fio-randread-qd1 after $4"
	echo "BENCH fio fio-randread-qd1 read iops=$1 bw_bytes=4096000 ios=1000 p50_ns=1000 p99_ns=2000 p99.9_ns=3000"
	echo "BENCH fio fio-randread-qd1 write iops=0 bw_bytes=0 ios=0 p50_ns= p99_ns= p99.9_ns="
	echo "BENCH time fio-randread-qd1 10.000"
	echo "BENCH end"
}
log 1000 100.0 >"$out/runs/r1-bare.log"
log 800 2100.0 "ipi=10 cpuid=5" "ipi=110 cpuid=5" >"$out/runs/r1-argon.log"
{
	echo "BENCH peer kvm device=vfio-pci:0000:00:02.1 function=vf1"
	log 500 10100.0 "timer=100 hlt=50" "timer=4100 hlt=2050"
} >"$out/runs/r1-kvm.log"
printf 'BENCH error - xen: no domU\n' >"$out/runs/r1-xen-pt.log"

"$top/bench/report" "$out" >/dev/null || fail "bench/report failed"
md=$out/report.md
expect "$md" '^\| workload \| metric \| bare \| argon \| kvm \| xen-pt \| xen-dom0 \|$' "a column per side"
expect "$md" '^\| fio-randread-qd1 \| iops \(IOPS\) \| 1000 \| 800\.0 \(\+25\.0%\) \| 500\.0 \(\+100\.0%\) \| n/a: xen: no domU \| n/a: not built \|$' \
	"the IOPS row: values, slowdowns against bare, the reasons of the empty cells"
expect "$md" '^- kvm: device=vfio-pci:0000:00:02.1, function=vf1$' "the kvm peer's description"
expect "$md" '^Cost of an exit \(exitcost: a CPUID on the side less one bare\): argon 2\.0 us, kvm 10\.0 us\. ' \
	"each side's cost of an exit"
expect "$md" '^\| fio-randread-qd1 \| 10\.0/s, 0\.1/I/O, 0\.002% of the time \(ipi 100%\) \| 600\.0/s, 6/I/O, 0\.600% of the time \(timer 67%, hlt 33%\) \| - \| - \|$' \
	"each side's exits per second, per I/O and their share of the time, by kind"
python3 - "$out/results.json" <<'PY' || fail "results.json's per-side records are not as expected"
import json, sys
d = json.load(open(sys.argv[1]))
row = next(t for t in d["table"] if t["metric"] == "iops")
s = row["sides"]
assert s["kvm"]["median"] == 500 and abs(s["kvm"]["slowdown_pct"] - 100) < 1e-9, s["kvm"]
assert s["kvm"]["exits_per_io"] == 6.0 and s["argon"]["exits_per_s"] == 10.0, s
assert s["xen-pt"]["median"] is None and s["xen-pt"]["why"] == "xen: no domU", s["xen-pt"]
assert s["xen-dom0"]["why"] == "not built", s["xen-dom0"]
kvm = next(r for r in d["runs"] if r["side"] == "kvm")
assert kvm["peer"] == {"device": "vfio-pci:0000:00:02.1", "function": "vf1"}, kvm["peer"]
PY
[ "$(head -c 8 "$out/ratios.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
	fail "ratios.png is not a PNG"

sed -i 's/^peer.xen-dom0=not built$/peer.xen-dom0=built/' "$out/setup.txt"
{
	echo "BENCH peer xen-dom0 disk=blkback:0000:00:02.0-namespace-1 function=pf"
	log 250 120.0 | sed '/^BENCH fio/i BENCH host fio-randread-qd1 before dom0-cpu-ms=1000 backend-events=40 nvme-irqs=7' |
		sed '/^BENCH time/i BENCH host fio-randread-qd1 after dom0-cpu-ms=6000 backend-events=2040 nvme-irqs=1007'
} >"$out/runs/r1-xen-dom0.log"
"$top/bench/report" "$out" >/dev/null || fail "bench/report failed with xen-dom0's host readings"
expect "$md" '^Cost of an exit \(exitcost: a CPUID on the side less one bare\): argon 2\.0 us, kvm 10\.0 us, xen-dom0 none \(its CPUID did not exit\)\. ' \
	"a side whose CPUID costs what bare metal's does has no exit cost"
expect "$md" '^\| fio-randread-qd1 \| dom0-cpu 50\.0% of a core, 5000 us/I/O; backend-events 200\.0/s, 2/I/O; nvme-irqs 100\.0/s, 1/I/O \|$' \
	"dom0's busy time as a share of a core and per I/O, its events and interrupts per second and per I/O"
python3 - "$out/results.json" <<'PY' || fail "results.json lacks xen-dom0's host readings"
import json, sys
d = json.load(open(sys.argv[1]))
x = next(r for r in d["runs"] if r["side"] == "xen-dom0")
assert x["host"] == {"fio-randread-qd1": {"dom0-cpu-ms": 5000, "backend-events": 2000, "nvme-irqs": 1000}}, x["host"]
PY
finish
