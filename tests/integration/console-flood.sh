#!/usr/bin/env bash
# A console flood must not slow a neighbour down. Guest w runs a fixed
# CPU-bound workload in short rounds, timed by its own clock, while guest f
# alternates flood phases (numbered lines written as fast as it can) with
# quiet phases (the same loop without printing: the same load on the
# emulator, no console traffic). Each of w's rounds is assigned, by the
# host's clock on the console lines, to the phase it ran in; w's mean round
# time in flood phases may differ from that in quiet phases by less than 5%.
# Every line f printed reaches the console in order, or the bytes that did
# not are reported as dropped. w's emulated CPU runs on a host core of its
# own (below).
# Usage: console-flood.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(linux_esp "$1" "$3" <<'CONF'
[guest.w]
kernel = "bzImage"
initrd = "initrd-base.img"
memory = "256M"
cpus = [1]
cmdline = "console=ttyS0 quiet argon.test=work argon.work_rounds=60"

[guest.f]
kernel = "bzImage"
initrd = "initrd-base.img"
memory = "256M"
cpus = [2]
cmdline = "console=ttyS0 quiet argon.test=flood argon.flood_s=8 argon.flood_phases=5"
CONF
)
cp "$3/initrd-base.img" "$esp/"
rm "$esp/initrd.img"
trap 'rm -rf "$esp"' EXIT
log=$esp/console.log
stamps=$esp/stamps

# w's CPU gets a host core of its own, as a guest's core is its own on a
# server; everything else (the other two emulated CPUs, QEMU's own threads,
# this script's console pipeline) shares the host's other cores. Without
# that, on a host with fewer cores than the machine has CPUs, the host's
# work for the flood (emulating the console CPU's UART, stamping each
# console line) takes host time from w's emulated CPU, which measures the
# host, not argon. QEMU names its vCPU threads (debug-threads=on); w's CPU
# is CPU 1 (cpus = [1]).
# The cores this test may use (a cpuset need not start at 0).
read -ra cores < <(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0)))')
[ "${#cores[@]}" -ge 2 ] || { fail "this test needs 2 host cores or more"; finish; }
w_core=${cores[-1]}
others=${cores[*]:0:${#cores[@]}-1}
taskset -p -c "${others// /,}" $$ >/dev/null
name=argon-flood-$$
pin_w() {
	local p t
	for _ in $(seq 1 600); do
		for p in $(pgrep -f -- "-name $name,"); do
			for t in /proc/"$p"/task/*; do
				[ "$(cat "$t/comm" 2>/dev/null)" = "CPU 1/TCG" ] || continue
				taskset -p -c "$w_core" "${t##*/}" >/dev/null && echo pinned >"$esp/pinned"
				return
			done
		done
		sleep 0.1
	done
}
pin_w &
boot_stamped "$esp" "$log" "$stamps" --timeout 600 --smp 3 -- -name "$name,debug-threads=on" >/dev/null ||
	fail "machine did not power off by itself (qemu-run exit $?)"
wait
[ -f "$esp/pinned" ] || fail "w's vCPU thread (CPU 1/TCG) was not found to pin"

expect "$log" '^\[w\] ARGON-TEST end work$' "w finished its workload"
expect "$log" '^\[f\] ARGON-TEST flood_lines=[1-9]' "f finished its loop"

lines=$(test_value "$log" f flood_lines)
# f's output as one stream: a line that waited 50 ms for its end (f's vCPU
# held up by the host mid-line) goes out in two console lines when another
# writer's line comes between (docs/console.md); joined, its bytes are
# whole again.
sed -n 's/^\[f\] //p' "$log" | tr -d '\n' |
	grep -o 'flood [0-9]\{8\} 0123456789abcdefghijklmnopqrstuvwxyz' >"$esp/f-lines" || true
seen=$(wc -l <"$esp/f-lines")
# f's console lines that are neither a whole flood line nor a report: the
# parts of lines printed in two.
parts=$(grep '^\[f\] ' "$log" |
	grep -Evc '^\[f\] (flood [0-9]{8} 0123456789abcdefghijklmnopqrstuvwxyz|ARGON-TEST .*|\.\.\. [0-9]+ bytes dropped)$' || true)
dropped=$(sed -n 's/^\[f\] \.\.\. \([0-9]*\) bytes dropped$/\1/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
# In order: each number one more than the last one seen.
gaps=$(awk '{ n = $2 + 0 } n != prev + 1 { gaps++ } { prev = n } END { print gaps + 0 }' "$esp/f-lines")
echo "console-flood: f printed $lines lines, $seen reached the console ($parts console lines hold parts of lines), $dropped bytes reported dropped, $gaps gaps"
# A flood line is 54 bytes with its newline.
[ "$lines" = "$seen" ] || [ $(((lines - seen) * 54)) -le "$dropped" ] ||
	fail "lines went missing without a drop report ($lines printed, $seen seen, $dropped bytes dropped)"
[ "$gaps" -eq 0 ] || [ "$dropped" -gt 0 ] || fail "flood lines out of order without drops"

# Phase intervals by host time, then each of w's rounds (from the previous
# round's line to its own, skipping round 0) into the phase that holds it.
awk '
	/ \[f\] ARGON-TEST phase (flood|quiet) / { t[++np] = $1; mode[np] = $5; next }
	/ \[f\] ARGON-TEST flood_lines=/ { t[++np] = $1; mode[np] = "end"; next }
	/ \[w\] ARGON-TEST work_seconds=/ {
		split($4, kv, "="); r++
		if (r > 1) { start[r] = prev; stop[r] = $1; secs[r] = kv[2] }
		prev = $1
	}
	END {
		for (i = 2; i <= r; i++)
			for (p = 1; p < np; p++)
				if (start[i] >= t[p] && stop[i] <= t[p + 1] && mode[p] != "end") {
					sum[mode[p]] += secs[i]; n[mode[p]]++
				}
		printf "%d %.4f %d %.4f\n", n["flood"], n["flood"] ? sum["flood"] / n["flood"] : 0,
			n["quiet"], n["quiet"] ? sum["quiet"] / n["quiet"] : 0
	}' "$stamps" >"$esp/rounds"
read -r n_flood with n_quiet without <"$esp/rounds"
ratio=$(awk -v a="$with" -v b="$without" 'BEGIN { if (b > 0) printf "%.3f", a / b }')
echo "console-flood: w's mean round ${with} s in $n_flood rounds during floods, ${without} s in $n_quiet quiet rounds: ratio ${ratio}"
[ "$n_flood" -ge 5 ] && [ "$n_quiet" -ge 5 ] || fail "too few rounds inside phases ($n_flood flood, $n_quiet quiet)"
within "$ratio" 0.95 1.05 || fail "the flood changed w's workload time by more than 5% (ratio $ratio)"
finish
