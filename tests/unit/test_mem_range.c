#include <stdbool.h>
#include <stdint.h>

#include "lib/bits.h"
#include "lib/err.h"
#include "tests/unit/check.h"
#include "vmm/mem_range.h"

/* Sorted, granule-aligned, non-empty, neither overlapping nor touching. */
static bool well_formed(const struct mr_pool *p)
{
	for (unsigned i = 0; i < p->count; i++) {
		const struct mr_range *r = &p->r[i];

		if (r->base >= r->end || !IS_ALIGNED(r->base | r->end, MR_GRANULE))
			return false;
		if (i && p->r[i - 1].end >= r->base)
			return false;
	}
	return p->count <= MR_MAX_RANGES;
}

#define CHECK_RANGE(p, i, b, e)              \
	do {                                 \
		CHECK((i) < (p)->count);     \
		CHECK_EQ((p)->r[i].base, b); \
		CHECK_EQ((p)->r[i].end, e);  \
	} while (0)

/* A small machine: conventional memory, RAM up to a 1 GiB PCI hole below
 * 4 GiB, and 12 GiB above. */
static void setup(struct mr_pool *p)
{
	mr_init(p);
	CHECK_EQ(mr_add_free(p, 0x1000, 0x9f000 - 0x1000), 0);
	CHECK_EQ(mr_add_free(p, 1 * MiB, 3 * GiB - 1 * MiB), 0);
	CHECK_EQ(mr_add_free(p, 4 * GiB, 12 * GiB), 0);
}

static void test_add_free(void)
{
	struct mr_pool p;

	setup(&p);
	CHECK_EQ(p.count, 3);
	CHECK_EQ(mr_total_free(&p), 0x9e000 + 3 * GiB - 1 * MiB + 12 * GiB);

	/* Trimmed inward to whole pages; less than a page is nothing. */
	CHECK_EQ(mr_add_free(&p, 0x100123, 0x3000), 0);
	CHECK_EQ(p.count, 3); /* inside [1M, 3G) already */
	CHECK_EQ(mr_add_free(&p, 0xa0123, 0x3000), 0);
	CHECK_RANGE(&p, 1, 0xa1000, 0xa3000);
	CHECK_EQ(mr_add_free(&p, 0xb0010, 0xff0), 0);
	CHECK_EQ(mr_add_free(&p, 0xc0000, 0), 0);
	CHECK_EQ(p.count, 4);

	/* Touching and overlapping ranges unite. */
	CHECK_EQ(mr_add_free(&p, 0x9f000, 0x2000), 0);
	CHECK_RANGE(&p, 0, 0x1000, 0xa3000);
	CHECK_EQ(p.count, 3);
	CHECK_EQ(mr_add_free(&p, 0x80000, 2 * MiB), 0); /* bridges two ranges */
	CHECK_RANGE(&p, 0, 0x1000, 3 * GiB);
	CHECK_EQ(mr_add_free(&p, 2 * GiB, 2 * GiB), 0);
	CHECK_EQ(p.count, 1);
	CHECK_RANGE(&p, 0, 0x1000, 16 * GiB);
	CHECK_EQ(mr_total_free(&p), 16 * GiB - 0x1000);
	CHECK(well_formed(&p));

	/* The top of the address space: no wrap when rounding. */
	CHECK_EQ(mr_add_free(&p, ~0ULL - 0x800, 0x800), 0);
	CHECK_EQ(mr_add_free(&p, ~0ULL - 0x1fff, 0x1fff), 0);
	CHECK_RANGE(&p, 1, ~0ULL - 0x1fff, ~0ULL - 0xfff);
	CHECK_EQ(mr_add_free(&p, ~0ULL - 0xfff, 0x2000), -ERR_INVAL);
	CHECK(well_formed(&p));
}

