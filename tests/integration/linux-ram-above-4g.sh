#!/usr/bin/env bash
# A Linux guest with 6 GiB of RAM: argon puts 2816 MiB below the 32-bit hole
# and the other 3328 MiB from 4 GiB, in the e820 map and the nested tables.
# The guest sees more than 4 GiB, and fills and verifies 256 MiB that its
# kernel takes from ZONE_NORMAL, which on x86-64 is the RAM above 4 GiB
# (the guest reports how much of ZONE_NORMAL the fill took).
# Usage: linux-ram-above-4g.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

fill_mb=256
esp=$(linux_esp "$1" "$3" <<CONF
[guest.big]
kernel = "bzImage"
initrd = "initrd.img"
memory = "6G"
cpus = [1]
cmdline = "console=ttyS0 argon.test=fill argon.fill_mb=$fill_mb"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
start=$SECONDS
boot "$esp" "$log" --timeout 600 --smp 2 --mem 12G ||
	fail "machine did not power off by itself (qemu-run exit $?)"
echo "linux-ram-above-4g: $((SECONDS - start)) s"

# argon's view: two host blocks, the second mapped from GPA 4 GiB.
expect "$log" "^argon: guest 'big': 6144 MiB at host 0x[0-9a-f]+ \\(2816 MiB\\), 0x[0-9a-f]+ \\(3328 MiB from GPA 0x100000000\\), 1 vCPU\\(s\\) on CPU 1," \
	"argon split the guest's RAM around the 32-bit hole"
# The guest's view: the e820 map argon gave it, as Linux prints it.
expect "$log" '^\[big\] .*BIOS-e820: \[mem 0x0000000000100000-0x00000000afffffff\] usable' \
	"RAM from 1 MiB to the ECAM window in the guest's e820"
expect "$log" '^\[big\] .*BIOS-e820: \[mem 0x0000000100000000-0x00000001cfffffff\] usable' \
	"3328 MiB of RAM above 4 GiB in the guest's e820"
expect "$log" '^\[big\] ARGON-TEST begin fill$' "guest reached its initramfs"
mem=$(test_value "$log" big memtotal_kb)
# More than 4 GiB, and about 6 GiB less what the kernel keeps.
within "$mem" 4194305 6291456 || fail "guest has MemTotal ${mem:-no} kB, not more than 4 GiB"
within "$mem" 5800000 6291456 || fail "guest has MemTotal ${mem:-no} kB, not about 6 GiB"
got=$(test_value "$log" big fill_mb)
[ "$got" = "$fill_mb" ] || fail "guest filled ${got:-no} MiB, not $fill_mb"
# Linux fills the highest zone first: nearly all of the fill is above 4 GiB.
normal_kb=$(test_value "$log" big fill_normal_kb)
within "$normal_kb" $((fill_mb * 1024 * 9 / 10)) $((fill_mb * 1024 * 11 / 10)) ||
	fail "the fill took ${normal_kb:-no} kB above 4 GiB, not about $fill_mb MiB"
expect "$log" "^\\[big\\] ARGON-TEST fill_mb=$fill_mb md5=([0-9a-f]+) expected=\\1 result=ok" \
	"the fill's checksum matched"
sed -n 's/^\[big\] ARGON-TEST \(fill_seconds.*\)/linux-ram-above-4g: \1/p' "$log"
expect_not "$log" 'result=bad' "no data corruption"
expect "$log" "^argon: guest 'big' stopped: powered off$" "guest powered itself off"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
