#include "sriov/vf_bars.h"

#include "lib/err.h"
#include "lib/fmt.h"

#define FOUR_GIB 0x100000000ull
#define MIB 0x100000ull
#define PCI_COMMAND_REG 0x04
#define PCI_COMMAND_MEM_SPACE 0x2u

static uint32_t rd(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t rid, uint16_t off,
		   unsigned size)
{
	return cfg->read(cfg->ctx, seg, rid, off, size);
}

/* base and limit as the bridge states them: the limit is the last byte.
 * A window based below 1 MiB is the registers' reset value (base = limit
 * = 0: "0-0xfffff"), never one firmware opened: none. */
static struct mem_span span_of(uint64_t base, uint64_t limit)
{
	if (base > limit || base < MIB)
		return (struct mem_span){0, 0};
	return (struct mem_span){base, limit - base + 1};
}

static bool inside(const struct mem_span *s, const struct mem_span *outer)
{
	return outer->size && s->base >= outer->base &&
	       s->base + s->size <= outer->base + outer->size;
}

void bridge_windows_nest(struct bridge_windows *w, const struct bridge_windows *outer)
{
	if (w->mem.size && !inside(&w->mem, &outer->mem) && !inside(&w->mem, &outer->pref))
		w->mem = (struct mem_span){0, 0};
	if (w->pref.size && !inside(&w->pref, &outer->pref) && !inside(&w->pref, &outer->mem))
		w->pref = (struct mem_span){0, 0};
}

void pci_bridge_windows(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t rid,
			struct bridge_windows *w)
{
	uint32_t mb = rd(cfg, seg, rid, PCI_MEM_BASE, 2), ml = rd(cfg, seg, rid, PCI_MEM_LIMIT, 2);
	uint32_t pb = rd(cfg, seg, rid, PCI_PREF_BASE, 2),
		 pl = rd(cfg, seg, rid, PCI_PREF_LIMIT, 2);
	uint64_t pbase = (uint64_t)(pb & 0xfff0u) << 16, plimit = (uint64_t)(pl & 0xfff0u) << 16;

	w->mem =
		span_of((uint64_t)(mb & 0xfff0u) << 16, ((uint64_t)(ml & 0xfff0u) << 16) | 0xfffff);
	w->pref_64 = (pb & 0xfu) == PCI_PREF_64;
	if (w->pref_64) {
		pbase |= (uint64_t)rd(cfg, seg, rid, PCI_PREF_BASE_UPPER, 4) << 32;
		plimit |= (uint64_t)rd(cfg, seg, rid, PCI_PREF_LIMIT_UPPER, 4) << 32;
	}
	w->pref = span_of(pbase, plimit | 0xfffff);
	/* A bridge with memory decode off forwards nothing downstream. */
	if (!(rd(cfg, seg, rid, PCI_COMMAND_REG, 2) & PCI_COMMAND_MEM_SPACE)) {
		w->mem = (struct mem_span){0, 0};
		w->pref = (struct mem_span){0, 0};
	}
}

static bool overlaps(uint64_t a, uint64_t size, const struct mem_span *s)
{
	return s->size && a < s->base + s->size && s->base < a + size;
}

int mem_span_fit(struct mem_span win, uint64_t below, const struct mem_span *busy, unsigned nbusy,
		 uint64_t size, uint64_t align, uint64_t *out)
{
	uint64_t end, a;

	if (!size || !win.size || !align || (align & (align - 1)))
		return -ERR_NOSPC;
	end = win.base + win.size; /* windows end below 2^64: limit | 0xfffff + 1 */
	if (end < win.base)
		end = ~0ull;
	if (below < end)
		end = below;
	if (win.base > ~0ull - (align - 1))
		return -ERR_NOSPC;
	a = (win.base + align - 1) & ~(align - 1);
	/* Each step moves a past the lowest busy span it meets, so the
	 * loop ends after at most nbusy + 1 tries. */
	while (a < end && size <= end - a) {
		const struct mem_span *hit = NULL;

		for (unsigned i = 0; i < nbusy; i++)
			if (overlaps(a, size, &busy[i]) && (!hit || busy[i].base < hit->base))
				hit = &busy[i];
		if (!hit) {
			*out = a;
			return 0;
		}
		if (hit->base + hit->size < hit->base ||
		    hit->base + hit->size > ~0ull - (align - 1))
			break;
		a = (hit->base + hit->size + align - 1) & ~(align - 1);
	}
	return -ERR_NOSPC;
}

static uint64_t pow2_ceil(uint64_t v)
{
	uint64_t p = 1;

	while (p < v && p <= (1ull << 62))
		p <<= 1;
	return p;
}

int vf_bar_place(const struct pci_bar *bar, unsigned nvfs, const struct bridge_windows *w,
		 const struct mem_span *busy, unsigned nbusy, struct vf_bar_place *out, char *msg,
		 size_t msgsize)
{
	uint64_t total, align;
	int rc = -ERR_NOSPC;

	if (msg && msgsize)
		msg[0] = '\0';
	if (!bar->size || !nvfs || __builtin_mul_overflow((uint64_t)nvfs, bar->size, &total) ||
	    total > (1ull << 62)) {
		fmt_snprintf(msg, msgsize, "%u VFs of 0x%llx bytes do not make a window", nvfs,
			     (unsigned long long)bar->size);
		return -ERR_RANGE;
	}
	align = pow2_ceil(total);
	if (bar->prefetch && bar->is_64 && w->pref.size) {
		rc = mem_span_fit(w->pref, w->pref_64 ? ~0ull : FOUR_GIB, busy, nbusy, total, align,
				  &out->addr);
		out->prefetch_window = true;
	}
	if (rc && w->mem.size) {
		rc = mem_span_fit(w->mem, FOUR_GIB, busy, nbusy, total, align, &out->addr);
		out->prefetch_window = false;
	}
	if (!rc)
		return 0;
	if (!w->mem.size && !(bar->prefetch && bar->is_64 && w->pref.size))
		fmt_snprintf(msg, msgsize, "the bridge forwards no memory window it may take");
	else if (bar->prefetch && bar->is_64 && w->pref.size)
		fmt_snprintf(
			msg, msgsize,
			"no room for 0x%llx bytes aligned to 0x%llx in the prefetchable window "
			"0x%llx-0x%llx or the non-prefetchable window 0x%llx-0x%llx",
			(unsigned long long)total, (unsigned long long)align,
			(unsigned long long)w->pref.base,
			(unsigned long long)(w->pref.base + w->pref.size - 1),
			(unsigned long long)w->mem.base,
			(unsigned long long)(w->mem.base + w->mem.size - (w->mem.size ? 1 : 0)));
	else
		fmt_snprintf(msg, msgsize,
			     "no room for 0x%llx bytes aligned to 0x%llx in the non-prefetchable "
			     "window 0x%llx-0x%llx",
			     (unsigned long long)total, (unsigned long long)align,
			     (unsigned long long)w->mem.base,
			     (unsigned long long)(w->mem.base + w->mem.size - 1));
	return -ERR_NOSPC;
}