static void test_alloc(void)
{
	struct mr_pool p;
	uint64_t a = 0, b = 0, c = 0, d = 0;

	setup(&p);
	/* Highest address first. */
	CHECK_EQ(mr_alloc(&p, 4 * KiB, 4 * KiB, &a), 0);
	CHECK_EQ(a, 16 * GiB - 4 * KiB);
	/* 1 GiB aligned: the top GiB is broken, the next one is whole. */
	CHECK_EQ(mr_alloc(&p, 1 * GiB, 1 * GiB, &b), 0);
	CHECK_EQ(b, 14 * GiB);
	CHECK_EQ(p.count, 4);
	/* 2 MiB aligned, from the piece above the 1 GiB block. */
	CHECK_EQ(mr_alloc(&p, 2 * MiB, 2 * MiB, &c), 0);
	CHECK_EQ(c, 16 * GiB - 4 * MiB);
	/* Small alignment means page alignment. */
	CHECK_EQ(mr_alloc(&p, 8 * KiB, 1, &d), 0);
	CHECK_EQ(d, 16 * GiB - 12 * KiB);
	CHECK(well_formed(&p));
	CHECK_EQ(mr_total_free(&p),
		 0x9e000 + 3 * GiB - 1 * MiB + 12 * GiB - 12 * KiB - 1 * GiB - 2 * MiB);

	/* Within limits: the AP start-up page under 1 MiB. */
	CHECK_EQ(mr_alloc_range(&p, 4 * KiB, 4 * KiB, 0, 1 * MiB, &a), 0);
	CHECK_EQ(a, 0x9e000);
	CHECK_EQ(mr_alloc_range(&p, 2 * MiB, 2 * MiB, 0, 4 * GiB, &a), 0);
	CHECK_EQ(a, 3 * GiB - 2 * MiB);
	CHECK_EQ(mr_alloc_range(&p, 4 * KiB, 4 * KiB, 0x9f000, 1 * MiB, &a), -ERR_NOMEM);
	CHECK_EQ(mr_alloc_range(&p, 1 * MiB, 4 * KiB, 0, 1 * MiB, &a), -ERR_NOMEM);

	/* More than any range holds. */
	CHECK_EQ(mr_alloc(&p, 13 * GiB, 4 * KiB, &a), -ERR_NOMEM);
	/* Fits in size but not at that alignment. */
	CHECK_EQ(mr_alloc_range(&p, 1 * GiB, 1 * GiB, 0, 4 * GiB, &a), 0);
	CHECK_EQ(a, 1 * GiB);
	CHECK_EQ(mr_alloc_range(&p, 1 * GiB, 1 * GiB, 0, 4 * GiB, &a), -ERR_NOMEM);

	/* Bad arguments. */
	CHECK_EQ(mr_alloc(&p, 0, 4 * KiB, &a), -ERR_INVAL);
	CHECK_EQ(mr_alloc(&p, 100, 4 * KiB, &a), -ERR_INVAL);
	CHECK_EQ(mr_alloc(&p, 4 * KiB, 3 * 4 * KiB, &a), -ERR_INVAL);
	CHECK_EQ(mr_alloc_range(&p, 4 * KiB, 4 * KiB, 1 * MiB, 1 * MiB, &a), -ERR_INVAL);
	CHECK(well_formed(&p));
}

static void test_exhaustion(void)
{
	struct mr_pool p;
	uint64_t a, total, n = 0;

	mr_init(&p);
	CHECK_EQ(mr_alloc(&p, 4 * KiB, 4 * KiB, &a), -ERR_NOMEM);
	CHECK_EQ(mr_add_free(&p, 2 * MiB, 2 * MiB), 0);
	CHECK_EQ(mr_add_free(&p, 8 * MiB, 6 * MiB), 0);
	total = mr_total_free(&p);
	/* 2 MiB blocks: one from the low range, three from the high one. */
	while (mr_alloc(&p, 2 * MiB, 2 * MiB, &a) == 0)
		n++;
	CHECK_EQ(n, 4);
	CHECK_EQ(mr_total_free(&p), 0);
	CHECK_EQ(p.count, 0);
	CHECK_EQ(mr_alloc(&p, 4 * KiB, 4 * KiB, &a), -ERR_NOMEM);

	/* Page by page, then back. */
	CHECK_EQ(mr_free(&p, 2 * MiB, 2 * MiB), 0);
	CHECK_EQ(mr_free(&p, 8 * MiB, 6 * MiB), 0);
	n = 0;
	while (mr_alloc(&p, 4 * KiB, 4 * KiB, &a) == 0)
		n++;
	CHECK_EQ(n, total / (4 * KiB));
	CHECK_EQ(mr_total_free(&p), 0);
}

