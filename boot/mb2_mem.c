/* The memory map for the core: GRUB's (the BIOS e820 map) with what argon
 * already occupies carved out of the USABLE ranges. The core allocates
 * from USABLE memory only and takes the highest addresses first, so
 * argon's image or a module left inside a USABLE range would be handed
 * out and overwritten. */
#include "boot/mb2_boot.h"
#include "lib/bits.h"
#include "vmm/log.h"

static void mem_add(struct boot_info *bi, uint64_t base, uint64_t size, uint32_t type)
{
	if (!size)
		return;
	if (bi->mem_count == BOOT_MAX_MEM_RANGES) {
		pr_warn("memory map full; %llx-%llx left out\n", (unsigned long long)base,
			(unsigned long long)(base + size));
		return;
	}
	bi->mem[bi->mem_count++] =
		(struct boot_mem_range){.base = base, .size = size, .type = type};
}

static uint32_t mem_type(uint32_t mb2_type)
{
	switch (mb2_type) {
	case MB2_MEM_AVAILABLE:
		return BOOT_MEM_USABLE;
	case MB2_MEM_ACPI_RECLAIMABLE:
		return BOOT_MEM_ACPI_RECLAIM;
	case MB2_MEM_NVS:
		return BOOT_MEM_ACPI_NVS;
	default:
		return BOOT_MEM_RESERVED;
	}
}

void mb2_mem_from_mmap(struct boot_info *bi, const struct mb2_tag_mmap *t)
{
	const uint8_t *p = t->entries;
	const uint8_t *end = (const uint8_t *)t + t->tag.size;

	if (t->entry_size < sizeof(struct mb2_mmap_entry)) {
		pr_warn("memory map entries of %u bytes ignored\n", t->entry_size);
		return;
	}
	for (; p + sizeof(struct mb2_mmap_entry) <= end; p += t->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)p;

		if (e->len > ~0ULL - e->base)
			continue;
		mem_add(bi, e->base, e->len, mem_type(e->type));
	}
}

void mb2_mem_from_basic(struct boot_info *bi, const struct mb2_tag_basic_meminfo *t)
{
	mem_add(bi, 0, (uint64_t)t->mem_lower * KiB, BOOT_MEM_USABLE);
	mem_add(bi, 1 * MiB, (uint64_t)t->mem_upper * KiB, BOOT_MEM_USABLE);
}

void mb2_mem_claim(struct boot_info *bi, uint64_t base, uint64_t size)
{
	uint64_t end = ALIGN_UP(base + size, PAGE_SIZE);
	uint32_t n = bi->mem_count;

	base = ALIGN_DOWN(base, PAGE_SIZE);
	/* Pieces added here lie outside [base, end): no need to visit them. */
	for (uint32_t i = 0; i < n; i++) {
		struct boot_mem_range *r = &bi->mem[i];
		uint64_t rb = r->base, re = r->base + r->size, ob, oe;

		if (r->type != BOOT_MEM_USABLE || re <= base || rb >= end)
			continue;
		ob = rb > base ? rb : base;
		oe = re < end ? re : end;
		r->base = ob;
		r->size = oe - ob;
		r->type = BOOT_MEM_ARGON;
		mem_add(bi, rb, ob - rb, BOOT_MEM_USABLE);
		mem_add(bi, oe, re - oe, BOOT_MEM_USABLE);
	}
}

void mb2_mem_limit(struct boot_info *bi, uint64_t limit)
{
	uint32_t n = bi->mem_count;

	for (uint32_t i = 0; i < n; i++) {
		struct boot_mem_range *r = &bi->mem[i];
		uint64_t end = r->base + r->size;

		if (r->type != BOOT_MEM_USABLE || end <= limit)
			continue;
		if (r->base >= limit) {
			r->type = BOOT_MEM_RESERVED;
			continue;
		}
		r->size = limit - r->base;
		mem_add(bi, limit, end - limit, BOOT_MEM_RESERVED);
	}
}

void mb2_mem_finish(struct boot_info *bi)
{
	struct boot_mem_range *m = bi->mem;
	uint32_t n = 0;

	for (uint32_t i = 1; i < bi->mem_count; i++) {
		struct boot_mem_range r = m[i];
		uint32_t j = i;

		for (; j > 0 && m[j - 1].base > r.base; j--)
			m[j] = m[j - 1];
		m[j] = r;
	}
	for (uint32_t i = 0; i < bi->mem_count; i++) {
		if (n && m[n - 1].type == m[i].type && m[n - 1].base + m[n - 1].size == m[i].base)
			m[n - 1].size += m[i].size;
		else
			m[n++] = m[i];
	}
	bi->mem_count = n;
}
