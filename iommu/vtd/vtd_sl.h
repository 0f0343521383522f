/* A domain's second-level tables: the one page-table engine in VT-d
 * format, with the page sizes and walk depth that every unit can take,
 * and the interrupt window kept out. Pure, so host tests run it on fake
 * memory. */
#ifndef ARGON_IOMMU_VTD_VTD_SL_H
#define ARGON_IOMMU_VTD_VTD_SL_H

#include <stdint.h>

#include "vmm/paging.h"

/* DMA to these addresses is an interrupt message, never memory. */
#define VTD_INTR_WINDOW_BASE 0xFEE00000ULL
#define VTD_INTR_WINDOW_SIZE 0x100000ULL

/* aw: VTD_AW_39 (3 levels) or VTD_AW_48 (4 levels); sllps: CAP.SLLPS as
 * all units have it (VTD_SLLPS_*). */
int vtd_sl_init(struct paging *pt, const struct pt_mem_ops *mem, unsigned aw, uint64_t sllps);

/* Maps [gpa, gpa+size) to hpa read/write, leaving out the part inside the
 * interrupt window (the hpa for what follows it moves on accordingly).
 * -ERR_INVAL for unaligned or out-of-range input (beyond the walk's
 * 2^39 or 2^48). */
int vtd_sl_map(struct paging *pt, uint64_t gpa, uint64_t hpa, uint64_t size);
int vtd_sl_unmap(struct paging *pt, uint64_t gpa, uint64_t size);

#endif
