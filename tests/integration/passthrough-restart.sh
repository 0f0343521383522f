#!/usr/bin/env bash
# on_exit = "restart" with an assigned NVMe controller (0000:00:06.0): the
# test guest's first boot writes to the disk, leaves the controller running
# (enabled, admin and I/O queues live, MSI-X on with an unmasked entry, bus
# mastering on) and triple-faults. argon restarts it; the second boot must
# find the controller as after a reset (CC.EN and CSTS.RDY clear, bus
# mastering and MSI-X off; QEMU's model keeps the admin queue registers
# across a function-level reset, so those are not judged), read back what
# the first boot wrote,
# and write and read again. A second guest without a device runs beside it
# undisturbed.
# Usage: passthrough-restart.sh ARGON_EFI TESTGUEST_ELF
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(new_esp "$1" "$2" <<'CONF'
[guest.phoenix]
kernel = "testguest.elf"
memory = "64M"
cpus = [1]
devices = ["0000:00:06.0"]
cmdline = "testguest.mode=nvme-restart"
on_exit = "restart"

[guest.steady]
kernel = "testguest.elf"
memory = "64M"
cpus = [0]
cmdline = "steady"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
boot "$esp" "$log" --timeout 120 --smp 2 --nvme 06 ||
	fail "machine did not power off by itself (qemu-run exit $?)"

expect "$log" '^\[phoenix\] argon-testguest: start, 64 MiB RAM, cmdline "testguest.mode=nvme-restart argon.boot=1"$' \
	"first boot"
expect "$log" '^\[phoenix\] ARGON-TEST nvme bdf=00:01\.0 id=1b36:0010 .*serial=argon-pt-06 ' \
	"the first boot drives the assigned controller"
expect "$log" '^\[phoenix\] ARGON-TEST nvme-restart boot=1 controller left running; crashing$' \
	"the first boot left the controller running"
expect "$log" "^argon: guest 'phoenix' stopped: triple fault .*; on_exit = restart\$" "crash seen, restart due"
expect "$log" "^argon: guest 'phoenix': restarting \\(boot 2\\)\$" "argon restarted it"
expect "$log" '^\[phoenix\] argon-testguest: start, 64 MiB RAM, cmdline "testguest.mode=nvme-restart argon.boot=2"$' \
	"second boot"
expect "$log" '^\[phoenix\] ARGON-TEST nvme-restart found cc=0x0 csts=0x0 aqa=0x[0-9a-f]+ asq=0x[0-9a-f]+ command=0x0 ' \
	"the second boot found the controller reset"
for check in nvme-reset-state nvme-open nvme-boot1-data nvme-write-read; do
	[ "$(grep -c "^\[phoenix\] PASS $check\$" "$log")" -ge 1 ] || fail "check $check did not pass"
done
expect "$log" '^\[phoenix\] PASS nvme-boot1-data$' "what the first boot wrote is on the disk"
expect_not "$log" '^\[phoenix\] FAIL' "no check failed in either boot"
expect "$log" '^\[phoenix\] argon-testguest: [0-9]+ passed, 0 failed$' "second boot's summary"
expect "$log" "^argon: guest 'phoenix' stopped: powered off\$" "a power-off ends it for good"
[ "$(grep -c "^argon: guest 'phoenix': restarting" "$log")" -eq 1 ] || fail "restarted more than once"
expect_not "$log" "^argon: .*reset failed" "argon reset the function without error"
expect_testguest "$log" steady "steady"
expect "$log" '^argon: all guests stopped \(2 started\)$' "both guests ended"
finish
