/* Physical memory range allocator without a heap: a sorted, fixed-size
 * array of free [base, end) ranges in 4 KiB granules. It hands out guest
 * RAM blocks (2 MiB or 1 GiB aligned) and single pages.
 *
 * Allocation is first fit from the highest address down. Memory below
 * 4 GiB is the only memory some users can take (the AP start-up page under
 * 1 MiB, devices limited to 32-bit DMA) and the PCI hole and firmware
 * leave it fragmented anyway, while the large aligned blocks guests want
 * live above it. Taking from the top serves those blocks from the big
 * high ranges and leaves low memory for last.
 *
 * No lock: the caller serializes. */
#ifndef ARGON_VMM_MEM_RANGE_H
#define ARGON_VMM_MEM_RANGE_H

#include <stdint.h>

#define MR_MAX_RANGES 128
#define MR_GRANULE 4096ULL

struct mr_range {
	uint64_t base;
	uint64_t end; /* exclusive */
};

/* Ranges are sorted by base and never overlap or touch: neighbours merge. */
struct mr_pool {
	unsigned count;
	struct mr_range r[MR_MAX_RANGES];
};

void mr_init(struct mr_pool *p);

/* Adds firmware-reported free memory: trimmed inward to whole granules,
 * united with free memory it overlaps or touches. -ERR_NOSPC when the
 * array is full; -ERR_INVAL when base + size wraps. */
int mr_add_free(struct mr_pool *p, uint64_t base, uint64_t size);

/* Takes [base, base+size), widened outward to whole granules, out of the
 * free memory; parts that are not free are ignored. May split a range:
 * -ERR_NOSPC when that needs a slot and the array is full (nothing
 * changes then). */
int mr_reserve(struct mr_pool *p, uint64_t base, uint64_t size);

/* Allocates size bytes (a non-zero multiple of MR_GRANULE) aligned to
 * align (a power of two; below MR_GRANULE means MR_GRANULE) at the highest
 * address that fits. -ERR_NOMEM when nothing fits, -ERR_NOSPC when the
 * only fit would split a range and the array is full. */
int mr_alloc(struct mr_pool *p, uint64_t size, uint64_t align, uint64_t *base);

/* The same, restricted to [min, max): e.g. max = 1 MiB for the AP
 * start-up page. */
int mr_alloc_range(struct mr_pool *p, uint64_t size, uint64_t align, uint64_t min, uint64_t max,
		   uint64_t *base);

/* Returns an allocation; merges it with its neighbours. The range must be
 * granule-aligned and wholly allocated: -ERR_EXIST if any of it is free
 * already (a double free). */
int mr_free(struct mr_pool *p, uint64_t base, uint64_t size);

uint64_t mr_total_free(const struct mr_pool *p);

#endif
