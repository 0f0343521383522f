#!/usr/bin/env bash
# Two unmodified Debian kernels at once, each with 2 cores and 512 MiB of its
# own, on a server-like machine: 16 GiB (most of it above 4 GiB) and 8 CPUs
# in two sockets, one guest per socket. Both boot to their initramfs, see
# exactly their own cores and memory, fill most of their RAM with data and
# verify its checksum, and power off.
# Usage: linux-two-guests.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(linux_esp "$1" "$3" <<'CONF'
[guest.alpha]
kernel = "bzImage"
initrd = "initrd.img"
memory = "512M"
cpus = [0, 1]
cmdline = "console=ttyS0 quiet argon.test=fill"

[guest.beta]
kernel = "bzImage"
initrd = "initrd.img"
memory = "512M"
cpus = [4, 5]
cmdline = "console=ttyS0 quiet argon.test=fill"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
start=$SECONDS
boot "$esp" "$log" --timeout 600 --smp 8,sockets=2,cores=4 --mem 16G ||
	fail "machine did not power off by itself (qemu-run exit $?)"
echo "linux-two-guests: $((SECONDS - start)) s"

expect "$log" '^argon: 8 CPU\(s\), boot CPU 0, 1[0-9]{4} MiB free' "8 CPUs and about 16 GiB"
# QEMU gives each socket 4 APIC ids (2 bits of core, no thread bits).
expect "$log" '^argon: cpus 0-7: 0=0/0\.0\.0 1=1/0\.1\.0 2=2/0\.2\.0 3=3/0\.3\.0 4=4/1\.0\.0 5=5/1\.1\.0 6=6/1\.2\.0 7=7/1\.3\.0$' \
	"CPU table: CPUs 0-3 in socket 0, 4-7 in socket 1"
expect "$log" '^argon: console on CPU 2$' "the first CPU no guest has serves the console"
expect "$log" '^argon: 4 of 4 other CPU\(s\) up$' "the guests' four CPUs and the console's up, the others left alone"
for g in alpha beta; do
	expect "$log" "^\\[$g\\] ARGON-TEST begin fill$" "$g reached its initramfs"
	nproc=$(test_value "$log" "$g" nproc)
	[ "$nproc" = 2 ] || fail "$g sees $nproc CPUs, not 2"
	mem=$(test_value "$log" "$g" memtotal_kb)
	# 512 MiB less what the kernel keeps for itself: about 480 MB.
	within "$mem" 400000 524288 || fail "$g has MemTotal $mem kB, not about 512 MiB"
	fill_mb=$(test_value "$log" "$g" fill_mb)
	# All it can: what the kernel says is available, less 64 MiB of slack.
	within "$fill_mb" 256 512 || fail "$g filled only ${fill_mb:-no} MiB"
	expect "$log" "^\\[$g\\] ARGON-TEST fill_mb=[0-9]+ md5=([0-9a-f]+) expected=\\1 result=ok" \
		"$g's data checksum matched"
	expect "$log" "^argon: guest '$g' stopped: powered off$" "$g powered itself off"
done
expect_not "$log" 'result=bad' "no data corruption"
expect "$log" '^argon: all guests stopped \(2 started\)$' "both guests ran"
expect "$log" '^argon: powering off' "argon powered the machine off"
finish
