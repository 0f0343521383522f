#!/usr/bin/env bash
# bench/run end to end in its smallest form: one round of STREAM (hpcc)
# and fio 4k random read for 5 s, bare and under argon, both on VF 1 of the
# SR-IOV NVMe controller whose namespace 1 is the workload disk. Checks that
# both sides used that VF, that the three outputs are well formed and that
# every number in them is present and positive (not their values: those are
# the bench's to report).
# Usage: bench-tiny.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)

out=$(mktemp -d "${TMPDIR:-/tmp}/argon-bench-tiny.XXXXXX")
trap 'rm -rf "$out"' EXIT
set +e
"$top/bench/run" --quick --rounds 1 --workloads hpcc,fio-randread-qd1,exitcost --fio-seconds 5 \
	--hpcc-n 200 --argon-log debug --argon-efi "$1" --images "$3" --out "$out" 2>&1 | tee "$out.log"
rc=${PIPESTATUS[0]}
set -e
rm -f "$out.log"
[ "$rc" -eq 0 ] || fail "bench/run failed (exit $rc)"
for side in bare argon; do
	expect "$out/runs/r1-$side.log" '^(\[bench\] )?BENCH end' "the $side run went through its workloads"
done
# Both sides on the same function: VF 1 (0000:00:02.1, secondary controller
# 1), made by bare Linux itself and by argon for its guest.
expect "$out/runs/r1-bare.log" '^ARGON-TEST bench_vf pf=0000:00:02.0 vf=0000:00:02.1 ' \
	"bare Linux made VF 1 itself"
expect "$out/runs/r1-bare.log" '^ARGON-TEST bench_disk root=/dev/nvme[0-9]+n1p1 controller=nvme[0-9]+ pci=0000:00:02.1 id=1b36:0010 class=010802 cntlid=1 physfn=0000:00:02.0[[:space:]]*$' \
	"bare metal's disk is on VF 1"
expect "$out/runs/r1-argon.log" "^argon: guest 'bench': 00:01.0 is 0000:00:02.0/vf1 \\(0000:00:02.1\\) .*NVMe controller 1, 4 queues, 2 vectors, namespace 1[[:space:]]*$" \
	"argon gave its guest VF 1"
# argon's debug log names the device of trapped accesses: the guest's ECAM,
# at the VF's configuration space (00:01.0, offset 0x8000).
expect "$out/runs/r1-argon.log" "^argon: debug: guest 'bench': MMIO ecam read [1248] at 0x[0-9a-f]+ \\(\\+0x8[0-9a-f]{3}\\) rip 0x[0-9a-f]+" \
	"argon logged the guest's configuration space reads"
expect "$out/runs/r1-argon.log" '^\[bench\] ARGON-TEST bench_disk root=/dev/nvme0n1p1 controller=nvme0 pci=0000:00:01.0 id=1b36:0010 class=010802 cntlid=1 physfn=none[[:space:]]*$' \
	"the guest's disk is on that VF"

# results.json: two runs, each with a positive STREAM triad and fio IOPS,
# bandwidth and latencies; the argon run with exit counts and I/Os.
python3 - "$out/results.json" <<'PY' || fail "results.json is not as expected"
import json, sys
d = json.load(open(sys.argv[1]))
runs = d["runs"]
assert sorted(r["side"] for r in runs) == ["argon", "bare"], [r["side"] for r in runs]
for r in runs:
    assert r["ok"] and not r["errors"], (r["side"], r["errors"])
    m = r["metrics"]
    assert m["hpcc"]["stream-triad"]["value"] > 0, r["side"]
    for k in ("iops", "bw", "clat-p50", "clat-p99", "clat-p99.9"):
        assert m["fio-randread-qd1"][k]["value"] > 0, (r["side"], k)
    assert r["ios"]["fio-randread-qd1"] > 0
    assert all(r["times"][w] > 0 for w in ("hpcc", "fio-randread-qd1", "exitcost"))
    assert m["exitcost"]["cpuid"]["value"] > 0, r["side"]
    assert r["kernel"] and r["packages"]["fio"] and r["packages"]["hpcc"]
argon = next(r for r in runs if r["side"] == "argon")
for w in ("hpcc", "fio-randread-qd1"):
    assert sum(argon["exits"][w].values()) > 0, w
    assert "ipi" in argon["exits"][w], w
for t in d["table"]:
    if t["workload"] == "hpcc" and t["metric"] != "stream-triad":
        continue
    for k in ("bare", "argon", "ratio", "exits_per_s"):
        assert t[k] is not None and t[k] > 0, (t["workload"], t["metric"], k, t[k])
    if t["workload"].startswith("fio"):
        assert t["exits_per_io"] is not None and t["exits_per_io"] > 0, t
ec = d["exit_cost"]
assert ec and set(ec["share_pct"]) == {"hpcc", "fio-randread-qd1"}, ec
assert all(v >= 0 for v in ec["share_pct"].values()), ec
print("results.json: well formed")
PY

# report.md: the table's header and a row per metric, each with numbers.
md=$out/report.md
expect "$md" '^\| workload \| metric \| bare \| argon \| ratio \| slower \| spread bare/argon \| exits/s \| IPIs/s \| exits/I/O \|$' \
	"the report has its table"
for row in 'hpcc \| stream-triad \(GB/s\)' 'fio-randread-qd1 \| iops \(IOPS\)' 'fio-randread-qd1 \| clat-p99 \(us\)'; do
	expect "$md" "^\| $row \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [-+][0-9.]+% \| [0-9.]+% / [0-9.]+% \| [0-9.]+ \| [0-9.]+ \| " \
		"the report has a row of numbers for $row"
done

# ratios.png: a PNG image, not empty.
[ "$(head -c 8 "$out/ratios.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
	fail "ratios.png is not a PNG"
finish
