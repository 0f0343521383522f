/* The page-table engine: walk, map, split, unmap and free for every table
 * format, with the formats reduced to a table of encode/decode helpers.
 * Levels are numbered as the hardware walks them: 4 (PML4) down to 1
 * (4 KiB PTE); level L entries cover 4 KiB << 9 * (L - 1). */
#include "vmm/paging.h"

#include "lib/err.h"

#define LEVEL_1G 3
#define LEVEL_2M 2
#define VA_SPAN BIT(PT_VA_BITS)
#define PA_SPAN BIT(PT_PA_BITS)

/* Every format marks a large leaf with bit 7 in a level 2 or 3 entry. */
#define ENTRY_PS BIT(7)
/* NOLINTNEXTLINE(misc-redundant-expression): equal on purpose */
_Static_assert(PTE_PS == ENTRY_PS && EPTE_PS == ENTRY_PS && SLPTE_PS == ENTRY_PS, "one PS bit");

struct pt_fmt {
	uint64_t present;     /* any of these set: the entry is in use */
	uint64_t table_flags; /* bits of an entry pointing at a table */
	unsigned perm_mask;   /* generic permissions the format can express */
	bool (*perm_ok)(unsigned perm);
	uint64_t (*leaf)(const struct paging *pt, unsigned level, unsigned perm,
			 enum pt_mem_type mt);
	void (*decode)(uint64_t e, unsigned level, unsigned *perm, enum pt_mem_type *mt);
};

/* --- x86-64 long mode (host, NPT) --- */

/* PAT index (PAT<<2 | PCD<<1 | PWT) per memory type under PT_HOST_PAT, and
 * back. UC- decodes as UC: argon never writes it. */
static const uint8_t x86_pat_index[PT_MT_COUNT] = {
	[PT_MT_WB] = 0,
	[PT_MT_WT] = 1,
	[PT_MT_UC] = 3,
	[PT_MT_WC] = 4,
};
static const uint8_t x86_pat_type[8] = {
	PT_MT_WB, PT_MT_WT, PT_MT_UC, PT_MT_UC, PT_MT_WC, PT_MT_WT, PT_MT_UC, PT_MT_UC,
};

static bool x86_perm_ok(unsigned perm)
{
	return perm & PT_R;
}

static uint64_t x86_leaf(const struct paging *pt, unsigned level, unsigned perm,
			 enum pt_mem_type mt)
{
	unsigned idx = x86_pat_index[mt];
	uint64_t e = PTE_P;

	if (perm & PT_W)
		e |= PTE_RW;
	if (perm & PT_U)
		e |= PTE_US;
	if (!(perm & PT_X))
		e |= PTE_NX;
	if (idx & 1)
		e |= PTE_PWT;
	if (idx & 2)
		e |= PTE_PCD;
	if (idx & 4)
		e |= level == 1 ? PTE_PAT_4K : PTE_PAT_LARGE;
	if (level > 1)
		e |= PTE_PS;
	return e;
}

static void x86_decode(uint64_t e, unsigned level, unsigned *perm, enum pt_mem_type *mt)
{
	uint64_t pat = level == 1 ? PTE_PAT_4K : PTE_PAT_LARGE;
	unsigned idx = (e & PTE_PWT ? 1 : 0) | (e & PTE_PCD ? 2 : 0) | (e & pat ? 4 : 0);

	*perm = PT_R | (e & PTE_RW ? PT_W : 0) | (e & PTE_US ? PT_U : 0) | (e & PTE_NX ? 0 : PT_X);
	*mt = (enum pt_mem_type)x86_pat_type[idx];
}

/* Nested walks are user accesses, so a clear US anywhere would fault. */
static uint64_t npt_leaf(const struct paging *pt, unsigned level, unsigned perm,
			 enum pt_mem_type mt)
{
	return x86_leaf(pt, level, perm, mt) | PTE_US;
}

static void npt_decode(uint64_t e, unsigned level, unsigned *perm, enum pt_mem_type *mt)
{
	x86_decode(e, level, perm, mt);
	*perm &= ~PT_U;
}

/* --- Intel EPT --- */

static const uint8_t ept_mt_code[PT_MT_COUNT] = {
	[PT_MT_WB] = EPT_MT_WB,
	[PT_MT_UC] = EPT_MT_UC,
	[PT_MT_WC] = EPT_MT_WC,
	[PT_MT_WT] = EPT_MT_WT,
};
/* Reserved codes and WP (never written) decode as UC. */
static const uint8_t ept_mt_type[8] = {
	PT_MT_UC, PT_MT_WC, PT_MT_UC, PT_MT_UC, PT_MT_WT, PT_MT_UC, PT_MT_WB, PT_MT_UC,
};
_Static_assert(EPT_MT_UC == 0 && EPT_MT_WC == 1 && EPT_MT_WT == 4 && EPT_MT_WP == 5 &&
		       EPT_MT_WB == 6,
	       "ept_mt_type is indexed by these codes");

