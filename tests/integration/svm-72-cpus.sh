#!/usr/bin/env bash
# A two-socket server with SMT and more than 64 CPUs (2 sockets x 18 cores
# x 2 threads = 72): argon takes every CPU from the MADT, prints its CPU
# table with each CPU's APIC id, socket, core and thread, starts CPU 70 (in
# socket 1) and runs the test guest there. The 70 CPUs that neither the
# guest nor the console (CPU 0) use are parked in argon's halt loop, none
# left in the firmware's.
# Usage: svm-72-cpus.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(new_esp "$1" "$2" <<'CONF'
[guest.far]
kernel = "testguest.elf"
memory = "64M"
cpus = [70]
cmdline = "console=ttyS0"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
start=$SECONDS
boot "$esp" "$log" --timeout 240 --smp 72,sockets=2,cores=18,threads=2 ||
	fail "machine did not power off by itself (qemu-run exit $?)"
echo "svm-72-cpus: $((SECONDS - start)) s"

expect "$log" '^argon: 72 CPU\(s\), boot CPU 0,' "argon took all 72 CPUs from the MADT"
# QEMU numbers APIC ids socket << 6 | core << 1 | thread: the split must be
# read from CPUID, not guessed from the CPU count.
expect "$log" '^argon: CPU topology from CPUID leaf 0x(b|1f): APIC id = socket << 6 \| core << 1 \| thread$' \
	"APIC id split from the CPUID topology leaves"
expect "$log" '^argon: CPU table, INDEX=APICID/SOCKET\.CORE\.THREAD:$' "CPU table header"
# Every CPU appears once in the table, in MADT order, 8 to a line.
entries=$(sed -n 's/^argon: cpus [0-9]*-[0-9]*: //p' "$log" | tr ' ' '\n' | grep -c '=' || true)
[ "$entries" = 72 ] || fail "CPU table lists $entries CPUs, not 72"
expect "$log" '^argon: cpus 0-7: 0=0/0\.0\.0 1=1/0\.0\.1 2=2/0\.1\.0 ' "CPU 0-2 in socket 0"
expect "$log" '^argon: cpus 32-39: .* 35=35/0\.17\.1 36=64/1\.0\.0 ' \
	"socket 1 starts at CPU 36, APIC id 64"
expect "$log" '^argon: cpus 64-71: .* 70=98/1\.17\.0 71=99/1\.17\.1$' \
	"CPU 70 is APIC id 98: socket 1, core 17, thread 0"
# On the rig's default 8 GiB, argon's page tables sit above 4 GiB, out of
# reach of a 32-bit CR3: the start-up path must not depend on it.
pt=$(sed -n 's/^argon: page tables at \(0x[0-9a-f]*\) map .*/\1/p' "$log")
[ -n "$pt" ] && [ $((pt)) -ge $((1 << 32)) ] || fail "argon's page tables at ${pt:-?}, not above 4 GiB"
expect "$log" '^argon: 1 of 1 other CPU\(s\) up$' "CPU 70 started (and only it)"
expect "$log" "^argon: 70 unused CPU\\(s\\) parked in argon's halt loop$" \
	"every CPU but the boot CPU and CPU 70 parked by argon"
! grep -q 'did not come up' "$log" || fail "a CPU did not come up: $(grep 'did not come up' "$log")"
expect_testguest "$log" far "console=ttyS0"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
