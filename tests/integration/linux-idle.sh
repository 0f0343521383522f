#!/usr/bin/env bash
# Exits of an idle Linux guest: two identical guests run side by side, one
# sleeps 10 s (idle), the other only prints its info; the difference in
# their exit counters is what 10 s of idling cost. HLT and timer interrupts
# never exit (HLT runs on the core, the LAPIC is the guest's own), so the
# idle guest adds no hlt, intr or msr exits; what it adds are port reads of
# the IRQ-less serial port, which Linux's 8250 driver polls.
# Usage: linux-idle.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(linux_esp "$1" "$3" <<'CONF'
[guest.idle]
kernel = "bzImage"
initrd = "initrd.img"
memory = "384M"
cpus = [0]
cmdline = "console=ttyS0 quiet argon.test=idle"

[guest.busy]
kernel = "bzImage"
initrd = "initrd.img"
memory = "384M"
cpus = [1]
cmdline = "console=ttyS0 quiet argon.test=info"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
boot "$esp" "$log" --timeout 300 --smp 2 || fail "machine did not power off by itself (qemu-run exit $?)"

expect "$log" '^\[idle\] ARGON-TEST idle end$' "the idle guest slept its 10 s"
count() { grep "^argon: exits guest=$1 " "$log" | tail -n1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }
for kind in hlt intr; do
	[ "$(count idle "$kind")" = 0 ] || fail "idle guest had $(count idle "$kind") $kind exits"
done
report=""
for kind in total cpuid msr-read msr-write io npf; do
	i=$(count idle "$kind")
	b=$(count busy "$kind")
	[ -n "$i" ] && [ -n "$b" ] || { fail "no exit counters for $kind"; continue; }
	report="$report $kind=$((i - b))"
done
echo "linux-idle: exits of 10 s idle (idle guest minus busy guest):$report"
for kind in cpuid msr-read msr-write npf; do
	d=$(( $(count idle "$kind") - $(count busy "$kind") ))
	[ "$d" -le 5 ] && [ "$d" -ge -5 ] || fail "idling added $d $kind exits"
done
io=$(( $(count idle io) - $(count busy io) ))
[ "$io" -lt 5000 ] || fail "idling added $io port exits in 10 s"
finish