static void test_reserve(void)
{
	struct mr_pool p;

	setup(&p);
	/* Inside a range: split in two. */
	CHECK_EQ(mr_reserve(&p, 16 * MiB, 4 * MiB), 0);
	CHECK_EQ(p.count, 4);
	CHECK_RANGE(&p, 1, 1 * MiB, 16 * MiB);
	CHECK_RANGE(&p, 2, 20 * MiB, 3 * GiB);
	/* Widened outward to pages. */
	CHECK_EQ(mr_reserve(&p, 32 * MiB + 0x10, 0x10), 0);
	CHECK_RANGE(&p, 2, 20 * MiB, 32 * MiB);
	CHECK_RANGE(&p, 3, 32 * MiB + 4 * KiB, 3 * GiB);
	/* Across a gap and into the next range; the gap is ignored. */
	CHECK_EQ(mr_reserve(&p, 2 * GiB, 3 * GiB), 0);
	CHECK_RANGE(&p, 3, 32 * MiB + 4 * KiB, 2 * GiB);
	CHECK_RANGE(&p, 4, 5 * GiB, 16 * GiB);
	/* Swallowing whole ranges. */
	CHECK_EQ(mr_reserve(&p, 0, 20 * MiB), 0);
	CHECK_RANGE(&p, 0, 20 * MiB, 32 * MiB);
	/* Not free at all, zero size: nothing changes. */
	CHECK_EQ(mr_reserve(&p, 3 * GiB, 1 * GiB), 0);
	CHECK_EQ(mr_reserve(&p, 6 * GiB, 0), 0);
	CHECK_EQ(p.count, 3);
	CHECK_EQ(mr_total_free(&p), 12 * MiB + 2 * GiB - 32 * MiB - 4 * KiB + 11 * GiB);
	/* Up to the very top of the address space. */
	CHECK_EQ(mr_reserve(&p, 15 * GiB, ~0ULL - 15 * GiB), 0);
	CHECK_RANGE(&p, 2, 5 * GiB, 15 * GiB);
	CHECK_EQ(mr_reserve(&p, ~0ULL, 2), -ERR_INVAL);
	CHECK(well_formed(&p));
}

static void test_free_merges(void)
{
	struct mr_pool p;
	uint64_t a, b, c, total;

	setup(&p);
	total = mr_total_free(&p);
	CHECK_EQ(mr_alloc(&p, 1 * GiB, 1 * GiB, &a), 0);
	CHECK_EQ(mr_alloc(&p, 1 * GiB, 1 * GiB, &b), 0);
	CHECK_EQ(mr_alloc(&p, 4 * KiB, 4 * KiB, &c), 0);
	CHECK_EQ(a, 15 * GiB);
	CHECK_EQ(b, 14 * GiB);
	CHECK_EQ(c, 14 * GiB - 4 * KiB);
	CHECK_EQ(p.count, 3);

	/* Double and partly double frees. */
	CHECK_EQ(mr_free(&p, 13 * GiB, 4 * KiB), -ERR_EXIST);
	CHECK_EQ(mr_free(&p, 14 * GiB - 8 * KiB, 8 * KiB), -ERR_EXIST);
	CHECK_EQ(mr_free(&p, 3 * GiB - 4 * KiB, 8 * KiB), -ERR_EXIST);
	CHECK_EQ(mr_free(&p, 15 * GiB, 100), -ERR_INVAL);
	CHECK_EQ(mr_free(&p, 15 * GiB, 0), -ERR_INVAL);
	CHECK_EQ(mr_free(&p, ~0ULL - 0xfff, 0x1000), -ERR_INVAL);

	/* A block with free space on neither side stands alone... */
	CHECK_EQ(mr_free(&p, b + 512 * MiB, 4 * KiB), 0);
	CHECK_EQ(p.count, 4);
	/* ...blocks touching a free range merge down, up, or both ways. */
	CHECK_EQ(mr_free(&p, b + 512 * MiB + 4 * KiB, 512 * MiB - 4 * KiB), 0);
	CHECK_EQ(p.count, 4);
	CHECK_RANGE(&p, 3, b + 512 * MiB, 15 * GiB);
	CHECK_EQ(mr_free(&p, a, 1 * GiB), 0);
	CHECK_EQ(p.count, 4);
	CHECK_RANGE(&p, 3, b + 512 * MiB, 16 * GiB);
	CHECK_EQ(mr_free(&p, b, 512 * MiB), 0);
	CHECK_EQ(p.count, 4);
	CHECK_RANGE(&p, 3, b, 16 * GiB);
	CHECK_EQ(mr_free(&p, c, 4 * KiB), 0);
	CHECK_EQ(p.count, 3);
	CHECK_RANGE(&p, 2, 4 * GiB, 16 * GiB);
	CHECK_EQ(mr_total_free(&p), total);
	CHECK(well_formed(&p));
}

