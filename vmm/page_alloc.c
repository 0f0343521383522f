#include "vmm/page_alloc.h"

#include "lib/bits.h"
#include "lib/err.h"
#include "lib/string.h"
#include "vmm/log.h"
#include "vmm/mem_range.h"
#include "vmm/spinlock.h"

/* Below 1 MiB stays with the firmware, except the AP start-up pages. */
#define LOW_MEM_LIMIT (1 * MiB)

static struct mr_pool pool;
static struct spinlock pool_lock;
static uint64_t ap_start_pa;

/* The AP start-up pages: the lowest run of AP_START_PAGES free pages that
 * the firmware's map reports below 1 MiB (a SIPI vector addresses only
 * those). Page 0 is left alone: real-mode code and firmware data live
 * there. argon's allocator never hands out memory below 1 MiB, so once
 * chosen here the run belongs to vmm/host/smp.c alone. */
static void reserve_ap_start_pages(const struct boot_info *bi)
{
	uint64_t len = AP_START_PAGES * PAGE_SIZE;

	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		uint64_t base = ALIGN_UP(r->base, PAGE_SIZE), end = r->base + r->size;

		if (base < PAGE_SIZE)
			base = PAGE_SIZE;
		if (r->type != BOOT_MEM_USABLE || base >= end || end - base < len ||
		    base + len > LOW_MEM_LIMIT)
			continue;
		if (!ap_start_pa || base < ap_start_pa)
			ap_start_pa = base;
	}
	if (!ap_start_pa)
		pr_warn("no %u free pages below 1 MiB: other CPUs cannot be started\n",
			AP_START_PAGES);
}

uint64_t mem_ap_start_pages(void)
{
	return ap_start_pa;
}

static void add_ranges(const struct boot_info *bi, uint32_t type)
{
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_range *r = &bi->mem[i];
		uint64_t base = r->base, end = r->base + r->size;

		if (r->type != type || end <= LOW_MEM_LIMIT)
			continue;
		if (base < LOW_MEM_LIMIT)
			base = LOW_MEM_LIMIT;
		if (mr_add_free(&pool, base, end - base))
			pr_warn("memory range %llx-%llx left unused (range table full)\n",
				(unsigned long long)base, (unsigned long long)end);
	}
}

void mem_init(const struct boot_info *bi)
{
	mr_init(&pool);
	reserve_ap_start_pages(bi);
	mr_add_free(&pool, bi->early_pool_base, bi->early_pool_size);
	add_ranges(bi, BOOT_MEM_USABLE);
}

void mem_reclaim_boot(const struct boot_info *bi)
{
	add_ranges(bi, BOOT_MEM_BOOT_RECLAIM);
}

void *pages_alloc(size_t count)
{
	uint64_t pa;
	int err;

	spin_lock(&pool_lock);
	err = mr_alloc(&pool, count * PAGE_SIZE, PAGE_SIZE, &pa);
	spin_unlock(&pool_lock);
	if (err)
		return NULL;
	memset(phys_to_virt(pa), 0, count * PAGE_SIZE);
	return phys_to_virt(pa);
}

void *page_alloc(void)
{
	return pages_alloc(1);
}

void pages_free(void *p, size_t count)
{
	if (!p)
		return;
	spin_lock(&pool_lock);
	mr_free(&pool, virt_to_phys(p), count * PAGE_SIZE);
	spin_unlock(&pool_lock);
}

void page_free(void *p)
{
	pages_free(p, 1);
}

int ram_alloc(uint64_t size, uint64_t align, uint64_t *pa)
{
	int err;

	spin_lock(&pool_lock);
	err = mr_alloc(&pool, size, align, pa);
	spin_unlock(&pool_lock);
	return err;
}

void ram_free(uint64_t pa, uint64_t size)
{
	spin_lock(&pool_lock);
	mr_free(&pool, pa, size);
	spin_unlock(&pool_lock);
}

uint64_t mem_free_bytes(void)
{
	return mr_total_free(&pool);
}

static void *pt_alloc_table(void *ctx, uint64_t *pa)
{
	void *p = page_alloc();

	if (p)
		*pa = virt_to_phys(p);
	return p;
}

static void pt_free_table(void *ctx, uint64_t pa)
{
	page_free(phys_to_virt(pa));
}

static void *pt_pa_to_va(void *ctx, uint64_t pa)
{
	return phys_to_virt(pa);
}

const struct pt_mem_ops page_table_mem = {
	.alloc_table = pt_alloc_table,
	.free_table = pt_free_table,
	.pa_to_va = pt_pa_to_va,
};
