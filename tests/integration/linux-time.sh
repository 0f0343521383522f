#!/usr/bin/env bash
# Time in a Linux guest: the TSC passes through, the kernel learns its
# frequency from the tsc_early_khz= argon appends, and timer interrupts come
# from the guest's own LAPIC. Over 10 s the guest's clock must agree with
# the host's within 2% (measured on eleven ticks the guest prints a second
# apart), and sleep 1 must take about a second. The date
# comes from argon's virtual CMOS RTC, which follows the machine's RTC (in
# QEMU, the host's clock): the guest's date must be the host's within 30 s.
# Usage: linux-time.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(linux_esp "$1" "$3" <<'CONF'
[guest.clock]
kernel = "bzImage"
initrd = "initrd.img"
memory = "384M"
cpus = [0]
cmdline = "console=ttyS0 quiet argon.test=time"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
stamps=$esp/stamps
boot_stamped "$esp" "$log" "$stamps" --timeout 300 --smp 2 ||
	fail "machine did not power off by itself (qemu-run exit $?)"

expect "$log" '^argon: guest .clock.: Linux boot protocol .*tsc_early_khz=[1-9][0-9]*' \
	"argon gave the kernel its TSC frequency"
expect "$log" '^\[clock\] ARGON-TEST clocksource=tsc$' "the guest keeps time on the TSC"
host_start=$(awk '/\[clock\] ARGON-TEST mark start$/ { print $1; exit }' "$stamps")
host_end=$(awk '/\[clock\] ARGON-TEST mark end$/ { print $1; exit }' "$stamps")
guest10=$(test_value "$log" clock sleep10_uptime_delta)
guest1=$(test_value "$log" clock sleep1_uptime_delta)
guest_epoch=$(test_value "$log" clock epoch)
host_epoch=$(awk '/\[clock\] ARGON-TEST epoch=/ { printf "%d", $1; exit }' "$stamps")
echo "linux-time: guest date $guest_epoch, host date $host_epoch"
[ -n "$guest_epoch" ] && [ -n "$host_epoch" ] &&
	[ $((guest_epoch - host_epoch)) -le 30 ] && [ $((host_epoch - guest_epoch)) -le 30 ] ||
	fail "the guest's date ${guest_epoch:-?} is not the host's ${host_epoch:-?}"
host10=$(awk -v a="$host_start" -v b="$host_end" 'BEGIN { if (a && b) printf "%.3f", b - a }')
echo "linux-time: guest 10 s sleep measured ${guest10:-?} s by the guest, ${host10:-?} s by the host; sleep 1: ${guest1:-?} s"
within "$guest10" 10.0 10.2 || fail "guest's uptime advanced ${guest10:-nothing} over sleep 10"
# Clock rates from the ticks: each line reaches the host some time after
# the guest stamped it, so compare the fastest of the first three with the
# fastest of the last three (host time minus guest uptime).
ratio=$(awk '
	/\[clock\] ARGON-TEST tick [0-9]+ uptime=/ {
		split($NF, u, "="); n = $(NF - 1); h[n] = $1; g[n] = u[2]; if (n > last) last = n
	}
	END {
		if (last < 10) exit
		s = 1e18; e = 1e18
		for (i = 0; i <= 2; i++) if (h[i] - g[i] < s) s = h[i] - g[i]
		for (i = last - 2; i <= last; i++) if (h[i] - g[i] < e) e = h[i] - g[i]
		span = g[last] - g[0]
		printf "%.4f", span / (span + e - s)
	}' "$stamps")
echo "linux-time: guest clock rate / host clock rate over 10 s of ticks: ${ratio:-?}"
within "$ratio" 0.98 1.02 || fail "guest and host clocks disagree: ratio ${ratio:-none} over 10 s"
within "$guest1" 0.95 1.10 || fail "sleep 1 took ${guest1:-?} s of guest uptime"
finish
