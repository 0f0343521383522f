/* The ACPI DMA Remapping table (VT-d spec chapter 8): remapping units
 * (DRHD) with the devices each one translates, reserved memory regions
 * that firmware keeps using for DMA (RMRR), root ports with ATS (ATSR) and
 * the units' NUMA nodes (RHSA). Pure: the parser reads a table held in
 * memory; requester ids behind bridges come from a config-space reader
 * that the caller supplies, so host tests run it on captured tables. */
#ifndef ARGON_IOMMU_VTD_DMAR_H
#define ARGON_IOMMU_VTD_DMAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/bits.h"

/* Table layout, offsets from the table's start. */
#define DMAR_HAW_OFF 36	   /* host address width - 1 */
#define DMAR_FLAGS_OFF 37  /* DMAR_F_* */
#define DMAR_HEADER_LEN 48 /* remapping structures follow */
#define DMAR_F_INTR_REMAP BIT(0)
#define DMAR_F_X2APIC_OPT_OUT BIT(1)
#define DMAR_F_DMA_CTRL_OPT_IN BIT(2)

/* Remapping structure types; each starts with u16 type, u16 length. */
#define DMAR_TYPE_DRHD 0
#define DMAR_TYPE_RMRR 1
#define DMAR_TYPE_ATSR 2
#define DMAR_TYPE_RHSA 3
#define DMAR_TYPE_ANDD 4
#define DMAR_DRHD_LEN 16 /* flags u8, size u8, segment u16, base u64, scopes */
#define DMAR_RMRR_LEN 24 /* reserved u16, segment u16, base u64, limit u64, scopes */
#define DMAR_ATSR_LEN 8	 /* flags u8, reserved u8, segment u16, scopes */
#define DMAR_RHSA_LEN 20 /* reserved u32, base u64, proximity domain u32 */
#define DMAR_DRHD_INCLUDE_PCI_ALL BIT(0)
#define DMAR_ATSR_ALL_PORTS BIT(0)

/* Device scope: type u8, length u8, reserved u16, enumeration id u8,
 * start bus u8, then (device, function) pairs, one per hop from the start
 * bus through bridges. */
#define DMAR_SCOPE_ENDPOINT 1
#define DMAR_SCOPE_BRIDGE 2
#define DMAR_SCOPE_IOAPIC 3
#define DMAR_SCOPE_HPET 4
#define DMAR_SCOPE_ACPI 5
#define DMAR_SCOPE_HDR_LEN 6

#define DMAR_MAX_UNITS 64
#define DMAR_MAX_RMRRS 32
#define DMAR_MAX_ATSRS 16
#define DMAR_MAX_SCOPES 512
#define DMAR_MAX_PATH 8 /* hops; real tables use 1 or 2 */
#define DMAR_WHY_LEN 128

struct dmar_scope {
	uint8_t type;		     /* DMAR_SCOPE_* */
	uint8_t id;		     /* enumeration id: IOAPIC id, HPET number, ACPI device */
	uint8_t bus;		     /* start bus */
	uint8_t depth;		     /* hops in path */
	uint8_t path[DMAR_MAX_PATH]; /* devfn (device << 3 | function) per hop */
};

struct dmar_unit {
	uint64_t base; /* register set */
	uint16_t segment;
	bool include_all;  /* INCLUDE_PCI_ALL: every function of the segment not
			    * listed under another unit */
	uint8_t size_log2; /* register set of 2^size_log2 pages (0 before rev 3) */
	bool has_node;	   /* an RHSA named it */
	uint32_t node;	   /* proximity domain */
	unsigned scope_first, nscopes;
};

struct dmar_rmrr {
	uint16_t segment;
	uint64_t base, limit; /* inclusive; 4 KiB aligned base, limit + 1 */
	unsigned scope_first, nscopes;
};

struct dmar_atsr {
	uint16_t segment;
	bool all_ports;
	unsigned scope_first, nscopes;
};

struct dmar_info {
	unsigned haw; /* host address width in bits */
	uint8_t flags;
	unsigned nunits, nrmrrs, natsrs, nscopes;
	struct dmar_unit units[DMAR_MAX_UNITS];
	struct dmar_rmrr rmrrs[DMAR_MAX_RMRRS];
	struct dmar_atsr atsrs[DMAR_MAX_ATSRS];
	struct dmar_scope scopes[DMAR_MAX_SCOPES];
	char why[DMAR_WHY_LEN]; /* what was wrong, when parsing failed */
};

/* Parses the whole table (header and checksum included). -ERR_INVAL for
 * a malformed table, -ERR_NOSPC when it lists more than the limits above;
 * out->why then says what and at which offset. Structures of types argon
 * does not use (ANDD, SATC, ...) are checked for length and skipped. */
int dmar_parse(const void *table, size_t len, struct dmar_info *out);

/* Reads one byte of config space; returns -1 when the function does not
 * exist or the segment has no config space. */
struct dmar_cfg {
	int (*read8)(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off);
	void *ctx;
};

/* The requester id of the function a scope names: the path is followed
 * through each bridge's secondary bus number. cfg may be NULL; then only
 * one-hop paths resolve (-ERR_NOTSUP for longer ones). -ERR_NOENT when a
 * bridge on the path is missing. */
int dmar_scope_rid(const struct dmar_scope *s, uint16_t seg, const struct dmar_cfg *cfg,
		   uint16_t *rid);

/* For a bridge scope: the buses below it, [secondary, subordinate]. Needs
 * cfg. */
int dmar_scope_buses(const struct dmar_scope *s, uint16_t seg, const struct dmar_cfg *cfg,
		     uint8_t *first, uint8_t *last);

/* Whether an endpoint or bridge scope covers the function seg:rid. */
bool dmar_scope_covers(const struct dmar_scope *s, uint16_t seg, uint16_t rid,
		       const struct dmar_cfg *cfg);

/* The unit that translates seg:rid: one listing it (or a bridge above it)
 * in its scopes, else the segment's INCLUDE_PCI_ALL unit. The unit's index,
 * or -ERR_NOENT when none does. */
int dmar_unit_for(const struct dmar_info *d, uint16_t seg, uint16_t rid,
		  const struct dmar_cfg *cfg);

const char *dmar_scope_type_name(uint8_t type);

#endif
