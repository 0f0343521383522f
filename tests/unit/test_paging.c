#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/err.h"
#include "tests/unit/check.h"
#include "vmm/paging.h"

/* Fake physical memory: table i lives at FAKE_PA_BASE + i * 4 KiB and is
 * a separate aligned_alloc block, so ASan sees any use after free. The
 * raw checks below decode entries with their own constants taken from
 * the manuals, not with the engine's macros. */
#define FAKE_TABLES 1024
#define FAKE_PA_BASE 0x7654000000ULL
#define ADDR_BITS 0x000ffffffffff000ULL

struct fake_mem {
	uint64_t *va[FAKE_TABLES];
	unsigned live, peak, limit;
	unsigned bad;	/* pa_to_va or free on a table that is not live */
	unsigned syncs; /* sync calls that named live table memory */
};

static void *fake_alloc(void *ctx, uint64_t *pa)
{
	struct fake_mem *m = ctx;

	if (m->live >= m->limit)
		return NULL;
	for (unsigned i = 0; i < FAKE_TABLES; i++) {
		if (m->va[i])
			continue;
		m->va[i] = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
		if (!m->va[i])
			abort();
		memset(m->va[i], 0, PAGE_SIZE);
		*pa = FAKE_PA_BASE + i * PAGE_SIZE;
		if (++m->live > m->peak)
			m->peak = m->live;
		return m->va[i];
	}
	return NULL;
}

static uint64_t **fake_slot(struct fake_mem *m, uint64_t pa)
{
	uint64_t i = (pa - FAKE_PA_BASE) / PAGE_SIZE;

	if (pa < FAKE_PA_BASE || (pa & (PAGE_SIZE - 1)) || i >= FAKE_TABLES || !m->va[i]) {
		m->bad++;
		return NULL;
	}
	return &m->va[i];
}

static void fake_free(void *ctx, uint64_t pa)
{
	struct fake_mem *m = ctx;
	uint64_t **slot = fake_slot(m, pa);

	if (!slot)
		return;
	free(*slot);
	*slot = NULL;
	m->live--;
}

static void *fake_pa_to_va(void *ctx, uint64_t pa)
{
	uint64_t **slot = fake_slot(ctx, pa);

	return slot ? *slot : NULL;
}

static void fake_sync(void *ctx, const void *va, size_t len)
{
	struct fake_mem *m = ctx;
	const char *p = va;

	for (unsigned i = 0; i < FAKE_TABLES; i++) {
		const char *t = (const char *)m->va[i];

		if (t && p >= t && p + len <= t + PAGE_SIZE) {
			m->syncs++;
			return;
		}
	}
	m->bad++;
}

struct fake {
	struct fake_mem m;
	struct pt_mem_ops ops;
	struct paging pt;
};

static int fake_init(struct fake *f, enum pt_format fmt, bool allow_1g)
{
	memset(f, 0, sizeof(*f));
	f->m.limit = FAKE_TABLES;
	f->ops.alloc_table = fake_alloc;
	f->ops.free_table = fake_free;
	f->ops.pa_to_va = fake_pa_to_va;
	f->ops.ctx = &f->m;
	return pt_init(&f->pt, fmt, &f->ops, allow_1g);
}

/* Destroys the tables and checks that every one came back. */
static void fake_fini(struct fake *f)
{
	pt_destroy(&f->pt);
	CHECK_EQ(f->m.live, 0);
	CHECK_EQ(f->m.bad, 0);
	for (unsigned i = 0; i < FAKE_TABLES; i++)
		free(f->m.va[i]);
}

static uint64_t *raw_table(struct fake *f, uint64_t pa)
{
	return fake_pa_to_va(&f->m, pa);
}

/* --- what each format can express --- */

static const enum pt_format all_fmts[] = {PT_FMT_HOST, PT_FMT_NPT, PT_FMT_EPT, PT_FMT_VTD_SL};
static const char *const fmt_names[] = {"host", "npt", "ept", "vtd"};

static unsigned expect_perm(enum pt_format fmt, unsigned perm)
{
	switch (fmt) {
	case PT_FMT_HOST:
		return perm;
	case PT_FMT_VTD_SL:
		return perm & (PT_R | PT_W);
	default:
		return perm & ~PT_U;
	}
}

static enum pt_mem_type expect_mt(enum pt_format fmt, enum pt_mem_type mt)
{
	return fmt == PT_FMT_VTD_SL ? PT_MT_WB : mt;
}

static bool raw_present(enum pt_format fmt, uint64_t e)
{
	switch (fmt) {
	case PT_FMT_EPT:
		return e & 7;
	case PT_FMT_VTD_SL:
		return e & 3;
	default:
		return e & 1;
	}
}

/* The raw entry at `level` (4..1) on the walk for va, or 0 if the walk
 * ends earlier. */
static uint64_t raw_entry(struct fake *f, uint64_t va, unsigned level)
{
	uint64_t pa = f->pt.root_pa;

	for (unsigned l = 4;; l--) {
		uint64_t e = raw_table(f, pa)[(va >> (12 + 9 * (l - 1))) & 511];

		if (l == level)
			return e;
		if (!raw_present(f->pt.fmt, e) || l == 1 || (e & (1ULL << 7)))
			return 0;
		pa = e & ADDR_BITS;
	}
}

/* Checks the translation of one address. */
static void check_tr(struct fake *f, uint64_t va, uint64_t pa, uint64_t size, unsigned perm,
		     enum pt_mem_type mt, int line)
{
	uint64_t got_pa = 0, got_size = 0;
	enum pt_mem_type got_mt = PT_MT_COUNT;
	unsigned got_perm = ~0u;
	int err = pt_lookup(&f->pt, va, &got_pa, &got_size, &got_perm, &got_mt);
	int before = check_failures;