/* Write-only entries are an EPT misconfiguration; execute-only ones are
 * legal where the CPU reports support, which the caller checks. */
static bool ept_perm_ok(unsigned perm)
{
	if (perm & PT_W)
		return perm & PT_R;
	return perm & (PT_R | PT_X);
}

static uint64_t ept_leaf(const struct paging *pt, unsigned level, unsigned perm,
			 enum pt_mem_type mt)
{
	uint64_t e = bit_insert(0, ept_mt_code[mt], EPTE_MT_OFF, EPTE_MT_LEN);

	if (perm & PT_R)
		e |= EPTE_R;
	if (perm & PT_W)
		e |= EPTE_W;
	if (perm & PT_X)
		e |= EPTE_X;
	if (level > 1)
		e |= EPTE_PS;
	return e;
}

static void ept_decode(uint64_t e, unsigned level, unsigned *perm, enum pt_mem_type *mt)
{
	*perm = (e & EPTE_R ? PT_R : 0) | (e & EPTE_W ? PT_W : 0) | (e & EPTE_X ? PT_X : 0);
	*mt = (enum pt_mem_type)ept_mt_type[bit_extract(e, EPTE_MT_OFF, EPTE_MT_LEN)];
}

/* --- VT-d second level --- */

static bool vtd_perm_ok(unsigned perm)
{
	return perm & PT_RW;
}

static uint64_t vtd_leaf(const struct paging *pt, unsigned level, unsigned perm,
			 enum pt_mem_type mt)
{
	uint64_t e = 0;

	if (perm & PT_R)
		e |= SLPTE_R;
	if (perm & PT_W)
		e |= SLPTE_W;
	if (pt->vtd_snoop)
		e |= SLPTE_SNP;
	if (level > 1)
		e |= SLPTE_PS;
	return e;
}

static void vtd_decode(uint64_t e, unsigned level, unsigned *perm, enum pt_mem_type *mt)
{
	*perm = (e & SLPTE_R ? PT_R : 0) | (e & SLPTE_W ? PT_W : 0);
	*mt = PT_MT_WB;
}

static const struct pt_fmt formats[PT_FMT_COUNT] = {
	[PT_FMT_HOST] =
		{
			.present = PTE_P,
			/* Leaves alone decide write, user and execute rights. */
			.table_flags = PTE_P | PTE_RW | PTE_US,
			.perm_mask = PT_RWX | PT_U,
			.perm_ok = x86_perm_ok,
			.leaf = x86_leaf,
			.decode = x86_decode,
		},
	[PT_FMT_NPT] =
		{
			.present = PTE_P,
			.table_flags = PTE_P | PTE_RW | PTE_US,
			.perm_mask = PT_RWX,
			.perm_ok = x86_perm_ok,
			.leaf = npt_leaf,
			.decode = npt_decode,
		},
	[PT_FMT_EPT] =
		{
			.present = EPTE_R | EPTE_W | EPTE_X,
			.table_flags = EPTE_R | EPTE_W | EPTE_X,
			.perm_mask = PT_RWX,
			.perm_ok = ept_perm_ok,
			.leaf = ept_leaf,
			.decode = ept_decode,
		},
	[PT_FMT_VTD_SL] =
		{
			.present = SLPTE_R | SLPTE_W,
			.table_flags = SLPTE_R | SLPTE_W,
			.perm_mask = PT_RW,
			.perm_ok = vtd_perm_ok,
			.leaf = vtd_leaf,
			.decode = vtd_decode,
		},
};

/* --- generic walk --- */

static inline const struct pt_fmt *fmt_of(const struct paging *pt)
{
	return &formats[pt->fmt];
}

static inline uint64_t level_size(unsigned level)
{
	return PAGE_SIZE << (9 * (level - 1));
}

static inline unsigned level_index(uint64_t va, unsigned level)
{
	return (unsigned)bit_extract(va, 12 + 9 * (level - 1), 9);
}

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The level the walk starts at: 4, or 3 for a 39-bit VT-d table. */
static inline unsigned top_level(const struct paging *pt)
{
	return pt->levels == 3 ? 3 : PT_LEVELS;
}

