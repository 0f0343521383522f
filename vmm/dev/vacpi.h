/* The ACPI tables argon builds for a Linux guest: RSDP (revision 2), XSDT,
 * FADT (revision 6, hardware-reduced), MADT, MCFG and a DSDT of hand-encoded
 * AML. They describe a PC without PIC, PIT, HPET or RTC: x2APIC cores, an
 * IOAPIC, a PCIe host bridge over a virtual ECAM, a COM1 on IRQ 4, and the
 * PM1a/sleep-control and reset ports argon traps for power-off and reset
 * (a Linux guest needs reboot=acpi on its command line). Why each
 * field holds what it holds is in docs/guest-platform.md. Pure: writes
 * only into the memory it is given. */
#ifndef ARGON_VMM_VACPI_H
#define ARGON_VMM_VACPI_H

#include <stddef.h>
#include <stdint.h>

/* One guest core. Its APIC id is the physical one: argon gives the guest
 * real LAPICs, already in x2APIC mode. */
struct vacpi_cpu {
	uint32_t apic_id;
};

struct vacpi_config {
	/* The tables are laid out from base_gpa (rounded up to 16 bytes for
	 * the RSDP), in guest memory that the host sees at base, size bytes
	 * long. All of it must lie below 4 GiB (the FADT holds 32-bit
	 * pointers). ARGON_GUEST_ACPI_BASE puts the RSDP where Linux scans. */
	uint64_t base_gpa;
	void *base;
	size_t size;

	/* The guest's cores in order: cpus[0] is the boot CPU and core i gets
	 * ACPI processor UID i. At least one; ids distinct, not 0xFFFFFFFF. */
	const struct vacpi_cpu *cpus;
	unsigned ncpus;

	/* Virtual ECAM of PCI segment 0: bus b's configuration space is at
	 * ecam_base + (b << 20), for b in bus_start..bus_end (MCFG's meaning:
	 * ecam_base is where bus 0 would be). 1 MiB aligned. */
	uint64_t ecam_base;
	uint8_t bus_start;
	uint8_t bus_end;

	/* Host bridge windows for the BARs argon places: a 32-bit one (size
	 * > 0, below 4 GiB) and an optional 64-bit one (size 0: none). Neither
	 * may overlap ECAM. */
	uint64_t mmio32_base;
	uint64_t mmio32_size;
	uint64_t mmio64_base;
	uint64_t mmio64_size;

	/* An IOAPIC for the MADT (ioapic_addr 0: none), its inputs being
	 * GSIs ioapic_gsi_base .. + 23, and COM1's ISA IRQ (edge, active
	 * high) for its _CRS; com1_irq 0 gives COM1 no IRQ (polled). An IRQ
	 * needs the IOAPIC and GSI base 0 (ISA IRQ n is GSI n). */
	uint32_t ioapic_addr;
	uint8_t ioapic_id;
	uint32_t ioapic_gsi_base;
	uint8_t com1_irq;

	/* OEM id of every table, at most 6 characters, padded with spaces;
	 * NULL gives VACPI_OEM_ID. */
	const char *oem_id;
};

#define VACPI_OEM_ID "ARGON "
#define VACPI_OEM_TABLE_ID "ARGONVM " /* 8 characters */
#define VACPI_CREATOR_ID "ARGN"

/* Table revisions: ACPI 6.4 throughout (see docs/guest-platform.md). */
#define VACPI_FADT_REV 6u
#define VACPI_FADT_MINOR 4u
#define VACPI_MADT_REV 5u
#define VACPI_MCFG_REV 1u
#define VACPI_XSDT_REV 1u
#define VACPI_DSDT_REV 2u /* 2: 64-bit AML integers */

/* Writes all tables into cfg->base and sets *rsdp_gpa to the RSDP's guest
 * address (for boot_params.acpi_rsdp_addr). Returns the number of bytes
 * used from cfg->base_gpa, which the guest's e820 map should mark as ACPI
 * or reserved; -ERR_INVAL for a bad config, -ERR_RANGE if the area reaches
 * past 4 GiB, -ERR_NOSPC if the tables do not fit in cfg->size. */
int vacpi_build(const struct vacpi_config *cfg, uint64_t *rsdp_gpa);

#endif