	CHECK_EQ(err, 0);
	CHECK_EQ(got_pa, pa);
	CHECK_EQ(got_size, size);
	CHECK_EQ(got_perm, expect_perm(f->pt.fmt, perm));
	CHECK_EQ(got_mt, expect_mt(f->pt.fmt, mt));
	if (check_failures != before)
		fprintf(stderr, "  ^ line %d, format %s, va 0x%" PRIx64 "\n", line,
			fmt_names[f->pt.fmt], va);
}
#define CHECK_TR(f, va, pa, size, perm, mt) check_tr(f, va, pa, size, perm, mt, __LINE__)
#define CHECK_UNMAPPED(f, va) CHECK_EQ(pt_lookup(&(f)->pt, va, NULL, NULL, NULL, NULL), -ERR_NOENT)

struct counts {
	unsigned n4k, n2m, n1g;
	uint64_t bytes;
};

static int count_leaf(void *arg, uint64_t va, uint64_t pa, uint64_t size, unsigned perm,
		      enum pt_mem_type mt)
{
	struct counts *c = arg;

	c->n4k += size == 4 * KiB;
	c->n2m += size == 2 * MiB;
	c->n1g += size == 1 * GiB;
	c->bytes += size;
	return 0;
}

static struct counts count_leaves(struct fake *f)
{
	struct counts c = {0};

	CHECK_EQ(pt_walk(&f->pt, count_leaf, &c), 0);
	return c;
}

/* --- tests --- */

static void test_page_sizes(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(all_fmts); i++) {
		struct fake f;
		struct counts c;

		CHECK_EQ(fake_init(&f, all_fmts[i], true), 0);
		CHECK_EQ(f.m.live, 1);
		CHECK_EQ(pt_map(&f.pt, 0x201000, 0x12345000, 4 * KiB, PT_RW, PT_MT_UC), 0);
		CHECK_EQ(pt_map(&f.pt, 2 * GiB, 4 * GiB + 2 * MiB, 2 * MiB, PT_R | PT_X, PT_MT_WC),
			 0);
		CHECK_EQ(pt_map(&f.pt, 4 * GiB, 256 * GiB, 1 * GiB, PT_RWX, PT_MT_WB), 0);

		CHECK_TR(&f, 0x201000, 0x12345000, 4 * KiB, PT_RW, PT_MT_UC);
		CHECK_TR(&f, 0x201fff, 0x12345fff, 4 * KiB, PT_RW, PT_MT_UC);
		CHECK_TR(&f, 2 * GiB + 0x123, 4 * GiB + 2 * MiB + 0x123, 2 * MiB, PT_R | PT_X,
			 PT_MT_WC);
		CHECK_TR(&f, 2 * GiB + 2 * MiB - 1, 4 * GiB + 4 * MiB - 1, 2 * MiB, PT_R | PT_X,
			 PT_MT_WC);
		CHECK_TR(&f, 4 * GiB, 256 * GiB, 1 * GiB, PT_RWX, PT_MT_WB);
		CHECK_TR(&f, 5 * GiB - 8, 257 * GiB - 8, 1 * GiB, PT_RWX, PT_MT_WB);

		CHECK_UNMAPPED(&f, 0x200000);
		CHECK_UNMAPPED(&f, 0x202000);
		CHECK_UNMAPPED(&f, 2 * GiB - 1);
		CHECK_UNMAPPED(&f, 2 * GiB + 2 * MiB);
		CHECK_UNMAPPED(&f, 5 * GiB);
		CHECK_UNMAPPED(&f, 0);

		/* root, PDPT 0, PD 0-1G, PT 2M-4M, PD 2G-3G; the 1 GiB page
		 * sits in PDPT 0 itself. */
		CHECK_EQ(f.m.live, 5);
		c = count_leaves(&f);
		CHECK_EQ(c.n4k, 1);
		CHECK_EQ(c.n2m, 1);
		CHECK_EQ(c.n1g, 1);
		fake_fini(&f);
	}
}

/* [1G-2M-4K, 2G+2M+4K): 4K, 2M, 1G, 2M, 4K, va and pa congruent mod 1G. */
#define MIX_VA (1 * GiB - 2 * MiB - 4 * KiB)
#define MIX_PA (MIX_VA + 7 * GiB)
#define MIX_SIZE (1 * GiB + 4 * MiB + 8 * KiB)

static void check_mixed_lookups(struct fake *f, bool big)
{
	CHECK_TR(f, MIX_VA, MIX_PA, 4 * KiB, PT_RW, PT_MT_WB);
	CHECK_TR(f, MIX_VA + 4 * KiB, MIX_PA + 4 * KiB, 2 * MiB, PT_RW, PT_MT_WB);
	CHECK_TR(f, 1 * GiB, 8 * GiB, big ? 1 * GiB : 2 * MiB, PT_RW, PT_MT_WB);
	CHECK_TR(f, 2 * GiB - 4 * KiB, 9 * GiB - 4 * KiB, big ? 1 * GiB : 2 * MiB, PT_RW, PT_MT_WB);
	CHECK_TR(f, 2 * GiB, 9 * GiB, 2 * MiB, PT_RW, PT_MT_WB);
	CHECK_TR(f, 2 * GiB + 2 * MiB, 9 * GiB + 2 * MiB, 4 * KiB, PT_RW, PT_MT_WB);
	CHECK_UNMAPPED(f, MIX_VA - 4 * KiB);
	CHECK_UNMAPPED(f, MIX_VA + MIX_SIZE);
}

