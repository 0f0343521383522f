/* The entry's identity map covers 0-4 GiB in 2 MiB pages. The core builds
 * its own map of all memory, but it allocates the tables for it from the
 * top of USABLE memory, before that map is live: so everything the memory
 * map reports above 4 GiB gets mapped here first, in 1 GiB pages, as far
 * as the page-directory-pointer tables below reach. */
#include "boot/mb2_boot.h"
#include "lib/bits.h"
#include "vmm/log.h"
#include "vmm/x86.h"

#define HIGH_PDPTS 7 /* with the entry's one, 8 x 512 GiB */
#define PTE_P_RW 0x003ULL
#define PDPTE_1G 0x083ULL /* P | RW | PS */
#define CPUID_8000_0001_EDX_PAGE1GB BIT(26)

extern uint64_t mb2_pml4[512], mb2_pdpt[512];
static uint64_t high_pdpt[HIGH_PDPTS][512] __attribute__((aligned(4096)));

void mb2_map_all(struct boot_info *bi)
{
	uint64_t top = 0, limit = (HIGH_PDPTS + 1) * (512 * GiB);

	for (uint32_t i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].base + bi->mem[i].size > top)
			top = bi->mem[i].base + bi->mem[i].size;
	if (top <= 4 * GiB)
		return;
	if (!(cpuid(0x80000001u, 0).edx & CPUID_8000_0001_EDX_PAGE1GB)) {
		pr_warn("no 1 GiB pages; memory above 4 GiB left unused\n");
		mb2_mem_limit(bi, 4 * GiB);
		return;
	}
	top = ALIGN_UP(top, GiB);
	if (top > limit) {
		pr_warn("memory above %llu GiB left unused\n", (unsigned long long)(limit / GiB));
		mb2_mem_limit(bi, limit);
		top = limit;
	}
	for (uint64_t a = 4 * GiB; a < top; a += GiB) {
		unsigned l4 = (unsigned)(a >> 39), l3 = (unsigned)(a >> 30) & 511;
		uint64_t *pdpt = l4 ? high_pdpt[l4 - 1] : mb2_pdpt;

		if (!(mb2_pml4[l4] & 1))
			mb2_pml4[l4] = (uint64_t)(uintptr_t)pdpt | PTE_P_RW;
		pdpt[l3] = a | PDPTE_1G;
	}
	write_cr3(read_cr3());
}
