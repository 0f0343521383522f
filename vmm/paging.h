/* The one 4-level page-table engine. argon's own tables, AMD nested page
 * tables, Intel EPT and VT-d second-level tables share the walk, split and
 * free logic here; only the entry encoding differs per format. Tables come
 * from an allocator hook, so host unit tests run the engine on fake memory.
 *
 * The engine never flushes a TLB, an IOTLB or the guest's cached
 * translations: callers that change live tables do that afterwards, and
 * since tables are freed as soon as they are unlinked, before the freed
 * pages can be reused. It takes no lock: one caller at a time per struct
 * paging. */
#ifndef ARGON_VMM_PAGING_H
#define ARGON_VMM_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/bits.h"

#define PT_LEVELS 4
#define PT_ENTRIES 512
#define PT_VA_BITS 48				   /* 4-level input address width */
#define PT_PA_BITS 52				   /* architectural MAXPHYADDR limit */
#define PT_ADDR_MASK BIT_MASK(12, PT_PA_BITS - 12) /* bits 51:12 of every entry */

_Static_assert(PT_ENTRIES * sizeof(uint64_t) == PAGE_SIZE, "a table fills one page");

/* x86-64 long-mode entries (host and AMD NPT). */
#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_US BIT(2)
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PTE_A BIT(5)
#define PTE_D BIT(6)
#define PTE_PS BIT(7)	  /* PDPTE/PDE: 1 GiB / 2 MiB leaf */
#define PTE_PAT_4K BIT(7) /* 4 KiB PTE */
#define PTE_G BIT(8)
#define PTE_PAT_LARGE BIT(12) /* 1 GiB / 2 MiB leaf */
#define PTE_NX BIT(63)

/* The IA32_PAT value the host format's memory types assume: the reset
 * value with entry 4 changed from WB to WC, so PAT index 4 (PAT=1, PCD=0,
 * PWT=0) gives write-combining while indexes 0-3 keep their reset meaning.
 * On AMD the host PAT also types nested-table leaves, so NPT relies on it
 * too. Bytes, entry 0 first: WB(06) WT(04) UC-(07) UC(00) WC(01) WT UC- UC. */
#define PT_HOST_PAT 0x0007040100070406ULL

/* Intel EPT entries. */
#define EPTE_R BIT(0)
#define EPTE_W BIT(1)
#define EPTE_X BIT(2)
#define EPTE_MT_OFF 3 /* leaf only */
#define EPTE_MT_LEN 3
#define EPTE_IPAT BIT(6) /* leaf only; argon leaves it clear so guest PAT applies */
#define EPTE_PS BIT(7)
#define EPT_MT_UC 0
#define EPT_MT_WC 1
#define EPT_MT_WT 4
#define EPT_MT_WP 5
#define EPT_MT_WB 6

/* VT-d second-level entries. */
#define SLPTE_R BIT(0)
#define SLPTE_W BIT(1)
#define SLPTE_PS BIT(7)
#define SLPTE_SNP BIT(11) /* leaf only; reserved unless ECAP.SC */

enum pt_format {
	PT_FMT_HOST,   /* argon's own CR3 tables */
	PT_FMT_NPT,    /* AMD nested: host format, US=1 in every entry */
	PT_FMT_EPT,    /* Intel EPT, 4-level walk */
	PT_FMT_VTD_SL, /* VT-d second level: 4-level (48-bit AGAW) or 3 (39-bit) */
	PT_FMT_COUNT
};

/* Generic permissions. A format drops the bits it cannot express (U on
 * all but host, X on VT-d) but rejects combinations it would have to
 * widen: host/NPT need R (present implies readable), EPT refuses W
 * without R, VT-d needs R or W. Lookups report what the entry grants.
 * Host/NPT leaves without PT_X set NX (bit 63), which is reserved until
 * EFER.NXE=1: enable it before such tables go live. */
#define PT_R 0x1u
#define PT_W 0x2u
#define PT_X 0x4u
#define PT_U 0x8u /* host format: user-accessible */
#define PT_RW (PT_R | PT_W)
#define PT_RWX (PT_R | PT_W | PT_X)