static void test_mixed_range(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(all_fmts); i++) {
		struct fake f;
		struct counts c;

		CHECK_EQ(fake_init(&f, all_fmts[i], true), 0);
		CHECK_EQ(pt_map(&f.pt, MIX_VA, MIX_PA, MIX_SIZE, PT_RW, PT_MT_WB), 0);
		check_mixed_lookups(&f, true);
		/* root, PDPT, PD 0-1G + its PT, PD 2G-3G + its PT */
		CHECK_EQ(f.m.live, 6);
		c = count_leaves(&f);
		CHECK_EQ(c.n4k, 2);
		CHECK_EQ(c.n2m, 2);
		CHECK_EQ(c.n1g, 1);
		CHECK_EQ(c.bytes, MIX_SIZE);
		fake_fini(&f);

		/* Without 1 GiB pages the middle takes a full PD of 2 MiB pages. */
		CHECK_EQ(fake_init(&f, all_fmts[i], false), 0);
		CHECK_EQ(pt_map(&f.pt, MIX_VA, MIX_PA, MIX_SIZE, PT_RW, PT_MT_WB), 0);
		check_mixed_lookups(&f, false);
		CHECK_EQ(f.m.live, 7);
		c = count_leaves(&f);
		CHECK_EQ(c.n4k, 2);
		CHECK_EQ(c.n2m, 514);
		CHECK_EQ(c.n1g, 0);
		CHECK_EQ(c.bytes, MIX_SIZE);
		fake_fini(&f);

		/* va 1 GiB-aligned but pa only 4 KiB-aligned: 4 KiB pages only. */
		CHECK_EQ(fake_init(&f, all_fmts[i], true), 0);
		CHECK_EQ(pt_map(&f.pt, 1 * GiB, 3 * GiB + 4 * KiB, 4 * MiB, PT_RW, PT_MT_WB), 0);
		CHECK_TR(&f, 1 * GiB + 3 * MiB, 3 * GiB + 3 * MiB + 4 * KiB, 4 * KiB, PT_RW,
			 PT_MT_WB);
		CHECK_EQ(f.m.live, 5);
		c = count_leaves(&f);
		CHECK_EQ(c.n4k, 1024);
		fake_fini(&f);
	}
}

/* Every leaf except the replaced page still translates as the 1 GiB page
 * did. */
struct split_check {
	unsigned mismatches;
	uint64_t bytes;
};

static int split_leaf(void *arg, uint64_t va, uint64_t pa, uint64_t size, unsigned perm,
		      enum pt_mem_type mt)
{
	struct split_check *s = arg;

	s->bytes += size;
	if (va == 1 * GiB + 5 * MiB + 0x3000)
		return 0;
	if (pa != va + 7 * GiB || perm != PT_RW || mt != PT_MT_WB)
		s->mismatches++;
	return 0;
}

static void test_split_1g(void)
{
	const uint64_t hole = 1 * GiB + 5 * MiB + 0x3000;

	for (unsigned i = 0; i < ARRAY_SIZE(all_fmts); i++) {
		enum pt_format fmt = all_fmts[i];
		struct split_check s = {0};
		struct fake f;
		struct counts c;

		CHECK_EQ(fake_init(&f, fmt, true), 0);
		CHECK_EQ(pt_map(&f.pt, 1 * GiB, 8 * GiB, 1 * GiB, PT_RW, PT_MT_WB), 0);
		CHECK_EQ(f.m.live, 2);
		CHECK_EQ(pt_map(&f.pt, hole, 0x7777000, 4 * KiB, PT_R, PT_MT_UC), 0);

		CHECK_TR(&f, hole + 8, 0x7777008, 4 * KiB, PT_R, PT_MT_UC);
		CHECK_TR(&f, hole - 4 * KiB, 8 * GiB + 5 * MiB + 0x2000, 4 * KiB, PT_RW, PT_MT_WB);
		CHECK_TR(&f, hole + 4 * KiB, 8 * GiB + 5 * MiB + 0x4000, 4 * KiB, PT_RW, PT_MT_WB);
		CHECK_TR(&f, 1 * GiB + 4 * MiB, 8 * GiB + 4 * MiB, 4 * KiB, PT_RW, PT_MT_WB);
		CHECK_TR(&f, 1 * GiB, 8 * GiB, 2 * MiB, PT_RW, PT_MT_WB);
		CHECK_TR(&f, 1 * GiB + 6 * MiB, 8 * GiB + 6 * MiB, 2 * MiB, PT_RW, PT_MT_WB);
		CHECK_TR(&f, 2 * GiB - 4 * KiB, 9 * GiB - 4 * KiB, 2 * MiB, PT_RW, PT_MT_WB);
		CHECK_UNMAPPED(&f, 2 * GiB);

		CHECK_EQ(f.m.live, 4); /* root, PDPT, PD from the split, PT */
		c = count_leaves(&f);
		CHECK_EQ(c.n4k, 512);
		CHECK_EQ(c.n2m, 511);
		CHECK_EQ(c.n1g, 0);
		CHECK_EQ(pt_walk(&f.pt, split_leaf, &s), 0);
		CHECK_EQ(s.mismatches, 0);
		CHECK_EQ(s.bytes, 1 * GiB);

		/* Unmap the page, then everything: tables come back. */
		CHECK_EQ(pt_unmap(&f.pt, hole, 4 * KiB), 0);
		CHECK_UNMAPPED(&f, hole);
		CHECK_TR(&f, hole + 4 * KiB, 8 * GiB + 5 * MiB + 0x4000, 4 * KiB, PT_RW, PT_MT_WB);
		CHECK_EQ(pt_unmap(&f.pt, 1 * GiB, 1 * GiB), 0);
		CHECK_UNMAPPED(&f, 1 * GiB);
		CHECK_UNMAPPED(&f, hole + 4 * KiB);
		CHECK_UNMAPPED(&f, 2 * GiB - 1);
		CHECK_EQ(f.m.live, 1);
		c = count_leaves(&f);
		CHECK_EQ(c.bytes, 0);
		fake_fini(&f);
	}
}