static inline unsigned max_leaf_level(const struct paging *pt)
{
	if (pt->allow_1g)
		return LEVEL_1G;
	return pt->allow_2m ? LEVEL_2M : 1;
}

static inline bool entry_present(const struct paging *pt, uint64_t e)
{
	return e & fmt_of(pt)->present;
}

static inline bool entry_leaf(uint64_t e, unsigned level)
{
	return level == 1 || (level <= LEVEL_1G && (e & ENTRY_PS));
}

static inline uint64_t table_addr(uint64_t e)
{
	return e & PT_ADDR_MASK;
}

/* For a large leaf this also drops the host format's PAT bit 12. */
static inline uint64_t leaf_addr(uint64_t e, unsigned level)
{
	return e & PT_ADDR_MASK & ~(level_size(level) - 1);
}

static inline uint64_t *table_va(const struct paging *pt, uint64_t pa)
{
	return pt->mem->pa_to_va(pt->mem->ctx, pa);
}

/* Hardware may walk the table while it changes: entries go in whole, and
 * a new table's contents are visible before the entry linking it. */
static inline uint64_t entry_read(const uint64_t *e)
{
	return __atomic_load_n(e, __ATOMIC_RELAXED);
}

static void entry_write(const struct paging *pt, uint64_t *e, uint64_t v)
{
	__atomic_store_n(e, v, __ATOMIC_RELEASE);
	if (pt->mem->sync)
		pt->mem->sync(pt->mem->ctx, e, sizeof(*e));
}

static uint64_t *table_alloc(const struct paging *pt, uint64_t *pa)
{
	uint64_t *t = pt->mem->alloc_table(pt->mem->ctx, pa);

	if (!t)
		return NULL;
	/* A misaligned table would be silently truncated by PT_ADDR_MASK. */
	if (!IS_ALIGNED(*pa, PAGE_SIZE) || *pa >= PA_SPAN || !IS_ALIGNED((uintptr_t)t, PAGE_SIZE)) {
		pt->mem->free_table(pt->mem->ctx, *pa);
		return NULL;
	}
	return t;
}

static void table_sync(const struct paging *pt, const uint64_t *t)
{
	if (pt->mem->sync)
		pt->mem->sync(pt->mem->ctx, t, PAGE_SIZE);
}

static void free_subtree(const struct paging *pt, uint64_t table_pa, unsigned level)
{
	uint64_t *t = table_va(pt, table_pa);

	if (level > 1) {
		for (unsigned i = 0; i < PT_ENTRIES; i++) {
			uint64_t e = entry_read(&t[i]);

			if (entry_present(pt, e) && !entry_leaf(e, level))
				free_subtree(pt, table_addr(e), level - 1);
		}
	}
	pt->mem->free_table(pt->mem->ctx, table_pa);
}

static bool table_empty(const struct paging *pt, uint64_t table_pa)
{
	const uint64_t *t = table_va(pt, table_pa);

	for (unsigned i = 0; i < PT_ENTRIES; i++)
		if (entry_present(pt, entry_read(&t[i])))
			return false;
	return true;
}

/* Returns in *child the table under *e (a level `level` entry), creating
 * it empty, or splitting a large leaf into 512 leaves one level down that
 * translate exactly as the large page did. */
static int get_child(const struct paging *pt, uint64_t *e, unsigned level, uint64_t *child)
{
	const struct pt_fmt *f = fmt_of(pt);
	uint64_t old = entry_read(e);
	uint64_t *t;

	if (entry_present(pt, old) && !entry_leaf(old, level)) {
		*child = table_addr(old);
		return 0;
	}
	t = table_alloc(pt, child);
	if (!t)
		return -ERR_NOMEM;
	if (entry_present(pt, old)) {
		uint64_t base = leaf_addr(old, level), step = level_size(level - 1), bits;
		enum pt_mem_type mt;
		unsigned perm;

		f->decode(old, level, &perm, &mt);
		bits = f->leaf(pt, level - 1, perm, mt);
		for (unsigned i = 0; i < PT_ENTRIES; i++)
			t[i] = (base + i * step) | bits;
	}
	table_sync(pt, t);
	entry_write(pt, e, *child | f->table_flags);
	return 0;
}

struct map_req {
	uint64_t pa;
	uint64_t leaf_bits[LEVEL_1G + 1]; /* encoded once per level */
};