/* Memory types. Host/NPT encode them as a PAT index under PT_HOST_PAT,
 * EPT in the leaf's memory-type field. VT-d second-level entries carry no
 * memory type: it is accepted, not stored, and lookups report PT_MT_WB. */
enum pt_mem_type { PT_MT_WB, PT_MT_UC, PT_MT_WC, PT_MT_WT, PT_MT_COUNT };

/* Where tables come from. alloc_table returns the virtual address of a
 * zeroed, 4 KiB-aligned page and its physical address in *pa, or NULL when
 * out of memory. sync may be NULL; when set it runs after every table
 * write, for walkers that do not snoop CPU caches (VT-d with ECAP.C=0). */
struct pt_mem_ops {
	void *(*alloc_table)(void *ctx, uint64_t *pa);
	void (*free_table)(void *ctx, uint64_t pa);
	void *(*pa_to_va)(void *ctx, uint64_t pa);
	void (*sync)(void *ctx, const void *va, size_t len);
	void *ctx;
};

struct paging {
	enum pt_format fmt;
	bool allow_1g;	  /* hardware walks 1 GiB leaves in this format */
	bool allow_2m;	  /* and 2 MiB ones (pt_init sets it; VT-d may clear it) */
	unsigned levels;  /* 4, or 3 for a VT-d unit with only 39-bit AGAW */
	bool vtd_snoop;	  /* VT-d: set SNP in leaves; only when ECAP.SC=1 */
	uint64_t root_pa; /* CR3 / nCR3 / EPTP / SLPTPTR base */
	const struct pt_mem_ops *mem;
};

/* Allocates the root table. allow_1g must reflect what the hardware walks
 * (CPUID.80000001H:EDX.Page1GB, IA32_VMX_EPT_VPID_CAP bit 17, CAP.SLLPS). */
int pt_init(struct paging *pt, enum pt_format fmt, const struct pt_mem_ops *mem, bool allow_1g);

/* VT-d second level only: walk 3 levels (input addresses < 2^39) instead
 * of 4. Only on an empty table, right after pt_init. */
int pt_set_levels(struct paging *pt, unsigned levels);

/* Maps [va, va+size) to [pa, pa+size), replacing whatever was mapped there
 * and freeing tables that the new leaves make unreachable. Each piece gets
 * the largest page that both addresses' alignment and the remaining size
 * allow; a large page that only partly overlaps is split first so the
 * rest of it keeps its translation. va, pa and size must be 4 KiB-aligned;
 * host va must be canonical and the range may not cross the canonical
 * hole; other formats take va < 2^48. On -ERR_NOMEM the range may be
 * partly mapped (never half-split): unmap it or destroy the tables. */
int pt_map(struct paging *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned perm,
	   enum pt_mem_type mt);

/* Unmaps [va, va+size); unmapped parts are skipped. Splits large pages that
 * stick out of the range (so it can fail with -ERR_NOMEM) and frees tables
 * that become empty; the root stays. */
int pt_unmap(struct paging *pt, uint64_t va, uint64_t size);

/* Translates va: the exact pa (page base plus offset), the size of the page
 * that maps it, its permissions and memory type. Any output may be NULL.
 * -ERR_NOENT when unmapped, -ERR_INVAL for an address the format cannot
 * hold. */
int pt_lookup(const struct paging *pt, uint64_t va, uint64_t *pa, uint64_t *page_size,
	      unsigned *perm, enum pt_mem_type *mt);

/* Calls fn for every leaf in ascending va order (host upper-half addresses
 * sign-extended). A non-zero return from fn stops the walk and is
 * returned. */
typedef int (*pt_walk_fn)(void *arg, uint64_t va, uint64_t pa, uint64_t size, unsigned perm,
			  enum pt_mem_type mt);
int pt_walk(const struct paging *pt, pt_walk_fn fn, void *arg);

/* Frees every table, root included. Safe to call twice. */
void pt_destroy(struct paging *pt);

#endif