static void test_unmap(void)
{
	const uint64_t va = 6 * GiB;

	for (unsigned i = 0; i < ARRAY_SIZE(all_fmts); i++) {
		struct fake f;
		struct counts c;

		CHECK_EQ(fake_init(&f, all_fmts[i], true), 0);
		CHECK_EQ(pt_map(&f.pt, va, 2 * GiB, 4 * MiB, PT_RW, PT_MT_WB), 0);
		CHECK_EQ(f.m.live, 3);

		/* A hole in the first 2 MiB page splits it. */
		CHECK_EQ(pt_unmap(&f.pt, va + 1 * MiB, 8 * KiB), 0);
		CHECK_UNMAPPED(&f, va + 1 * MiB);
		CHECK_UNMAPPED(&f, va + 1 * MiB + 4 * KiB);
		CHECK_TR(&f, va + 1 * MiB - 4 * KiB, 2 * GiB + 1 * MiB - 4 * KiB, 4 * KiB, PT_RW,
			 PT_MT_WB);
		CHECK_TR(&f, va + 1 * MiB + 8 * KiB, 2 * GiB + 1 * MiB + 8 * KiB, 4 * KiB, PT_RW,
			 PT_MT_WB);
		CHECK_TR(&f, va + 2 * MiB, 2 * GiB + 2 * MiB, 2 * MiB, PT_RW, PT_MT_WB);
		CHECK_EQ(f.m.live, 4);
		c = count_leaves(&f);
		CHECK_EQ(c.n4k, 510);
		CHECK_EQ(c.n2m, 1);

		/* A range across both halves: the tail of the split page and
		 * the head of the 2 MiB page. */
		CHECK_EQ(pt_unmap(&f.pt, va + 2 * MiB - 4 * KiB, 12 * KiB), 0);
		CHECK_UNMAPPED(&f, va + 2 * MiB - 4 * KiB);
		CHECK_UNMAPPED(&f, va + 2 * MiB + 4 * KiB);
		CHECK_TR(&f, va + 2 * MiB + 8 * KiB, 2 * GiB + 2 * MiB + 8 * KiB, 4 * KiB, PT_RW,
			 PT_MT_WB);
		c = count_leaves(&f);
		CHECK_EQ(c.n4k, 509 + 510);
		CHECK_EQ(c.n2m, 0);
		CHECK_EQ(c.bytes, 4 * MiB - 20 * KiB);

		/* Unmapping what is not mapped is not an error. */
		CHECK_EQ(pt_unmap(&f.pt, 100 * GiB, 1 * GiB), 0);
		CHECK_EQ(pt_unmap(&f.pt, va + 1 * MiB, 4 * KiB), 0);

		/* Page by page down to nothing: empty tables are freed. */
		for (uint64_t off = 0; off < 2 * MiB; off += 4 * KiB)
			CHECK_EQ(pt_unmap(&f.pt, va + off, 4 * KiB), 0);
		CHECK_EQ(f.m.live, 4);
		CHECK_EQ(pt_unmap(&f.pt, va + 2 * MiB, 2 * MiB), 0);
		CHECK_EQ(f.m.live, 1);
		CHECK_UNMAPPED(&f, va + 3 * MiB);
		fake_fini(&f);
	}
}

static void test_remap_replaces(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(all_fmts); i++) {
		struct fake f;
		struct counts c;

		CHECK_EQ(fake_init(&f, all_fmts[i], true), 0);
		/* pa off 2 MiB alignment: 512 4 KiB pages in one PT. */
		CHECK_EQ(pt_map(&f.pt, 2 * MiB, 1 * GiB + 4 * KiB, 2 * MiB, PT_RW, PT_MT_WB), 0);
		CHECK_EQ(pt_map(&f.pt, 8 * MiB, 1 * GiB, 2 * MiB, PT_RW, PT_MT_WB), 0);
		CHECK_EQ(f.m.live, 4);

		/* Same va, aligned pa: one 2 MiB leaf replaces the PT. */
		CHECK_EQ(pt_map(&f.pt, 2 * MiB, 3 * GiB, 2 * MiB, PT_R, PT_MT_UC), 0);
		CHECK_TR(&f, 3 * MiB, 3 * GiB + 1 * MiB, 2 * MiB, PT_R, PT_MT_UC);
		CHECK_EQ(f.m.live, 3);

		/* A 1 GiB page over all of it frees the PD. */
		CHECK_EQ(pt_map(&f.pt, 0, 5 * GiB, 1 * GiB, PT_RWX, PT_MT_WB), 0);
		CHECK_TR(&f, 8 * MiB, 5 * GiB + 8 * MiB, 1 * GiB, PT_RWX, PT_MT_WB);
		CHECK_EQ(f.m.live, 2);

		/* Re-mapping with other permissions only rewrites the leaf. */
		CHECK_EQ(pt_map(&f.pt, 0, 5 * GiB, 1 * GiB, PT_R, PT_MT_WB), 0);
		CHECK_TR(&f, 0, 5 * GiB, 1 * GiB, PT_R, PT_MT_WB);
		CHECK_EQ(f.m.live, 2);
		c = count_leaves(&f);
		CHECK_EQ(c.n1g, 1);
		CHECK_EQ(c.bytes, 1 * GiB);
		fake_fini(&f);
	}
}

/* Calls fn on every present entry of every table. */
static void raw_visit(struct fake *f, uint64_t table_pa, unsigned level,
		      void (*fn)(struct fake *f, uint64_t e, unsigned level, bool leaf))
{
	const uint64_t *t = raw_table(f, table_pa);

	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = t[i];
		bool leaf = level == 1 || (e & (1ULL << 7));

		if (!raw_present(f->pt.fmt, e))
			continue;
		fn(f, e, level, leaf);
		if (!leaf)
			raw_visit(f, e & ADDR_BITS, level - 1, fn);
	}
}

