/* The host's ACPI tables, read through the identity map. */
#ifndef ARGON_VMM_HOST_ACPI_H
#define ARGON_VMM_HOST_ACPI_H

#include "vmm/host/acpi_parse.h"
#include "vmm/boot_info.h"

extern const struct acpi_mem host_acpi_mem;

/* Fills pcpus[] from the MADT, in table order (enabled CPUs only), and
 * places each in its socket, core and thread; the boot CPU is marked by
 * its APIC id. A MADT that argon cannot take whole (malformed, more than
 * MAX_CPUS processors, the boot CPU missing) is an error, logged here,
 * and the result is negative; a machine without a MADT runs on its boot
 * CPU alone. Returns the CPU count or a negative code. */
int host_cpus_discover(const struct boot_info *bi);

/* Powers the machine off: ACPI S5 from the FADT, else the firmware's
 * service, else halts. Never returns. */
void machine_power_off(const struct boot_info *bi) __attribute__((noreturn));

#endif
