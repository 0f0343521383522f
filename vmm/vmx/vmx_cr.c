/* CR0 and CR4 under VMX: masks, real values and load checks. */
#include "vmm/vmx/vmx_cr.h"

#include "lib/err.h"
#include "vmm/x86.h"

/* Both registers have 32 defined bits; VMX masks and fixed bits beyond
 * them mean nothing, and loading one of them is a #GP of its own. */
#define CR_DEFINED 0xFFFFFFFFULL

struct vmx_cr_fixed vmx_cr0_fixed(uint64_t fixed0, uint64_t fixed1, bool unrestricted)
{
	struct vmx_cr_fixed f = {fixed0 & CR_DEFINED, fixed1 & CR_DEFINED};

	if (unrestricted)
		f.must1 &= ~(CR0_PE | CR0_PG);
	return f;
}

struct vmx_cr_fixed vmx_cr4_fixed(uint64_t fixed0, uint64_t fixed1)
{
	return (struct vmx_cr_fixed){fixed0 & CR_DEFINED, fixed1 & CR_DEFINED};
}

uint64_t vmx_cr0_mask(const struct vmx_cr_fixed *f)
{
	return (f->must1 | ~f->may1) & CR_DEFINED;
}

uint64_t vmx_cr4_mask(const struct vmx_cr_fixed *f)
{
	return (f->must1 | ~f->may1 | CR4_VMXE | CR4_SMXE) & CR_DEFINED;
}

uint64_t vmx_cr_real(const struct vmx_cr_fixed *f, uint64_t guest)
{
	return (guest | f->must1) & f->may1;
}

uint64_t vmx_cr_guest_view(uint64_t real, uint64_t shadow, uint64_t mask)
{
	return (real & ~mask) | (shadow & mask);
}

uint64_t vmx_cr4_guest_bits(const struct vmx_cr_fixed *f)
{
	return f->may1 & ~(CR4_VMXE | CR4_SMXE) & CR_DEFINED;
}

int cr0_load_check(uint64_t old, uint64_t val, uint64_t cr4, uint64_t efer, bool long_code)
{
	if (val & ~CR_DEFINED)
		return -ERR_INVAL;
	if ((val & CR0_PG) && !(val & CR0_PE))
		return -ERR_INVAL;
	if ((val & CR0_NW) && !(val & CR0_CD))
		return -ERR_INVAL;
	/* Entering long mode needs PAE; leaving paging from 64-bit code, or
	 * with PCIDE set, is refused. */
	if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME) && !(cr4 & CR4_PAE))
		return -ERR_INVAL;
	if (!(val & CR0_PG) && (old & CR0_PG) && (long_code || (cr4 & CR4_PCIDE)))
		return -ERR_INVAL;
	return 0;
}

int cr4_load_check(uint64_t old, uint64_t val, uint64_t allowed, uint64_t efer, uint64_t cr3)
{
	if (val & ~allowed)
		return -ERR_INVAL;
	if (efer & EFER_LMA) {
		if (!(val & CR4_PAE) || ((val ^ old) & CR4_LA57))
			return -ERR_INVAL;
	}
	if ((val & CR4_PCIDE) && !(old & CR4_PCIDE) &&
	    (!(efer & EFER_LMA) || (cr3 & CR3_PCID_MASK)))
		return -ERR_INVAL;
	return 0;
}

uint64_t cr0_load_efer(uint64_t val, uint64_t efer)
{
	if ((val & CR0_PG) && (efer & EFER_LME))
		return efer | EFER_LMA;
	return efer & ~EFER_LMA;
}

bool cr0_change_flushes(uint64_t old, uint64_t val)
{
	return (old ^ val) & (CR0_PG | CR0_PE | CR0_WP | CR0_CD);
}

bool cr4_change_flushes(uint64_t old, uint64_t val)
{
	return (old ^ val) &
	       (CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCIDE | CR4_SMEP | CR4_SMAP | CR4_PKE | CR4_LA57);
}
