/* The guest page-table walk (SDM vol 3, chapter 4; APM vol 2, 5.3). */
#include "vmm/guest_walk.h"

#include <stdbool.h>

#include "lib/err.h"

#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_US (1ULL << 2)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_PS (1ULL << 7)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ULL

struct walk {
	const struct gwalk_ctl *c;
	unsigned access;
	gwalk_map_fn map;
	void *ctx;
	bool user, writable, executable;
};

static bool is_canonical(uint64_t la, unsigned bits)
{
	int64_t s = (int64_t)(la << (64 - bits)) >> (64 - bits);

	return (uint64_t)s == la;
}

/* Reads an entry of `size` bytes at gpa and marks it accessed. */
static int read_entry(struct walk *w, uint64_t gpa, unsigned size, uint64_t *e)
{
	void *p = w->map(w->ctx, gpa, size);

	if (!p)
		return -ERR_NOENT;
	if (size == 8) {
		uint64_t *q = p;

		*e = __atomic_load_n(q, __ATOMIC_RELAXED);
		if ((*e & PTE_P) && !(*e & PTE_A))
			__atomic_fetch_or(q, PTE_A, __ATOMIC_RELAXED);
	} else {
		uint32_t *q = p;

		*e = __atomic_load_n(q, __ATOMIC_RELAXED);
		if ((*e & PTE_P) && !(*e & PTE_A))
			__atomic_fetch_or(q, (uint32_t)PTE_A, __ATOMIC_RELAXED);
	}
	return 0;
}

static void set_dirty(struct walk *w, uint64_t gpa, unsigned size)
{
	void *p = w->map(w->ctx, gpa, size);

	if (!p)
		return;
	if (size == 8)
		__atomic_fetch_or((uint64_t *)p, PTE_D, __ATOMIC_RELAXED);
	else
		__atomic_fetch_or((uint32_t *)p, (uint32_t)PTE_D, __ATOMIC_RELAXED);
}

static uint32_t pf_code(const struct walk *w, bool present)
{
	uint32_t code = present ? GW_PF_P : 0;

	if (w->access & GW_WRITE)
		code |= GW_PF_W;
	if (w->user)
		code |= GW_PF_U;
	if ((w->access & GW_FETCH) && (w->c->efer & GW_EFER_NXE))
		code |= GW_PF_I;
	return code;
}

/* Permission check over the rights gathered along the walk. */
static bool permitted(const struct walk *w, bool us, bool rw, bool nx)
{
	if (w->user && !us)
		return false;
	if ((w->access & GW_WRITE) && !rw && (w->user || (w->c->cr0 & GW_CR0_WP)))
		return false;
	if ((w->access & GW_FETCH) && nx)
		return false;
	return true;
}

/* Walks `levels` levels of 8-byte entries (PAE has 2 below its PDPTE,
 * long mode 4 or 5) from the table at `table`. */
static int walk64(struct walk *w, uint64_t table, uint64_t la, unsigned levels, bool us, bool rw,
		  bool nx, uint64_t *gpa, uint32_t *pf_error)
{
	uint64_t e = 0, egpa = 0;
	unsigned shift = 12 + 9 * (levels - 1);
	bool nxe = w->c->efer & GW_EFER_NXE;

	for (unsigned level = levels; level >= 1; level--, shift -= 9) {
		int err;

		egpa = table + ((la >> shift) & 0x1FF) * 8;
		err = read_entry(w, egpa, 8, &e);
		if (err)
			return err;
		if (!(e & PTE_P)) {
			*pf_error = pf_code(w, false);
			return -ERR_FAULT;
		}
		us = us && (e & PTE_US);
		rw = rw && (e & PTE_RW);
		nx = nx || (nxe && (e & PTE_NX));
		/* 1 GiB pages at level 3, 2 MiB at level 2. */
		if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS)))
			break;
		table = e & PTE_ADDR_MASK;
	}
	if (!permitted(w, us, rw, nx)) {
		*pf_error = pf_code(w, true);
		return -ERR_FAULT;
	}
	if ((w->access & GW_WRITE) && !(e & PTE_D))
		set_dirty(w, egpa, 8);
	*gpa = (e & PTE_ADDR_MASK & ~((1ULL << shift) - 1)) | (la & ((1ULL << shift) - 1));
	return 0;
}

