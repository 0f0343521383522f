#!/usr/bin/env bash
# The guest's PCI bus under Linux, with a whole function assigned: a QEMU
# NVMe controller at host 00:06.0 given to guest "pt". From the guest's
# shell: its bus holds argon's host bridge at 00:00.0 and the controller at
# 00:01.0 with BAR 0 where argon put it, bound to the nvme driver; the
# controller's configuration space (read from sysfs) shows only the PCIe,
# MSI-X and power-management capabilities, no ROM, no interrupt pin, the
# multi-function bit clear; its queue interrupts are MSI-X and count up when
# the guest reads the disk, and again after the guest resets the function
# (FLR). From argon: every MSI-X entry that went live holds, read back from
# the device, a remappable-format message.
# Usage: linux-vpci.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

esp=$(new_esp "$1" "$3/bzImage" "$3/initrd-base.img" <<'CONF'
[argon]
log = "debug"

[guest.pt]
kernel = "bzImage"
initrd = "initrd-base.img"
memory = "256M"
cpus = [1]
devices = ["0000:00:06.0"]
cmdline = "console=ttyS0 quiet argon.test=shell"
CONF
)
disk=$(mktemp "${TMPDIR:-/tmp}/argon-disk.XXXXXX")
keys=$(mktemp -u "${TMPDIR:-/tmp}/argon-keys.XXXXXX")
log=$(mktemp "${TMPDIR:-/tmp}/argon-console.XXXXXX")
trap 'rm -rf "$esp" "$disk" "$keys" "$log"' EXIT
truncate -s 16M "$disk"
BOOT_PID=
boot_typed "$esp" "$log" "$keys" --timeout 300 --smp 2 -- \
	-drive file="$disk",if=none,id=pt,format=raw -device nvme,serial=pt0,drive=pt,addr=0x6

# One command at a time, each ending in a marker, so that what is typed
# next is not echoed into its output.
run() {
	type_keys "$1; echo DONE-$2\r"
	wait_line "$log" "^\[pt\] DONE-$2\$" 60
}
if wait_line "$log" '^\[pt\] / # ' 200; then
	run 'cd /sys/bus/pci/devices; for d in *; do echo PCIDEV $d $(cat $d/vendor $d/device $d/class) $(head -n1 $d/resource) $(readlink $d/driver); done' 1 &&
		run 'od -A x -t x1 -v -N 256 0000:00:01.0/config | sed "s/^/CFG /"' 2 &&
		run 'grep nvme0q1 /proc/interrupts | sed "s/^/IRQ1 /"; dd if=/dev/nvme0n1 of=/dev/null bs=4096 count=256 2>/dev/null; grep nvme0q1 /proc/interrupts | sed "s/^/IRQ2 /"' 3 &&
		run 'echo 1 > 0000:00:01.0/reset && echo RESET-OK; grep nvme0q1 /proc/interrupts | sed "s/^/IRQ3 /"; dd if=/dev/nvme0n1 of=/dev/null bs=4096 count=256 skip=1024 2>/dev/null; grep nvme0q1 /proc/interrupts | sed "s/^/IRQ4 /"' 4 ||
		true
	type_keys 'exit\r'
fi
wait_boot || fail "machine did not power off by itself (qemu-run exit $?)"
cat "$log"

expect "$log" "^argon: guest 'pt': PCI 00:01.0 is 0000:00:06.0 \(1b36:0010\), MSI-X [0-9]+ entries$" \
	"argon assigned the controller at 00:01.0"
expect "$log" '^\[pt\] PCIDEV 0000:00:00.0 0x1af0 0xa760 0x060000 ' "argon's host bridge at 00:00.0"
expect "$log" '^\[pt\] PCIDEV 0000:00:01.0 0x1b36 0x0010 0x010802 0x00000000c0000000 0x00000000c0003fff .*drivers/nvme$' \
	"the controller at 00:01.0, BAR 0 at 0xc0000000, bound to nvme"
[ "$(grep -c '^\[pt\] PCIDEV ' "$log")" -eq 2 ] || fail "the bus has other functions: $(grep '^\[pt\] PCIDEV ' "$log")"

# The first 256 bytes of the controller's configuration space, as the guest reads them.
mapfile -t cfg < <(sed -n 's/^\[pt\] CFG [0-9a-f]\{6\} \(.*[0-9a-f]\) *$/\1/p' "$log" | tr ' ' '\n')
if [ "${#cfg[@]}" -ne 256 ]; then
	fail "could not read the configuration space (${#cfg[@]} bytes)"
