#!/usr/bin/env bash
# One Linux guest panics on purpose (sysrq c) while the other fills and
# checks its RAM: the worker finishes with the right result; the crashed
# guest, with on_exit = "restart" and panic=1 (reboot a second after a
# panic), resets, and argon boots it again with fresh RAM (argon.boot=2).
# Usage: linux-crash-restart.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(linux_esp "$1" "$3" <<'CONF'
[guest.crashy]
kernel = "bzImage"
initrd = "initrd.img"
memory = "384M"
cpus = [0]
cmdline = "console=ttyS0 quiet panic=1 argon.test=panic"
on_exit = "restart"

[guest.worker]
kernel = "bzImage"
initrd = "initrd.img"
memory = "512M"
cpus = [1]
cmdline = "console=ttyS0 quiet argon.test=fill"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
boot "$esp" "$log" --timeout 600 --smp 2 --mem 2G ||
	fail "machine did not power off by itself (qemu-run exit $?)"

expect "$log" '^\[crashy\] ARGON-TEST panicking$' "the guest panicked on purpose"
expect "$log" '^\[crashy\] .*Kernel panic - not syncing: sysrq triggered crash' "the kernel panicked"
expect "$log" "^argon: guest 'crashy' stopped: reset; on_exit = restart$" \
	"its reboot after the panic reached argon as a reset"
expect "$log" "^argon: guest 'crashy': restarting \\(boot 2\\)$" "argon restarted it"
expect "$log" '^\[crashy\] ARGON-TEST restarted boot=2$' "the second boot came up"
expect "$log" "^argon: guest 'crashy' stopped: powered off$" "the second boot powered off"
[ "$(grep -c "^argon: guest 'crashy': restarting" "$log")" -eq 1 ] || fail "restarted more than once"

expect "$log" '^\[worker\] ARGON-TEST fill_mb=[0-9]+ md5=([0-9a-f]+) expected=\1 result=ok' \
	"the other guest's workload completed with the right checksum"
expect "$log" "^argon: guest 'worker' stopped: powered off$" "the other guest ended normally"
expect "$log" '^argon: all guests stopped \(2 started\)$' "both guests ended"
finish
