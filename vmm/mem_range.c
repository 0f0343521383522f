#include "vmm/mem_range.h"

#include "lib/bits.h"
#include "lib/err.h"
#include "lib/string.h"

/* The highest granule boundary: free ranges never end above it. */
#define MR_TOP ALIGN_DOWN(~0ULL, MR_GRANULE)

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static void remove_at(struct mr_pool *p, unsigned i)
{
	memmove(&p->r[i], &p->r[i + 1], (p->count - i - 1) * sizeof(p->r[0]));
	p->count--;
}

static int insert_at(struct mr_pool *p, unsigned i, uint64_t base, uint64_t end)
{
	if (p->count == MR_MAX_RANGES)
		return -ERR_NOSPC;
	memmove(&p->r[i + 1], &p->r[i], (p->count - i) * sizeof(p->r[0]));
	p->r[i].base = base;
	p->r[i].end = end;
	p->count++;
	return 0;
}

/* Unites [base, end) with the free ranges it overlaps or touches. */
static int insert_merge(struct mr_pool *p, uint64_t base, uint64_t end)
{
	unsigned i = 0, j;

	while (i < p->count && p->r[i].end < base)
		i++;
	j = i;
	while (j < p->count && p->r[j].base <= end)
		j++;
	if (i == j)
		return insert_at(p, i, base, end);
	p->r[i].base = min_u64(p->r[i].base, base);
	p->r[i].end = max_u64(p->r[j - 1].end, end);
	while (j-- > i + 1)
		remove_at(p, i + 1);
	return 0;
}

/* Removes [base, end) from free range i, which holds all of it. */
static int carve(struct mr_pool *p, unsigned i, uint64_t base, uint64_t end)
{
	struct mr_range *r = &p->r[i];
	int err;

	if (r->base < base && end < r->end) {
		err = insert_at(p, i + 1, end, r->end);
		if (err)
			return err;
		r->end = base;
	} else if (r->base < base) {
		r->end = base;
	} else if (end < r->end) {
		r->base = end;
	} else {
		remove_at(p, i);
	}
	return 0;
}

void mr_init(struct mr_pool *p)
{
	p->count = 0;
}

int mr_add_free(struct mr_pool *p, uint64_t base, uint64_t size)
{
	uint64_t end;

	if (size > ~0ULL - base)
		return -ERR_INVAL;
	end = ALIGN_DOWN(base + size, MR_GRANULE);
	/* Checked before rounding base up, which could wrap at the top. */
	if (end <= base)
		return 0;
	base = ALIGN_UP(base, MR_GRANULE);
	if (end <= base)
		return 0;
	return insert_merge(p, base, end);
}

int mr_reserve(struct mr_pool *p, uint64_t base, uint64_t size)
{
	uint64_t end;
	unsigned i = 0;

	if (size > ~0ULL - base)
		return -ERR_INVAL;
	if (!size)
		return 0;
	end = base + size > MR_TOP ? MR_TOP : ALIGN_UP(base + size, MR_GRANULE);
	base = ALIGN_DOWN(base, MR_GRANULE);

	while (i < p->count) {
		struct mr_range *r = &p->r[i];

		if (r->end <= base) {
			i++;
		} else if (r->base >= end) {
			break;
		} else if (r->base < base) {
			/* A split only happens when [base, end) lies inside this
			 * one range, so a full array fails before any change. */
			int err = carve(p, i, base, min_u64(end, r->end));

			if (err)
				return err;
			i++;
		} else if (end < r->end) {
			r->base = end;
			break;
		} else {
			remove_at(p, i);
		}
	}
	return 0;
}

int mr_alloc_range(struct mr_pool *p, uint64_t size, uint64_t align, uint64_t min, uint64_t max,
		   uint64_t *base)
{
	int err = -ERR_NOMEM;

	if (!size || !IS_ALIGNED(size, MR_GRANULE) || (align & (align - 1)) || min >= max)
		return -ERR_INVAL;
	if (align < MR_GRANULE)
		align = MR_GRANULE;

	for (unsigned i = p->count; i-- > 0;) {
		uint64_t lo = max_u64(p->r[i].base, min), hi = min_u64(p->r[i].end, max), at;

		if (hi <= lo || hi - lo < size)
			continue;
		at = ALIGN_DOWN(hi - size, align);
		if (at < lo)
			continue;
		/* A fit that would need a slot the array lacks may not be the
		 * only one: keep looking lower. */
		err = carve(p, i, at, at + size);
		if (!err) {
			*base = at;
			return 0;
		}
	}
	return err;
}

int mr_alloc(struct mr_pool *p, uint64_t size, uint64_t align, uint64_t *base)
{
	return mr_alloc_range(p, size, align, 0, ~0ULL, base);
}

int mr_free(struct mr_pool *p, uint64_t base, uint64_t size)
{
	uint64_t end;
	unsigned i = 0;

	if (!size || !IS_ALIGNED(base | size, MR_GRANULE) || size > MR_TOP - base)
		return -ERR_INVAL;
	end = base + size;
	while (i < p->count && p->r[i].end <= base)
		i++;
	if (i < p->count && p->r[i].base < end)
		return -ERR_EXIST;
	return insert_merge(p, base, end);
}

uint64_t mr_total_free(const struct mr_pool *p)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < p->count; i++)
		total += p->r[i].end - p->r[i].base;
	return total;
}