else
	byte() { echo $((16#${cfg[$1]})); }
	[ $(($(byte 0x0e) & 0x80)) -eq 0 ] || fail "multi-function bit set"
	[ "$(byte 0x3d)" -eq 0 ] || fail "interrupt pin $(byte 0x3d)"
	rom=$(($(byte 0x30) | $(byte 0x31) | $(byte 0x32) | $(byte 0x33)))
	[ "$rom" -eq 0 ] || fail "expansion ROM reads non-zero"
	[ $(($(byte 0x06) & 0x10)) -ne 0 ] || fail "no capability list"
	[ "$(byte 0x04)" -eq $(($(byte 0x04) & 0x06)) ] || fail "command bits beyond memory and bus master: $(byte 0x04)"
	ids=
	at=$(byte 0x34)
	for _ in 1 2 3 4 5 6 7 8; do
		[ "$at" -ne 0 ] || break
		ids="$ids $(printf '%02x' "$(byte "$at")")"
		at=$(byte $((at + 1)))
	done
	ids=$(echo "$ids" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/^ *//; s/ *$//')
	echo "linux-vpci: capabilities the guest sees: $ids"
	[ "$ids" = "01 10 11" ] || fail "capabilities are '$ids', not PM, PCIe and MSI-X"
fi

expect "$log" '^\[pt\] IRQ1 +[0-9]+: +[0-9]+ +PCI-MSI' "the I/O queue's interrupt is a message"
before=$(sed -n 's/^\[pt\] IRQ1 *[0-9]*: *\([0-9]*\) .*/\1/p' "$log")
after=$(sed -n 's/^\[pt\] IRQ2 *[0-9]*: *\([0-9]*\) .*/\1/p' "$log")
[ -n "$before" ] && [ -n "$after" ] && [ "$after" -gt "$before" ] ||
	fail "no interrupts from reading the disk (${before:-?} -> ${after:-?})"
echo "linux-vpci: nvme0q1 interrupts ${before:-?} -> ${after:-?} over 1 MiB read"

# A function-level reset asked by the guest (sysfs reset: Linux saves the
# configuration space, sets Device Control bit 15 and restores it): argon
# resets the function, the driver brings its controller back, and reads
# interrupt again.
expect "$log" '^\[pt\] RESET-OK$' "the guest's function-level reset completed"
expect "$log" "^argon: debug: guest 'pt': PCI 00:01.0: function-level reset$" "argon reset the function"
# (The driver requests its interrupts again, so the count starts anew.)
reset=$(sed -n 's/^\[pt\] IRQ3 *[0-9]*: *\([0-9]*\) .*/\1/p' "$log")
again=$(sed -n 's/^\[pt\] IRQ4 *[0-9]*: *\([0-9]*\) .*/\1/p' "$log")
[ -n "$reset" ] && [ -n "$again" ] && [ "$again" -gt "$reset" ] ||
	fail "no interrupts from reading the disk after the reset (${reset:-?} -> ${again:-?})"
echo "linux-vpci: after the reset, nvme0q1 interrupts ${reset:-?} -> ${again:-?} over 1 MiB read"

# Each device entry argon unmasked, as read back from the device: address
# 0xFEExxxxx with bit 4 (remappable format) set, high half 0.
live=$(grep -c "^argon: debug: guest 'pt': MSI-X 00:01.0 entry [0-9]*: .* device entry " "$log" || true)
[ "$live" -ge 2 ] || fail "fewer than 2 MSI-X entries went live ($live)"
while read -r hi lo; do
	a=$((16#$lo))
	[ "$hi" = 00000000 ] && [ $((a & 0xFFF00010)) -eq $((0xFEE00010)) ] ||
		fail "device entry holds 0x${hi}_$lo, not a remappable message"
done < <(sed -n "s/^argon: debug: guest 'pt': MSI-X .* device entry 0x\([0-9a-f]\{8\}\)_\([0-9a-f]\{8\}\) .*/\1 \2/p" "$log")
expect "$log" "^argon: debug: guest 'pt': MSI-X 00:01.0 entry [0-9]+: APIC 0x1 vector 0x[0-9a-f]+ through remapping entry" \
	"entries point at the guest's own core (APIC id 1)"
expect_not "$log" "MSI-X .* entry stays masked" "no message refused"
expect "$log" '^argon: pci guest=pt functions=1 config_refused=[0-9]+ msix_refused=0$' "argon's PCI counters"
expect "$log" "^argon: guest 'pt' stopped: powered off" "the guest powered off"
finish