static unsigned visited;

static void npt_entry_check(struct fake *f, uint64_t e, unsigned level, bool leaf)
{
	visited++;
	CHECK(e & (1ULL << 2)); /* US */
}

static void test_npt_user_bit(void)
{
	struct fake f;

	CHECK_EQ(fake_init(&f, PT_FMT_NPT, true), 0);
	CHECK_EQ(pt_map(&f.pt, MIX_VA, MIX_PA, MIX_SIZE, PT_RW, PT_MT_WB), 0);
	CHECK_EQ(pt_map(&f.pt, 64 * GiB, 0, 1 * GiB, PT_RWX, PT_MT_WB), 0);
	CHECK_EQ(pt_map(&f.pt, 64 * GiB + 0x5000, 0x5000, 4 * KiB, PT_R, PT_MT_UC), 0);
	CHECK_EQ(pt_map(&f.pt, 600 * GiB, 0, 2 * MiB, PT_R | PT_X, PT_MT_WC), 0);
	visited = 0;
	raw_visit(&f, f.pt.root_pa, 4, npt_entry_check);
	/* PML4: 2; PDPTs: 4 + 1; PDs: 2 + 2 + 512 (split 1G) + 1;
	 * PTs: 1 + 1 + 512 (split 2M). */
	CHECK_EQ(visited, 2 + 5 + 517 + 514);
	fake_fini(&f);
}

static void host_nonleaf_check(struct fake *f, uint64_t e, unsigned level, bool leaf)
{
	if (leaf)
		return;
	visited++;
	CHECK_EQ(e & 0x8000000000000fffULL, 0x7); /* P|RW|US, nothing else */
}

static void test_host_bits(void)
{
	const uint64_t hv = 0xffffffff80000000ULL;
	struct fake f;
	uint64_t e, pa = 0, size = 0;
	struct counts c;

	CHECK_EQ(fake_init(&f, PT_FMT_HOST, true), 0);
	CHECK_EQ(pt_map(&f.pt, 0x1000, 0xabc000, 4 * KiB, PT_RW, PT_MT_UC), 0);
	CHECK_EQ(pt_map(&f.pt, 0x2000, 0xabd000, 4 * KiB, PT_R | PT_U, PT_MT_WC), 0);
	CHECK_EQ(pt_map(&f.pt, 4 * MiB, 6 * MiB, 2 * MiB, PT_R | PT_X | PT_U, PT_MT_WC), 0);
	CHECK_EQ(pt_map(&f.pt, 1 * GiB, 1 * GiB, 1 * GiB, PT_RWX, PT_MT_WT), 0);

	/* 4 KiB, RW, no X, UC: P RW PWT PCD NX. */
	e = raw_entry(&f, 0x1000, 1);
	CHECK_EQ(e, 0x8000000000abc000ULL | 0x1 | 0x2 | 0x8 | 0x10);
	/* 4 KiB WC: PAT is bit 7 in a PTE; U sets US. */
	e = raw_entry(&f, 0x2000, 1);
	CHECK_EQ(e, 0x8000000000abd000ULL | 0x1 | 0x4 | 0x80);
	/* 2 MiB WC, R+X+U: PS, PAT is bit 12, no NX. */
	e = raw_entry(&f, 4 * MiB, 2);
	CHECK_EQ(e, 6 * MiB | 0x1 | 0x4 | 0x80 | 0x1000);
	/* 1 GiB WT RWX: P RW PWT PS. */
	e = raw_entry(&f, 1 * GiB, 3);
	CHECK_EQ(e, 1 * GiB | 0x1 | 0x2 | 0x8 | 0x80);
	CHECK_TR(&f, 0x2000, 0xabd000, 4 * KiB, PT_R | PT_U, PT_MT_WC);
	CHECK_TR(&f, 5 * MiB, 7 * MiB, 2 * MiB, PT_R | PT_X | PT_U, PT_MT_WC);
	CHECK_TR(&f, 1 * GiB, 1 * GiB, 1 * GiB, PT_RWX, PT_MT_WT);

	/* The upper canonical half: PML4 slot 511, sign-extended in walks. */
	CHECK_EQ(pt_map(&f.pt, hv, 16 * MiB, 4 * MiB, PT_RWX, PT_MT_WB), 0);
	CHECK_TR(&f, hv + 3 * MiB, 19 * MiB, 2 * MiB, PT_RWX, PT_MT_WB);
	CHECK(raw_present(PT_FMT_HOST, raw_table(&f, f.pt.root_pa)[511]));
	CHECK_EQ(pt_lookup(&f.pt, 0xffffffffffffffffULL, &pa, &size, NULL, NULL), -ERR_NOENT);
	CHECK_EQ(pt_map(&f.pt, 0xfffffffffffff000ULL, 0x9000, 4 * KiB, PT_R, PT_MT_WB), 0);
	CHECK_EQ(pt_lookup(&f.pt, 0xffffffffffffffffULL, &pa, &size, NULL, NULL), 0);
	CHECK_EQ(pa, 0x9fff);
	CHECK_EQ(size, 4 * KiB);
	CHECK_EQ(pt_unmap(&f.pt, 0xffff800000000000ULL, 1ULL << 47), 0);
	CHECK_UNMAPPED(&f, hv);
	CHECK(!raw_present(PT_FMT_HOST, raw_table(&f, f.pt.root_pa)[511]));
	CHECK_EQ(pt_map(&f.pt, hv, 16 * MiB, 2 * MiB, PT_RWX, PT_MT_WB), 0);

	visited = 0;
	raw_visit(&f, f.pt.root_pa, 4, host_nonleaf_check);
	CHECK_EQ(visited, 5); /* PML4 0 and 511, PDPT 0 -> PD, PD -> PT, PDPT 510 */
	c = count_leaves(&f);
	CHECK_EQ(c.bytes, 8 * KiB + 2 * MiB + 1 * GiB + 2 * MiB);
	fake_fini(&f);
}

