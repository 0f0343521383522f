/* The IOMMU as the rest of argon sees it, whatever the vendor: DMA
 * domains built from a guest's memory map, functions attached to a domain
 * (every other function is blocked), interrupt-remapping entries whose
 * destination and vector argon chooses, and fault reports. VT-d
 * (iommu/vtd/) implements it today; AMD-Vi would sit beside it.
 *
 * Functions are named by PCI segment and requester id (bus << 8 | devfn).
 * Calls are made by the boot CPU while it plans the machine, and later by
 * whichever CPU handles a guest's exit; the implementation takes its own
 * lock. */
#ifndef ARGON_IOMMU_IOMMU_H
#define ARGON_IOMMU_IOMMU_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/boot_info.h"

struct iommu_domain;

/* Finds the machine's IOMMUs (ACPI DMAR), checks that each can do what
 * argon needs (logging by name what a unit lacks), and turns them on with
 * no function attached but those firmware names in reserved-memory
 * regions (RMRR), which keep an identity map of just those regions: from
 * then on no other device reaches memory and only remapped interrupts are
 * delivered. 0 on success; -ERR_NOENT when the
 * machine has no IOMMU (argon runs, but no function can be assigned);
 * another negative code when an IOMMU exists but cannot be used. */
int iommu_init(const struct boot_info *bi);

/* True once iommu_init succeeded. */
bool iommu_ready(void);

/* True when some IOMMU unit covers the function. */
bool iommu_covers(uint16_t seg, uint16_t rid);

/* A new, empty domain. owner names it in fault reports (a guest's name). */
struct iommu_domain *iommu_domain_create(const char *owner);
/* Lets the domain's devices read and write [gpa, gpa+size) at hpa.
 * 4 KiB aligned. The interrupt window 0xFEE00000-0xFEEFFFFF is never
 * mapped: the part of the range inside it is left out. */
int iommu_domain_map(struct iommu_domain *d, uint64_t gpa, uint64_t hpa, uint64_t size);
/* Removes [gpa, gpa+size) and flushes the IOTLBs. */
int iommu_domain_unmap(struct iommu_domain *d, uint64_t gpa, uint64_t size);

/* Routes the function's DMA through domain d; -ERR_BUSY if it is attached
 * elsewhere (a function with firmware RMRRs always is), -ERR_NODEV if no
 * IOMMU covers it. Detach blocks its DMA again (and waits until the hardware no
 * longer uses the old translation). */
int iommu_attach(struct iommu_domain *d, uint16_t seg, uint16_t rid);
void iommu_detach(uint16_t seg, uint16_t rid);

/* Interrupt remapping. An entry belongs to one function: only messages
 * carrying that requester id may use it. */
int iommu_irq_alloc(uint16_t seg, uint16_t rid, unsigned *handle);
/* Points the entry at a physical x2APIC id with a vector, fixed delivery,
 * physical destination, edge; present from then on. */
int iommu_irq_route(unsigned handle, uint32_t apic_id, uint8_t vector);
/* Makes the entry not present (messages using it fault, none delivered). */
void iommu_irq_block(unsigned handle);
void iommu_irq_free(unsigned handle);
/* The message (address, data) the function must send to use the entry:
 * the remappable format, never a compatibility one. */
void iommu_irq_message(unsigned handle, uint64_t *addr, uint32_t *data);

/* Reads, logs and clears pending fault records: requester id, address or
 * interrupt index, reason, and the owner of the source's domain. Never
 * stops anything. Called periodically by argon's console CPU. */
void iommu_poll_faults(void);

/* Counters, for tests and the bench. */
struct iommu_stats {
	uint64_t faults;
	uint64_t irq_cache_flushes;
	uint64_t iotlb_flushes;
};
void iommu_get_stats(struct iommu_stats *out);

#endif
