#!/usr/bin/env bash
# The guest's IOAPIC under Linux: the kernel finds it in the MADT (GSIs
# 0-23), routes interrupts through it on the hardware-reduced platform
# without looking for an 8254 behind it, gives COM1 the IRQ of GSI 4 from
# the DSDT, and, once its console is opened, programs pin 4 with a vector
# for its own core (argon logs redirection-entry changes at debug level:
# the guest's own MMIO writes, emulated by argon), and powers off. That it
# still keeps time on the TSC is linux-time.sh's to check, over 10 s.
# Usage: linux-ioapic.sh ARGON_EFI TESTGUEST_ELF IMAGES_DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# "quiet": the guest reports what the kernel logged (the platform
# scenario) instead of printing its whole log through the UART.
esp=$(new_esp "$1" "$3/bzImage" "$3/initrd-base.img" <<'CONF'
[argon]
log = "debug"

[guest.io]
kernel = "bzImage"
initrd = "initrd-base.img"
memory = "384M"
cpus = [1]
cmdline = "console=ttyS0 quiet argon.test=platform"
CONF
)
trap 'rm -rf "$esp"' EXIT

log=$esp/console.log
boot "$esp" "$log" --timeout 240 --smp 2 || fail "machine did not power off by itself (qemu-run exit $?)"

expect "$log" '^\[io\] ARGON-TEST IOAPIC\[0\]: apic_id 0, version 32, address 0xfec00000, GSI 0-23$' \
	"Linux found the IOAPIC in the MADT"
expect "$log" '^\[io\] ARGON-TEST irq_routing=ioapic$' "ACPI routes through the IOAPIC"
expect "$log" '^\[io\] ARGON-TEST ttyS0_irq=[1-9][0-9]*$' "COM1 got an IRQ from its _CRS"
expect "$log" '^\[io\] ARGON-TEST ttyS0_interrupts=[0-9]+: [0-9]+ IO-APIC 4-edge ttyS0$' \
	"ttyS0's interrupt is IOAPIC pin 4, edge"
# CPU 1 of the emulated machine has APIC id 1: the vector goes to the
# guest's own core, edge-triggered and active high, as ISA IRQ 4 is.
expect "$log" "^argon: debug: guest 'io': IOAPIC pin 4: vector 0x[2-9a-f][0-9a-f], mode 0, physical dest 0x01, edge, active high, unmasked\$" \
	"the guest programmed and unmasked pin 4 for its core"
expect_not "$log" "IOAPIC pin ([0-35-9]|1[0-9]|2[0-3]):.* unmasked" "no other pin was unmasked"
expect_not "$log" 'IO-APIC \+ timer|Kernel panic' "no timer check through the IOAPIC, no panic"
expect "$log" '^\[io\] ARGON-TEST ioapic=yes$' "the guest reports an IOAPIC"
expect "$log" "^argon: guest 'io' stopped: powered off" "the guest powered off"
expect "$log" '^argon: exits guest=io .* npf=[1-9]' "IOAPIC accesses exited as nested page faults"
finish
