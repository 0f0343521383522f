/* CR0 and CR4 under VMX (SDM 24.8, 25.3, 26.6.6): which bits argon owns
 * through the guest/host masks, what the real register holds, what the
 * guest sees, and which values the guest may load. Pure logic, tested on
 * the host. */
#ifndef ARGON_VMM_VMX_VMX_CR_H
#define ARGON_VMM_VMX_VMX_CR_H

#include <stdbool.h>
#include <stdint.h>

#define CR0_NW (1ULL << 29)
#define CR0_CD (1ULL << 30)
#define CR0_LMSW_BITS 0xFULL /* PE, MP, EM, TS */
#define CR4_PSE (1ULL << 4)
#define CR4_LA57 (1ULL << 12)
#define CR4_SMXE (1ULL << 14)
#define CR4_PCIDE (1ULL << 17)
#define CR4_SMEP (1ULL << 20)
#define CR4_SMAP (1ULL << 21)
#define CR4_PKE (1ULL << 22)
#define CR3_PCID_MASK 0xFFFULL
#define CR3_NO_FLUSH (1ULL << 63)

/* The fixed bits of one control register in VMX operation: a bit set in
 * must1 must be 1, a bit clear in may1 must be 0 (IA32_VMX_CRn_FIXED0/1). */
struct vmx_cr_fixed {
	uint64_t must1;
	uint64_t may1;
};

/* CR0's fixed bits; with unrestricted guest, PE and PG are the guest's. */
struct vmx_cr_fixed vmx_cr0_fixed(uint64_t fixed0, uint64_t fixed1, bool unrestricted);
/* CR4's fixed bits (VMXE among them). */
struct vmx_cr_fixed vmx_cr4_fixed(uint64_t fixed0, uint64_t fixed1);

/* The guest/host mask: every bit VMX pins, so that the guest's own
 * value lives in the read shadow and a change of it exits. CR4 also owns
 * VMXE and SMXE, which the guest never has. */
uint64_t vmx_cr0_mask(const struct vmx_cr_fixed *f);
uint64_t vmx_cr4_mask(const struct vmx_cr_fixed *f);

/* The value the real register holds while the guest's value is guest. */
uint64_t vmx_cr_real(const struct vmx_cr_fixed *f, uint64_t guest);

/* What a guest's MOV from CRn returns: owned bits from the shadow, the
 * others from the real register. */
uint64_t vmx_cr_guest_view(uint64_t real, uint64_t shadow, uint64_t mask);

/* The CR4 bits a guest may set: those the CPU takes in VMX operation,
 * less VMXE and SMXE (the guest sees neither VMX nor SMX). */
uint64_t vmx_cr4_guest_bits(const struct vmx_cr_fixed *f);

/* The architectural checks of MOV to CR0 and MOV to CR4 (SDM vol. 2,
 * MOV to/from control registers): 0 if the load is legal, -ERR_INVAL if
 * it raises #GP. old is the guest's current value; long_code says the
 * guest runs 64-bit code (CS.L with EFER.LMA). */
int cr0_load_check(uint64_t old, uint64_t val, uint64_t cr4, uint64_t efer, bool long_code);
int cr4_load_check(uint64_t old, uint64_t val, uint64_t allowed, uint64_t efer, uint64_t cr3);

/* EFER after a legal CR0 load: LMA follows PG while LME is set. */
uint64_t cr0_load_efer(uint64_t val, uint64_t efer);

/* Whether the change from old to val of CR0 or CR4 flushes the TLB on
 * hardware (paging mode, WP, PGE, PCIDE, SMEP and friends). */
bool cr0_change_flushes(uint64_t old, uint64_t val);
bool cr4_change_flushes(uint64_t old, uint64_t val);

#endif