static bool same(const struct mr_pool *p, const struct mr_pool *q)
{
	if (p->count != q->count)
		return false;
	for (unsigned i = 0; i < p->count; i++)
		if (p->r[i].base != q->r[i].base || p->r[i].end != q->r[i].end)
			return false;
	return true;
}

/* 128 ranges of 16 KiB, 64 KiB apart. */
static void fill(struct mr_pool *p)
{
	mr_init(p);
	for (unsigned i = 0; i < MR_MAX_RANGES; i++)
		CHECK_EQ(mr_add_free(p, 1 * MiB + i * 64 * KiB, 16 * KiB), 0);
	CHECK_EQ(p->count, MR_MAX_RANGES);
}

static void test_full_array(void)
{
	struct mr_pool p, copy;
	uint64_t a, top = 1 * MiB + (MR_MAX_RANGES - 1) * 64 * KiB;

	fill(&p);
	CHECK_EQ(mr_add_free(&p, 64 * MiB, 4 * KiB), -ERR_NOSPC);
	CHECK_EQ(mr_free(&p, 64 * MiB, 4 * KiB), -ERR_NOSPC);
	/* Growing a range needs no slot. */
	CHECK_EQ(mr_add_free(&p, top + 16 * KiB, 16 * KiB), 0);
	CHECK_RANGE(&p, MR_MAX_RANGES - 1, top, top + 32 * KiB);
	CHECK_EQ(mr_reserve(&p, top + 16 * KiB, 16 * KiB), 0);

	/* A split needs one; nothing changes when it fails. */
	copy = p;
	CHECK_EQ(mr_reserve(&p, top + 4 * KiB, 4 * KiB), -ERR_NOSPC);
	CHECK(same(&p, &copy));
	/* Every 8 KiB-aligned 4 KiB fit would split its range... */
	CHECK_EQ(mr_alloc(&p, 4 * KiB, 8 * KiB, &a), -ERR_NOSPC);
	CHECK(same(&p, &copy));
	/* ...but the top page of a range does not. */
	CHECK_EQ(mr_alloc(&p, 4 * KiB, 4 * KiB, &a), 0);
	CHECK_EQ(a, top + 12 * KiB);
	/* Nor does carving a whole range out, which frees a slot. */
	CHECK_EQ(mr_alloc_range(&p, 16 * KiB, 16 * KiB, 0, 2 * MiB, &a), 0);
	CHECK_EQ(a, 1 * MiB + 15 * 64 * KiB);
	CHECK_EQ(p.count, MR_MAX_RANGES - 1);
	CHECK_EQ(mr_reserve(&p, top + 4 * KiB, 4 * KiB), 0);
	CHECK_EQ(p.count, MR_MAX_RANGES);
	CHECK(well_formed(&p));
}

CHECK_MAIN(test_add_free, test_alloc, test_exhaustion, test_reserve, test_free_merges,
	   test_full_array)