struct first_leaf {
	uint64_t va;
	unsigned calls;
};

static int stop_at_first(void *arg, uint64_t va, uint64_t pa, uint64_t size, unsigned perm,
			 enum pt_mem_type mt)
{
	struct first_leaf *fl = arg;

	fl->va = va;
	fl->calls++;
	return 42;
}

static void test_walk(void)
{
	struct first_leaf fl = {0};
	struct fake f;

	CHECK_EQ(fake_init(&f, PT_FMT_HOST, true), 0);
	CHECK_EQ(pt_map(&f.pt, 0xffffffff80000000ULL, 0, 2 * MiB, PT_RW, PT_MT_WB), 0);
	CHECK_EQ(pt_map(&f.pt, 0x7fffffe00000ULL, 0, 2 * MiB, PT_RW, PT_MT_WB), 0);
	CHECK_EQ(pt_walk(&f.pt, stop_at_first, &fl), 42);
	CHECK_EQ(fl.calls, 1);
	CHECK_EQ(fl.va, 0x7fffffe00000ULL); /* lower half first */
	CHECK_EQ(pt_unmap(&f.pt, 0x7fffffe00000ULL, 2 * MiB), 0);
	fl.calls = 0;
	CHECK_EQ(pt_walk(&f.pt, stop_at_first, &fl), 42);
	CHECK_EQ(fl.va, 0xffffffff80000000ULL);
	CHECK_EQ(pt_walk(&f.pt, NULL, NULL), -ERR_INVAL);
	fake_fini(&f);
}

static void ept_nonleaf_check(struct fake *f, uint64_t e, unsigned level, bool leaf)
{
	if (leaf)
		return;
	visited++;
	CHECK_EQ(e & 0xfff, 0x7); /* R|W|X, no memory type, no PS */
}

static void test_ept_bits(void)
{
	struct fake f;

	CHECK_EQ(fake_init(&f, PT_FMT_EPT, true), 0);
	CHECK_EQ(pt_map(&f.pt, 0x1000, 0x5000, 4 * KiB, PT_RW, PT_MT_WB), 0);
	CHECK_EQ(pt_map(&f.pt, 0x2000, 0x6000, 4 * KiB, PT_X, PT_MT_WB), 0);
	CHECK_EQ(pt_map(&f.pt, 2 * MiB, 4 * MiB, 2 * MiB, PT_R | PT_X, PT_MT_UC), 0);
	CHECK_EQ(pt_map(&f.pt, 1 * GiB, 2 * GiB, 1 * GiB, PT_RWX, PT_MT_WC), 0);
	CHECK_EQ(pt_map(&f.pt, 8 * MiB, 8 * MiB, 4 * KiB, PT_R, PT_MT_WT), 0);

	/* R W X in bits 2:0, memory type in 5:3 (UC 0, WC 1, WT 4, WB 6),
	 * IPAT (bit 6) clear, PS (bit 7) on large leaves. */
	CHECK_EQ(raw_entry(&f, 0x1000, 1), 0x5000 | 0x3 | (6 << 3));
	CHECK_EQ(raw_entry(&f, 0x2000, 1), 0x6000 | 0x4 | (6 << 3));
	CHECK_EQ(raw_entry(&f, 2 * MiB, 2), 4 * MiB | 0x5 | (0 << 3) | 0x80);
	CHECK_EQ(raw_entry(&f, 1 * GiB, 3), 2 * GiB | 0x7 | (1 << 3) | 0x80);
	CHECK_EQ(raw_entry(&f, 8 * MiB, 1), 8 * MiB | 0x1 | (4 << 3));
	CHECK_TR(&f, 0x2000, 0x6000, 4 * KiB, PT_X, PT_MT_WB);
	CHECK_TR(&f, 8 * MiB, 8 * MiB, 4 * KiB, PT_R, PT_MT_WT);

	/* Write-only is an EPT misconfiguration; U is dropped. */
	CHECK_EQ(pt_map(&f.pt, 0x3000, 0x3000, 4 * KiB, PT_W, PT_MT_WB), -ERR_INVAL);
	CHECK_EQ(pt_map(&f.pt, 0x3000, 0x3000, 4 * KiB, PT_W | PT_X, PT_MT_WB), -ERR_INVAL);
	CHECK_EQ(pt_map(&f.pt, 0x3000, 0x3000, 4 * KiB, PT_R | PT_U, PT_MT_WB), 0);
	CHECK_EQ(raw_entry(&f, 0x3000, 1), 0x3000 | 0x1 | (6 << 3));

	visited = 0;
	raw_visit(&f, f.pt.root_pa, 4, ept_nonleaf_check);
	CHECK_EQ(visited, 1 + 1 + 2 + 0); /* PML4e, PDPTe, 2 PDEs to PTs */
	fake_fini(&f);
}

static void vtd_nonleaf_check(struct fake *f, uint64_t e, unsigned level, bool leaf)
{
	if (leaf)
		return;
	visited++;
	CHECK_EQ(e & 0x8000000000000fffULL, 0x3); /* R|W only */
}