static int map_level(const struct paging *pt, uint64_t table_pa, unsigned level, uint64_t va,
		     uint64_t end, struct map_req *req)
{
	uint64_t *t = table_va(pt, table_pa);
	uint64_t size = level_size(level);

	while (va < end) {
		uint64_t *e = &t[level_index(va, level)];
		uint64_t next = min_u64(ALIGN_DOWN(va, size) + size, end);
		bool whole = next - va == size;
		int err;

		/* Level 1 always takes a leaf: pa and the range are page aligned. */
		if (level == 1 ||
		    (whole && level <= max_leaf_level(pt) && IS_ALIGNED(req->pa, size))) {
			uint64_t old = entry_read(e);

			/* Link the new leaf before freeing what it replaces, so
			 * the walker never sees a freed table. */
			entry_write(pt, e, req->pa | req->leaf_bits[level]);
			if (entry_present(pt, old) && !entry_leaf(old, level))
				free_subtree(pt, table_addr(old), level - 1);
			req->pa += size;
		} else {
			uint64_t child;

			err = get_child(pt, e, level, &child);
			if (err)
				return err;
			err = map_level(pt, child, level - 1, va, next, req);
			if (err) {
				/* Leave no empty table behind a failed map. */
				if (table_empty(pt, child)) {
					entry_write(pt, e, 0);
					pt->mem->free_table(pt->mem->ctx, child);
				}
				return err;
			}
		}
		va = next;
	}
	return 0;
}

static int unmap_level(const struct paging *pt, uint64_t table_pa, unsigned level, uint64_t va,
		       uint64_t end)
{
	uint64_t *t = table_va(pt, table_pa);
	uint64_t size = level_size(level);

	while (va < end) {
		uint64_t *e = &t[level_index(va, level)];
		uint64_t next = min_u64(ALIGN_DOWN(va, size) + size, end);
		uint64_t old = entry_read(e), child;
		int err;

		if (!entry_present(pt, old)) {
			va = next;
			continue;
		}
		if (level == 1 || next - va == size) {
			entry_write(pt, e, 0);
			if (!entry_leaf(old, level))
				free_subtree(pt, table_addr(old), level - 1);
			va = next;
			continue;
		}
		err = get_child(pt, e, level, &child);
		if (err)
			return err;
		err = unmap_level(pt, child, level - 1, va, next);
		if (err)
			return err;
		if (table_empty(pt, child)) {
			entry_write(pt, e, 0);
			pt->mem->free_table(pt->mem->ctx, child);
		}
		va = next;
	}
	return 0;
}

/* --- address checks --- */

static inline bool host_canonical(uint64_t va)
{
	uint64_t top = va >> (PT_VA_BITS - 1);

	return top == 0 || top == (~0ULL >> (PT_VA_BITS - 1));
}

/* Turns va into its offset in the 2^48 space the tables index. */
static int check_va(const struct paging *pt, uint64_t va, uint64_t *off)
{
	if (pt->fmt == PT_FMT_HOST) {
		if (!host_canonical(va))
			return -ERR_INVAL;
	} else if (va >= BIT(12 + 9 * top_level(pt))) {
		return -ERR_INVAL;
	}
	*off = va & (VA_SPAN - 1);
	return 0;
}

/* Both ends must be addresses the format can hold, without wrapping; a
 * host range must also stay in one canonical half, since the addresses
 * between the halves do not exist. */
static int check_range(const struct paging *pt, uint64_t va, uint64_t size, uint64_t *off)
{
	uint64_t last, last_off;
	int err;

	if (!size || !IS_ALIGNED(va | size, PAGE_SIZE))
		return -ERR_INVAL;
	err = check_va(pt, va, off);
	if (err)
		return err;
	if (size - 1 > ~0ULL - va)
		return -ERR_INVAL;
	last = va + (size - 1);
	err = check_va(pt, last, &last_off);
	if (err)
		return err;
	if ((va ^ last) & BIT(PT_VA_BITS - 1))
		return -ERR_INVAL;
	return 0;
}

static inline bool pt_usable(const struct paging *pt)
{
	return pt && pt->mem && (unsigned)pt->fmt < PT_FMT_COUNT &&
	       (pt->levels == PT_LEVELS || pt->levels == 3);
}

static inline uint64_t va_from_off(const struct paging *pt, uint64_t off)
{
	if (pt->fmt == PT_FMT_HOST && (off & BIT(PT_VA_BITS - 1)))
		return off | ~(VA_SPAN - 1);
	return off;
}

/* --- API --- */

int pt_init(struct paging *pt, enum pt_format fmt, const struct pt_mem_ops *mem, bool allow_1g)
{
	uint64_t *root;

	if (!pt || (unsigned)fmt >= PT_FMT_COUNT || !mem || !mem->alloc_table || !mem->free_table ||
	    !mem->pa_to_va)
		return -ERR_INVAL;
	pt->fmt = fmt;
	pt->allow_1g = allow_1g;
	pt->vtd_snoop = false;
	pt->allow_2m = true;
	pt->levels = PT_LEVELS;
	pt->mem = mem;
	root = table_alloc(pt, &pt->root_pa);
	if (!root) {
		pt->mem = NULL;
		return -ERR_NOMEM;
	}
	table_sync(pt, root);
	return 0;
}

