/* Physical memory for argon and its guests. argon runs on an identity map,
 * so a physical address is also the pointer to it. */
#ifndef ARGON_VMM_PAGE_ALLOC_H
#define ARGON_VMM_PAGE_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/boot_info.h"
#include "vmm/paging.h"

static inline uint64_t virt_to_phys(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

/* Takes the early pool and the firmware's free memory (not yet the
 * boot-services memory, which the firmware's page tables still live in). */
void mem_init(const struct boot_info *bi);
/* Physical address of AP_START_PAGES pages below 1 MiB that mem_init set
 * aside for starting the other CPUs (vmm/host/smp.c), or 0 if there were none. */
#define AP_START_PAGES 2
uint64_t mem_ap_start_pages(void);
/* Adds boot-services memory, once argon runs on its own tables. */
void mem_reclaim_boot(const struct boot_info *bi);

/* Zeroed pages; NULL when memory is exhausted. */
void *page_alloc(void);
void *pages_alloc(size_t count);
void page_free(void *p);
void pages_free(void *p, size_t count);

/* A large block (guest RAM), not zeroed, aligned to align. */
int ram_alloc(uint64_t size, uint64_t align, uint64_t *pa);
void ram_free(uint64_t pa, uint64_t size);
uint64_t mem_free_bytes(void);

/* Table memory for the page-table engine. */
extern const struct pt_mem_ops page_table_mem;

/* argon's own page tables: identity-maps all of memory and installs them. */
int host_paging_init(const struct boot_info *bi);
/* Maps device registers [pa, pa+size) uncached at the same address,
 * whether or not the identity map already covered them (there it was
 * write-back, typed UC only if the firmware's MTRRs say so). Call before
 * the other CPUs start (they share the tables, but only the caller's TLB
 * is flushed). */
int host_paging_map_mmio(uint64_t pa, uint64_t size);

#endif
