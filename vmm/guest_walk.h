/* Walks a guest's own page tables: turns a guest linear address into a
 * guest-physical one the way the vCPU's MMU would, for emulating an
 * instruction (fetching its bytes) or its memory operand (INS/OUTS).
 * Paging off, 32-bit (with PSE), PAE, 4-level and 5-level long mode. Pure:
 * guest memory is reached through a callback, so host tests use fakes. */
#ifndef ARGON_VMM_GUEST_WALK_H
#define ARGON_VMM_GUEST_WALK_H

#include <stdint.h>

/* The vCPU state the walk depends on, as the hardware uses it. */
struct gwalk_ctl {
	uint64_t cr0, cr3, cr4, efer;
	unsigned cpl;
};

#define GW_CR0_PE (1ULL << 0)
#define GW_CR0_WP (1ULL << 16)
#define GW_CR0_PG (1ULL << 31)
#define GW_CR4_PSE (1ULL << 4)
#define GW_CR4_PAE (1ULL << 5)
#define GW_CR4_LA57 (1ULL << 12)
#define GW_EFER_LMA (1ULL << 10)
#define GW_EFER_NXE (1ULL << 11)

/* Kinds of access, combined. */
#define GW_WRITE (1u << 0)
#define GW_FETCH (1u << 1)

/* #PF error code bits (SDM vol 3, 4.7). */
#define GW_PF_P (1u << 0)
#define GW_PF_W (1u << 1)
#define GW_PF_U (1u << 2)
#define GW_PF_I (1u << 4)

/* Host pointer to len bytes of guest RAM at gpa, or NULL if that is not
 * all RAM. */
typedef void *(*gwalk_map_fn)(void *ctx, uint64_t gpa, uint64_t len);

/* Translates la for an access of kind `access` (GW_*) at c->cpl. Sets the
 * accessed bits of the entries used, and the dirty bit of the leaf for a
 * write, as the MMU would. Returns 0 with *gpa set; -ERR_FAULT for a page
 * fault, with its error code in *pf_error; -ERR_RANGE for a non-canonical
 * address (#GP); -ERR_NOENT when a table lies outside guest RAM.
 * Reserved bits in entries, SMEP, SMAP and protection keys are not
 * checked, and PAE PDPTEs are read from memory rather than from the
 * copies the CPU took when CR3 was loaded. */
int gwalk(const struct gwalk_ctl *c, uint64_t la, unsigned access, gwalk_map_fn map, void *ctx,
	  uint64_t *gpa, uint32_t *pf_error);

#endif
