#!/usr/bin/env bash
# A console flood must not slow a neighbour down. Guest w runs a fixed
# CPU-bound workload in rounds, timed by its own clock, while guest f runs a
# loop that prints numbered lines as fast as it can; the same machine is
# booted again with f running the same loop without printing (the same
# load on the emulator, no console traffic). w's mean round time may differ
# by less than 5% between the two runs. Every line f printed reaches the
# console in order, or the bytes that did not are reported as dropped.
# Usage: console-flood.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

run() { # run QUIET LOG
	local esp
	esp=$(linux_esp "$ARGON_EFI" "$IMAGES" <<CONF
[guest.w]
kernel = "bzImage"
initrd = "initrd-base.img"
memory = "256M"
cpus = [1]
cmdline = "console=ttyS0 quiet argon.test=work argon.work_rounds=7"

[guest.f]
kernel = "bzImage"
initrd = "initrd-base.img"
memory = "256M"
cpus = [2]
cmdline = "console=ttyS0 quiet argon.test=flood argon.flood_s=45 argon.flood_quiet=$1"
CONF
	)
	cp "$IMAGES/initrd-base.img" "$esp/"
	rm "$esp/initrd.img"
	boot "$esp" "$2" --timeout 400 --smp 3 >/dev/null ||
		fail "machine did not power off by itself (qemu-run exit $?)"
	rm -rf "$esp"
}

mean_round() { # mean_round LOG: w's mean round time, rounds 1.. (round 0 warms up)
	sed -n 's/^\[w\] ARGON-TEST work_seconds=\([0-9.]*\) round=[1-9].*/\1/p' "$1" |
		awk '{ s += $1; n++ } END { if (n) printf "%.3f", s / n }'
}

ARGON_EFI=$1
IMAGES=$3
flood=$(mktemp "${TMPDIR:-/tmp}/argon-flood.XXXXXX")
quiet=$(mktemp "${TMPDIR:-/tmp}/argon-quiet.XXXXXX")
trap 'rm -f "$flood" "$quiet"' EXIT
run 0 "$flood"
run 1 "$quiet"

for log in "$flood" "$quiet"; do
	expect "$log" '^\[w\] ARGON-TEST end work$' "w finished its workload"
	expect "$log" '^\[f\] ARGON-TEST flood_lines=[1-9]' "f finished its loop"
done
# w's rounds must all fall inside f's flood.
w_end=$(grep -n '^\[w\] ARGON-TEST end work$' "$flood" | cut -d: -f1)
f_end=$(grep -n '^\[f\] ARGON-TEST flood_lines=' "$flood" | cut -d: -f1)
[ -n "$w_end" ] && [ -n "$f_end" ] && [ "$w_end" -lt "$f_end" ] ||
	fail "w's workload ended after the flood (lines $w_end, $f_end)"

lines=$(test_value "$flood" f flood_lines)
seen=$(grep -c '^\[f\] flood [0-9]\{8\} 0123456789abcdefghijklmnopqrstuvwxyz$' "$flood" || true)
dropped=$(sed -n 's/^\[f\] \.\.\. \([0-9]*\) bytes dropped$/\1/p' "$flood" | awk '{ s += $1 } END { print s + 0 }')
# Lines in order: each number one more than the last one seen.
order=$(sed -n 's/^\[f\] flood \([0-9]\{8\}\) .*/\1/p' "$flood" |
	awk '$1 + 0 != prev + 1 { gaps++ } { prev = $1 + 0 } END { print gaps + 0 }')
echo "console-flood: f printed $lines lines, $seen reached the console, $dropped bytes reported dropped, $order gaps"
# A flood line is 54 bytes with its newline.
[ "$lines" = "$seen" ] || [ $(((lines - seen) * 54)) -le "$dropped" ] ||
	fail "lines went missing without a drop report ($lines printed, $seen seen, $dropped bytes dropped)"
[ "$order" -eq 0 ] || [ "$dropped" -gt 0 ] || fail "flood lines out of order without drops"

with=$(mean_round "$flood")
without=$(mean_round "$quiet")
ratio=$(awk -v a="$with" -v b="$without" 'BEGIN { if (b > 0) printf "%.3f", a / b }')
echo "console-flood: w's mean round ${with} s with the flood, ${without} s without: ratio ${ratio}"
within "$ratio" 0.95 1.05 || fail "the flood changed w's workload time by more than 5% (ratio $ratio)"
finish