static void test_vtd_bits(void)
{
	struct fake f;

	CHECK_EQ(fake_init(&f, PT_FMT_VTD_SL, true), 0);
	f.ops.sync = fake_sync;
	CHECK_EQ(pt_map(&f.pt, 0x1000, 0x5000, 4 * KiB, PT_RWX, PT_MT_WB), 0);
	CHECK_EQ(pt_map(&f.pt, 2 * MiB, 4 * MiB, 2 * MiB, PT_R, PT_MT_UC), 0);
	CHECK_EQ(pt_map(&f.pt, 1 * GiB, 2 * GiB, 1 * GiB, PT_W, PT_MT_WB), 0);
	/* R bit 0, W bit 1, X never, PS bit 7, SNP only when asked. */
	CHECK_EQ(raw_entry(&f, 0x1000, 1), 0x5000 | 0x3);
	CHECK_EQ(raw_entry(&f, 2 * MiB, 2), 4 * MiB | 0x1 | 0x80);
	CHECK_EQ(raw_entry(&f, 1 * GiB, 3), 2 * GiB | 0x2 | 0x80);
	CHECK_TR(&f, 1 * GiB, 2 * GiB, 1 * GiB, PT_W, PT_MT_WB);
	CHECK_TR(&f, 0x1000, 0x5000, 4 * KiB, PT_RW, PT_MT_WB);

	f.pt.vtd_snoop = true;
	CHECK_EQ(pt_map(&f.pt, 0x1000, 0x5000, 4 * KiB, PT_RW, PT_MT_WB), 0);
	CHECK_EQ(raw_entry(&f, 0x1000, 1), 0x5000 | 0x3 | 0x800);
	CHECK_EQ(pt_map(&f.pt, 4 * MiB, 4 * MiB, 2 * MiB, PT_RW, PT_MT_WB), 0);
	CHECK_EQ(raw_entry(&f, 4 * MiB, 2), 4 * MiB | 0x3 | 0x80 | 0x800);

	/* Execute-only cannot be expressed at all. */
	CHECK_EQ(pt_map(&f.pt, 0x3000, 0x3000, 4 * KiB, PT_X, PT_MT_WB), -ERR_INVAL);

	visited = 0;
	raw_visit(&f, f.pt.root_pa, 4, vtd_nonleaf_check);
	CHECK_EQ(visited, 1 + 1 + 1);
	/* A non-coherent walker was told about the writes. */
	CHECK(f.m.syncs >= 6);
	fake_fini(&f);
}

static void test_errors(void)
{
	struct fake f;
	struct paging bad;

	CHECK_EQ(fake_init(&f, PT_FMT_COUNT, true), -ERR_INVAL);
	CHECK_EQ(pt_init(&bad, PT_FMT_HOST, NULL, true), -ERR_INVAL);
	CHECK_EQ(fake_init(&f, PT_FMT_HOST, true), 0);
	f.ops.pa_to_va = NULL;
	CHECK_EQ(pt_init(&bad, PT_FMT_HOST, &f.ops, true), -ERR_INVAL);
	f.ops.pa_to_va = fake_pa_to_va;

	/* Alignment and size. */
	CHECK_EQ(pt_map(&f.pt, 0x1001, 0x1000, 4 * KiB, PT_R, PT_MT_WB), -ERR_INVAL);
	CHECK_EQ(pt_map(&f.pt, 0x1000, 0x1800, 4 * KiB, PT_R, PT_MT_WB), -ERR_INVAL);
	CHECK_EQ(pt_map(&f.pt, 0x1000, 0x1000, 100, PT_R, PT_MT_WB), -ERR_INVAL);
	CHECK_EQ(pt_map(&f.pt, 0x1000, 0x1000, 0, PT_R, PT_MT_WB), -ERR_INVAL);
	/* Non-canonical, across the hole, wrapping past 2^64. */
	CHECK_EQ(pt_map(&f.pt, 0x0000800000000000ULL, 0, 4 * KiB, PT_R, PT_MT_WB), -ERR_INVAL);
	CHECK_EQ(pt_map(&f.pt, 0x00007ffffffff000ULL, 0, 8 * KiB, PT_R, PT_MT_WB), -ERR_INVAL);
	CHECK_EQ(pt_map(&f.pt, 0xfffffffffffff000ULL, 0, 8 * KiB, PT_R, PT_MT_WB), -ERR_INVAL);
	/* Both ends canonical, in different halves. */
	CHECK_EQ(pt_map(&f.pt, 0x00007ffffffff000ULL, 0, 0xffff000000002000ULL, PT_R, PT_MT_WB),
		 -ERR_INVAL);
	CHECK_EQ(pt_unmap(&f.pt, 0x00007ffffffff000ULL, 0xffff000000002000ULL), -ERR_INVAL);
	/* Physical addresses above 52 bits. */
	CHECK_EQ(pt_map(&f.pt, 0, 1ULL << 52, 4 * KiB, PT_R, PT_MT_WB), -ERR_INVAL);
	CHECK_EQ(pt_map(&f.pt, 0, (1ULL << 52) - 4 * KiB, 8 * KiB, PT_R, PT_MT_WB), -ERR_INVAL);
	CHECK_EQ(pt_map(&f.pt, 0, (1ULL << 52) - 4 * KiB, 4 * KiB, PT_R, PT_MT_WB), 0);
	/* Permissions and memory types. */
	CHECK_EQ(pt_map(&f.pt, 0, 0, 4 * KiB, 0, PT_MT_WB), -ERR_INVAL);
	CHECK_EQ(pt_map(&f.pt, 0, 0, 4 * KiB, PT_W, PT_MT_WB), -ERR_INVAL);
	CHECK_EQ(pt_map(&f.pt, 0, 0, 4 * KiB, PT_X, PT_MT_WB), -ERR_INVAL);
	CHECK_EQ(pt_map(&f.pt, 0, 0, 4 * KiB, PT_R | 0x10, PT_MT_WB), -ERR_INVAL);
	CHECK_EQ(pt_map(&f.pt, 0, 0, 4 * KiB, PT_R, PT_MT_COUNT), -ERR_INVAL);
	/* Lookups and unmaps. */
	CHECK_EQ(pt_lookup(&f.pt, 0x0000800000000000ULL, NULL, NULL, NULL, NULL), -ERR_INVAL);
	CHECK_EQ(pt_lookup(&f.pt, 0x5000, NULL, NULL, NULL, NULL), -ERR_NOENT);
	CHECK_EQ(pt_unmap(&f.pt, 0x1000, 0x800), -ERR_INVAL);
	CHECK_EQ(pt_unmap(&f.pt, 0x0000800000000000ULL, 4 * KiB), -ERR_INVAL);
	fake_fini(&f);

	/* Guest-physical formats take [0, 2^48) without sign extension. */
	for (unsigned i = 1; i < ARRAY_SIZE(all_fmts); i++) {
		CHECK_EQ(fake_init(&f, all_fmts[i], true), 0);
		CHECK_EQ(pt_map(&f.pt, 1ULL << 48, 0, 4 * KiB, PT_RW, PT_MT_WB), -ERR_INVAL);
		CHECK_EQ(pt_map(&f.pt, (1ULL << 48) - 4 * KiB, 0, 8 * KiB, PT_RW, PT_MT_WB),
			 -ERR_INVAL);
		CHECK_EQ(pt_map(&f.pt, 0xffffffff80000000ULL, 0, 4 * KiB, PT_RW, PT_MT_WB),
			 -ERR_INVAL);
		CHECK_EQ(pt_map(&f.pt, 0x0000800000000000ULL, 0, 4 * KiB, PT_RW, PT_MT_WB), 0);
		CHECK_EQ(pt_map(&f.pt, (1ULL << 48) - 1 * GiB, 1 * GiB, 1 * GiB, PT_RW, PT_MT_WB),
			 0);
		CHECK_TR(&f, (1ULL << 48) - 1, 2 * GiB - 1, 1 * GiB, PT_RW, PT_MT_WB);
		CHECK_EQ(pt_lookup(&f.pt, 1ULL << 48, NULL, NULL, NULL, NULL), -ERR_INVAL);
		fake_fini(&f);
	}

	/* A destroyed table set refuses work; destroying twice is harmless. */
	CHECK_EQ(pt_map(&f.pt, 0, 0, 4 * KiB, PT_R, PT_MT_WB), -ERR_INVAL);
	CHECK_EQ(pt_lookup(&f.pt, 0, NULL, NULL, NULL, NULL), -ERR_INVAL);
	pt_destroy(&f.pt);
}

