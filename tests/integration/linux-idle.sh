#!/usr/bin/env bash
# Exits of a Linux guest idling at a shell prompt. Two identical guests
# boot to a shell on the serial console; the test types exit into one at
# once and into the other after it has sat at its prompt for 30 s. Both got
# the same input, so the difference between their exit counters is what the
# 30 s at the prompt cost: timer ticks and HLT never exit (the LAPIC is the
# guest's own, HLT runs on the core), and the UART is interrupt-driven, so
# nothing polls. Target: fewer than 1 exit per second.
# Usage: linux-idle.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

IDLE_S=30
# The focus starts at busy, the first guest.
boot_shells "$1" "$3" busy idle
log=$LOG

ok=true
for g in busy idle; do
	$ok && { wait_line "$log" "^\[$g\] / # " 200 || ok=false; }
done
type_keys 'exit\r'
$ok && { wait_line "$log" "^argon: guest 'busy' stopped" 60 || ok=false; }
start=$SECONDS
$ok && sleep "$IDLE_S" # the idle time being measured, not a wait for an event
idled=$((SECONDS - start))
type_keys '\001\001\001'
$ok && { wait_line "$log" "^argon: console input goes to 'idle'" 30 || ok=false; }
type_keys 'exit\r'
wait_boot || fail "machine did not power off by itself (qemu-run exit $?)"
cat "$log"

count() { grep "^argon: exits guest=$1 " "$log" | tail -n1 | tr ' ' '\n' | sed -n "s/^$2=//p"; }
report=""
for kind in total cpuid msr-read msr-write io npf hlt intr; do
	i=$(count idle "$kind")
	b=$(count busy "$kind")
	[ -n "$i" ] && [ -n "$b" ] || { fail "no exit counters for $kind"; continue; }
	report="$report $kind=$((i - b))"
done
echo "linux-idle: exits of $idled s at a shell prompt (idle guest minus busy guest):$report"
total=$(( $(count idle total) - $(count busy total) ))
per_s=$(awk -v d="$total" -v s="$idled" 'BEGIN { printf "%.2f", d / s }')
echo "linux-idle: $per_s exits per second at the prompt"
[ "$idled" -ge "$IDLE_S" ] || fail "idled only $idled s"
within "$per_s" -1 0.999 || fail "idling at the prompt cost $per_s exits per second (target < 1)"
finish
