/* argon's own page tables: one identity map of everything the firmware
 * reported, at least the first 4 GiB (the MMIO hole), with 1 GiB pages
 * where the CPU has them. Memory types come from the firmware's MTRRs,
 * which keep MMIO uncached under these write-back mappings. */
#include "lib/bits.h"
#include "lib/err.h"
#include "vmm/log.h"
#include "vmm/page_alloc.h"
#include "vmm/x86.h"

#define CPUID_8000_0001_EDX_PAGE1GB BIT(26)

static struct paging host_pt;

int host_paging_init(const struct boot_info *bi)
{
	uint64_t top = 4 * GiB;
	bool huge = cpuid(0x80000001u, 0).edx & CPUID_8000_0001_EDX_PAGE1GB;
	int err;

	for (uint32_t i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].base + bi->mem[i].size > top)
			top = bi->mem[i].base + bi->mem[i].size;
	top = ALIGN_UP(top, GiB);

	err = pt_init(&host_pt, PT_FMT_HOST, &page_table_mem, huge);
	if (err)
		return trace_err(err);
	err = pt_map(&host_pt, 0, 0, top, PT_RWX, PT_MT_WB);
	if (err)
		return trace_err(err);
	/* The engine encodes memory types against its own PAT layout. */
	wrmsr(MSR_PAT, PT_HOST_PAT);
	write_cr3(host_pt.root_pa);
	/* Where they are matters for starting the other CPUs (vmm/host/smp.c). */
	pr_info("page tables at 0x%llx map 0-0x%llx\n", (unsigned long long)host_pt.root_pa,
		(unsigned long long)top);
	return 0;
}

int host_paging_map_mmio(uint64_t pa, uint64_t size)
{
	uint64_t base = ALIGN_DOWN(pa, PAGE_SIZE), end = ALIGN_UP(pa + size, PAGE_SIZE);
	int err;

	/* Uncached in the page tables themselves, below the top of RAM too:
	 * firmware's MTRRs need not cover every device window (and nothing
	 * covers one above the identity map's top). Executable too: NX is
	 * reserved unless EFER.NXE, which the UEFI entry does not set. */
	err = pt_map(&host_pt, base, base, end - base, PT_RWX, PT_MT_UC);
	if (err)
		return trace_err(err);
	/* Only the boot CPU runs while argon maps device registers; its TLB
	 * may hold the old translation. */
	write_cr3(host_pt.root_pa);
	return 0;
}
