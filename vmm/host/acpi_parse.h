/* Readers of the host's ACPI tables: find a table from the RSDP, get what
 * powering off and resetting the machine needs, list the CPUs and the ECAM
 * regions. Pure: all memory is reached through struct acpi_mem, so host
 * tests serve tables from buffers. Malformed tables give -ERR_INVAL, a
 * missing table or object -ERR_NOENT, an unmappable address -ERR_FAULT. */
#ifndef ARGON_VMM_ACPI_PARSE_H
#define ARGON_VMM_ACPI_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/host/acpi_tables.h"

/* Gives read access to len bytes at physical address pa, or NULL when
 * that range cannot be mapped. The pointer stays valid for the parse. */
struct acpi_mem {
	const void *(*map)(void *ctx, uint64_t pa, size_t len);
	void *ctx;
};

/* Tables longer than this are taken as corrupt (real DSDTs are < 1 MiB). */
#define ACPI_TABLE_MAX_LEN (16u << 20)

/* Byte sum of buf; a valid table or RSDP sums to 0. Builders store
 * (uint8_t)-acpi_sum() in the checksum byte after zeroing it. */
uint8_t acpi_sum(const void *buf, size_t len);

/* Maps the table at pa and checks its length and checksum and, if sig is
 * not NULL, its 4-byte signature. On success *table points at the whole
 * table and *len is its length. */
int acpi_table_map(const struct acpi_mem *mem, uint64_t pa, const char *sig, const void **table,
		   uint32_t *len);

/* Finds the first valid table with signature sig (4 characters) through
 * the XSDT, or the RSDT when the RSDP has no XSDT or the XSDT is bad.
 * "DSDT" is found through the FADT. *pa is the table's address. */
int acpi_find_table(const struct acpi_mem *mem, uint64_t rsdp_pa, const char *sig, uint64_t *pa);

/* How to power off (S5) and reset the machine. A register whose address is
 * 0 is absent. PM1 control registers are normally ACPI_GAS_SPACE_IO ports:
 * write (slp_typ << ACPI_PM1_CNT_SLP_TYP_OFF) | ACPI_PM1_CNT_SLP_EN to
 * PM1a with slp_typa and, if present, to PM1b with slp_typb. */
struct acpi_sleep_info {
	struct acpi_gas pm1a_cnt;
	struct acpi_gas pm1b_cnt;
	uint8_t slp_typa; /* from the DSDT's \_S5 package */
	uint8_t slp_typb;
	bool hw_reduced;	   /* no PM1 blocks; use sleep_ctl instead */
	struct acpi_gas sleep_ctl; /* FADT rev 5+, hardware-reduced platforms */
	bool reset_supported;	   /* FADT flag RESET_REG_SUP */
	struct acpi_gas reset_reg; /* write reset_value here to reset */
	uint8_t reset_value;
	uint32_t fadt_flags;
};

/* Reads the FADT at fadt_pa and the \_S5 package of its DSDT. */
int acpi_get_sleep_info(const struct acpi_mem *mem, uint64_t fadt_pa, struct acpi_sleep_info *out);

/* Finds Name(_S5_, Package() {a, b, ...}) in a DSDT (or SSDT) held in
 * memory, header included. A package of one integer packs a in its low
 * byte and b in the next, as ACPICA reads it. -ERR_NOENT if no \_S5
 * object, -ERR_NOTSUP if an element is not an integer constant. */
int acpi_aml_find_s5(const void *table, size_t len, uint8_t *slp_typa, uint8_t *slp_typb);

/* A processor from a MADT Local APIC (type 0) or x2APIC (type 9) entry. */
struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid;	     /* ACPI processor UID */
	bool enabled;	     /* usable now */
	bool online_capable; /* disabled, but can be hot-added */
	bool x2apic_entry;   /* listed by an x2APIC entry */
};

/* Lists the processors of the MADT at madt_pa that are enabled or online
 * capable, in table order, into cpus[0..max). An APIC id listed twice
 * (Local APIC and x2APIC entries) counts once. Returns the count, or
 * -ERR_NOSPC if there are more than max. */
int acpi_madt_cpus(const struct acpi_mem *mem, uint64_t madt_pa, struct acpi_cpu *cpus, size_t max);

/* One PCIe ECAM region: bus b of the segment is at base + (b << 20). */
struct acpi_ecam {
	uint64_t base;
	uint16_t segment;
	uint8_t bus_start;
	uint8_t bus_end;
};

/* Lists the MCFG's allocations into out[0..max). Returns the count, or
 * -ERR_NOSPC if there are more than max. */
int acpi_mcfg_segments(const struct acpi_mem *mem, uint64_t mcfg_pa, struct acpi_ecam *out,
		       size_t max);

#endif