static int walk_pae(struct walk *w, uint64_t la, uint64_t *gpa, uint32_t *pf_error)
{
	uint64_t pdpte;
	int err;

	la &= 0xFFFFFFFFu;
	/* PDPTEs carry no access rights; only P matters. */
	err = read_entry(w, (w->c->cr3 & 0xFFFFFFE0u) + (la >> 30) * 8, 8, &pdpte);
	if (err)
		return err;
	if (!(pdpte & PTE_P)) {
		*pf_error = pf_code(w, false);
		return -ERR_FAULT;
	}
	return walk64(w, pdpte & PTE_ADDR_MASK, la, 2, true, true, false, gpa, pf_error);
}

static int walk32(struct walk *w, uint64_t la, uint64_t *gpa, uint32_t *pf_error)
{
	uint64_t pde, pte, pde_gpa, pte_gpa;
	int err;

	la &= 0xFFFFFFFFu;
	pde_gpa = (w->c->cr3 & 0xFFFFF000u) + (la >> 22) * 4;
	err = read_entry(w, pde_gpa, 4, &pde);
	if (err)
		return err;
	if (!(pde & PTE_P)) {
		*pf_error = pf_code(w, false);
		return -ERR_FAULT;
	}
	if ((pde & PTE_PS) && (w->c->cr4 & GW_CR4_PSE)) {
		/* 4 MiB page: bits 31:22 and, with PSE-36, 39:32 from 20:13. */
		if (!permitted(w, pde & PTE_US, pde & PTE_RW, false)) {
			*pf_error = pf_code(w, true);
			return -ERR_FAULT;
		}
		if ((w->access & GW_WRITE) && !(pde & PTE_D))
			set_dirty(w, pde_gpa, 4);
		*gpa = (pde & 0xFFC00000u) | (((pde >> 13) & 0xFF) << 32) | (la & 0x3FFFFF);
		return 0;
	}
	pte_gpa = (pde & 0xFFFFF000u) + ((la >> 12) & 0x3FF) * 4;
	err = read_entry(w, pte_gpa, 4, &pte);
	if (err)
		return err;
	if (!(pte & PTE_P)) {
		*pf_error = pf_code(w, false);
		return -ERR_FAULT;
	}
	if (!permitted(w, (pde & PTE_US) && (pte & PTE_US), (pde & PTE_RW) && (pte & PTE_RW),
		       false)) {
		*pf_error = pf_code(w, true);
		return -ERR_FAULT;
	}
	if ((w->access & GW_WRITE) && !(pte & PTE_D))
		set_dirty(w, pte_gpa, 4);
	*gpa = (pte & 0xFFFFF000u) | (la & 0xFFF);
	return 0;
}

int gwalk(const struct gwalk_ctl *c, uint64_t la, unsigned access, gwalk_map_fn map, void *ctx,
	  uint64_t *gpa, uint32_t *pf_error)
{
	struct walk w = {.c = c, .access = access, .map = map, .ctx = ctx, .user = c->cpl == 3};

	*pf_error = 0;
	if (!(c->cr0 & GW_CR0_PG)) {
		*gpa = (c->efer & GW_EFER_LMA) ? la : (la & 0xFFFFFFFFu);
		return 0;
	}
	if (c->efer & GW_EFER_LMA) {
		bool la57 = c->cr4 & GW_CR4_LA57;

		if (!is_canonical(la, la57 ? 57 : 48))
			return -ERR_RANGE;
		return walk64(&w, c->cr3 & PTE_ADDR_MASK, la, la57 ? 5 : 4, true, true, false, gpa,
			      pf_error);
	}
	if (c->cr4 & GW_CR4_PAE)
		return walk_pae(&w, la, gpa, pf_error);
	return walk32(&w, la, gpa, pf_error);
}