int pt_map(struct paging *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned perm,
	   enum pt_mem_type mt)
{
	const struct pt_fmt *f;
	struct map_req req;
	uint64_t off;
	int err;

	if (!pt_usable(pt))
		return -ERR_INVAL;
	f = fmt_of(pt);
	err = check_range(pt, va, size, &off);
	if (err)
		return err;
	if (!IS_ALIGNED(pa, PAGE_SIZE) || pa >= PA_SPAN || size > PA_SPAN - pa)
		return -ERR_INVAL;
	if ((perm & ~(PT_RWX | PT_U)) || (unsigned)mt >= PT_MT_COUNT)
		return -ERR_INVAL;
	perm &= f->perm_mask;
	if (!f->perm_ok(perm))
		return -ERR_INVAL;

	req.pa = pa;
	req.leaf_bits[0] = 0;
	for (unsigned level = 1; level <= LEVEL_1G; level++)
		req.leaf_bits[level] = f->leaf(pt, level, perm, mt);
	return map_level(pt, pt->root_pa, top_level(pt), off, off + size, &req);
}

int pt_unmap(struct paging *pt, uint64_t va, uint64_t size)
{
	uint64_t off;
	int err;

	if (!pt_usable(pt))
		return -ERR_INVAL;
	err = check_range(pt, va, size, &off);
	if (err)
		return err;
	return unmap_level(pt, pt->root_pa, top_level(pt), off, off + size);
}

int pt_lookup(const struct paging *pt, uint64_t va, uint64_t *pa, uint64_t *page_size,
	      unsigned *perm, enum pt_mem_type *mt)
{
	uint64_t table_pa, off;
	int err;

	if (!pt_usable(pt))
		return -ERR_INVAL;
	err = check_va(pt, va, &off);
	if (err)
		return err;
	table_pa = pt->root_pa;
	for (unsigned level = top_level(pt); level >= 1; level--) {
		uint64_t e = entry_read(&table_va(pt, table_pa)[level_index(off, level)]);
		uint64_t size = level_size(level);
		enum pt_mem_type t;
		unsigned p;

		if (!entry_present(pt, e))
			return -ERR_NOENT;
		if (!entry_leaf(e, level)) {
			table_pa = table_addr(e);
			continue;
		}
		fmt_of(pt)->decode(e, level, &p, &t);
		if (pa)
			*pa = leaf_addr(e, level) | (off & (size - 1));
		if (page_size)
			*page_size = size;
		if (perm)
			*perm = p;
		if (mt)
			*mt = t;
		return 0;
	}
	return -ERR_NOENT; /* unreachable: level 1 entries are always leaves */
}

static int walk_level(const struct paging *pt, uint64_t table_pa, unsigned level, uint64_t off,
		      pt_walk_fn fn, void *arg)
{
	const uint64_t *t = table_va(pt, table_pa);

	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = entry_read(&t[i]), va = off + i * level_size(level);
		enum pt_mem_type mt;
		unsigned perm;
		int ret;

		if (!entry_present(pt, e))
			continue;
		if (entry_leaf(e, level)) {
			fmt_of(pt)->decode(e, level, &perm, &mt);
			ret = fn(arg, va_from_off(pt, va), leaf_addr(e, level), level_size(level),
				 perm, mt);
		} else {
			ret = walk_level(pt, table_addr(e), level - 1, va, fn, arg);
		}
		if (ret)
			return ret;
	}
	return 0;
}

int pt_walk(const struct paging *pt, pt_walk_fn fn, void *arg)
{
	if (!pt_usable(pt) || !fn)
		return -ERR_INVAL;
	return walk_level(pt, pt->root_pa, top_level(pt), 0, fn, arg);
}

int pt_set_levels(struct paging *pt, unsigned levels)
{
	if (!pt_usable(pt) || pt->fmt != PT_FMT_VTD_SL || (levels != 3 && levels != 4) ||
	    !table_empty(pt, pt->root_pa))
		return -ERR_INVAL;
	pt->levels = levels;
	return 0;
}

void pt_destroy(struct paging *pt)
{
	if (!pt_usable(pt))
		return;
	free_subtree(pt, pt->root_pa, top_level(pt));
	pt->mem = NULL;
	pt->root_pa = 0;
}