static void test_out_of_memory(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(all_fmts); i++) {
		struct fake f;

		/* No root for a second table set. */
		CHECK_EQ(fake_init(&f, all_fmts[i], true), 0);
		f.m.limit = 1;
		{
			struct paging second;

			CHECK_EQ(pt_init(&second, all_fmts[i], &f.ops, true), -ERR_NOMEM);
			CHECK_EQ(pt_map(&second, 0, 0, 4 * KiB, PT_RW, PT_MT_WB), -ERR_INVAL);
		}

		/* A map that cannot reach its leaf leaves no empty tables. */
		f.m.limit = 3;
		CHECK_EQ(pt_map(&f.pt, 0x1000, 0x1000, 4 * KiB, PT_RW, PT_MT_WB), -ERR_NOMEM);
		CHECK_EQ(f.m.live, 1);
		CHECK_UNMAPPED(&f, 0x1000);

		/* A map that runs out half way keeps what it mapped; destroy
		 * frees all of it. */
		f.m.limit = 4;
		CHECK_EQ(pt_map(&f.pt, MIX_VA, MIX_PA, MIX_SIZE, PT_RW, PT_MT_WB), -ERR_NOMEM);
		CHECK_EQ(f.m.live, 4);
		CHECK_TR(&f, 1 * GiB, 8 * GiB, 1 * GiB, PT_RW, PT_MT_WB);
		CHECK_UNMAPPED(&f, 2 * GiB);
		fake_fini(&f);

		/* A split that cannot get its table leaves the large page. */
		CHECK_EQ(fake_init(&f, all_fmts[i], true), 0);
		CHECK_EQ(pt_map(&f.pt, 1 * GiB, 8 * GiB, 1 * GiB, PT_RW, PT_MT_WB), 0);
		f.m.limit = f.m.live;
		CHECK_EQ(pt_map(&f.pt, 1 * GiB + 4 * KiB, 0, 4 * KiB, PT_R, PT_MT_WB), -ERR_NOMEM);
		CHECK_EQ(pt_unmap(&f.pt, 1 * GiB + 4 * KiB, 4 * KiB), -ERR_NOMEM);
		CHECK_TR(&f, 1 * GiB + 4 * KiB, 8 * GiB + 4 * KiB, 1 * GiB, PT_RW, PT_MT_WB);
		/* One table splits 1G into 2M pages; the 2M split then fails. */
		f.m.limit = f.m.live + 1;
		CHECK_EQ(pt_unmap(&f.pt, 1 * GiB + 4 * KiB, 4 * KiB), -ERR_NOMEM);
		CHECK_TR(&f, 1 * GiB + 4 * KiB, 8 * GiB + 4 * KiB, 2 * MiB, PT_RW, PT_MT_WB);
		CHECK_TR(&f, 2 * GiB - 1, 9 * GiB - 1, 2 * MiB, PT_RW, PT_MT_WB);
		fake_fini(&f);
	}
}

CHECK_MAIN(test_page_sizes, test_mixed_range, test_split_1g, test_unmap, test_remap_replaces,
	   test_npt_user_bit, test_host_bits, test_walk, test_ept_bits, test_vtd_bits, test_errors,
	   test_out_of_memory)
