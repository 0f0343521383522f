#include "lib/err.h"
#include "tests/unit/check.h"
#include "vmm/vmx/vmx_cr.h"
#include "vmm/x86.h"

/* IA32_VMX_CR0/CR4_FIXED0/1 as a Skylake server reports them. */
#define CR0_FIXED0 0x80000021ULL /* PG, NE, PE */
#define CR0_FIXED1 0xFFFFFFFFULL
#define CR4_FIXED0 0x2000ULL   /* VMXE */
#define CR4_FIXED1 0x3767FFULL /* no LA57, no PKS, no CET */
#define CR0_RESET 0x60000010ULL

static void test_cr0_unrestricted(void)
{
	struct vmx_cr_fixed f = vmx_cr0_fixed(CR0_FIXED0, CR0_FIXED1, true);
	uint64_t mask = vmx_cr0_mask(&f);

	/* PE and PG are the guest's; NE is pinned, so argon owns it. */
	CHECK_EQ(mask, CR0_NE);
	/* The SIPI state: real mode, caches off, NE clear for the guest but
	 * set in the real register. */
	CHECK_EQ(vmx_cr_real(&f, CR0_RESET), CR0_RESET | CR0_NE);
	CHECK_EQ(vmx_cr_guest_view(vmx_cr_real(&f, CR0_RESET), CR0_RESET, mask), CR0_RESET);
	/* The guest then sets PE with NE, and TS without an exit: the view
	 * takes TS from the real register, NE from the shadow. */
	CHECK_EQ(vmx_cr_guest_view(CR0_RESET | CR0_NE | CR0_TS | CR0_PE, CR0_RESET | CR0_NE, mask),
		 CR0_RESET | CR0_NE | CR0_TS | CR0_PE);
	CHECK_EQ(vmx_cr_guest_view(CR0_NE | CR0_PE, CR0_PE, mask), CR0_PE);
}

static void test_cr0_restricted(void)
{
	struct vmx_cr_fixed f = vmx_cr0_fixed(CR0_FIXED0, CR0_FIXED1, false);

	CHECK_EQ(vmx_cr0_mask(&f), CR0_PG | CR0_NE | CR0_PE);
	CHECK_EQ(vmx_cr_real(&f, 0), CR0_PG | CR0_NE | CR0_PE);
}

/* A CPU whose FIXED1 clears a bit: the real register keeps it clear and
 * argon owns it, so the guest's attempt to set it exits. */
static void test_cr0_fixed_zero(void)
{
	struct vmx_cr_fixed f = vmx_cr0_fixed(CR0_FIXED0, CR0_FIXED1 & ~CR0_CD, true);

	CHECK_EQ(vmx_cr0_mask(&f), CR0_NE | CR0_CD);
	CHECK_EQ(vmx_cr_real(&f, CR0_CD | CR0_PE), CR0_NE | CR0_PE);
}

static void test_cr4(void)
{
	struct vmx_cr_fixed f = vmx_cr4_fixed(CR4_FIXED0, CR4_FIXED1);
	uint64_t mask = vmx_cr4_mask(&f), allowed = vmx_cr4_guest_bits(&f);

	/* VMXE and SMXE are argon's, as is every bit the CPU cannot set. */
	CHECK(mask & CR4_VMXE);
	CHECK(mask & CR4_SMXE);
	CHECK(mask & CR4_LA57);
	CHECK(!(mask & (CR4_PAE | CR4_PGE | CR4_OSXSAVE | CR4_PCIDE)));
	CHECK_EQ(mask & 0xFFFFFFFF00000000ULL, 0);
	CHECK_EQ(vmx_cr_real(&f, CR4_PAE), CR4_PAE | CR4_VMXE);
	CHECK_EQ(vmx_cr_guest_view(CR4_PAE | CR4_VMXE, CR4_PAE, mask), CR4_PAE);
	/* The guest sees no VMX: VMXE=1 is a #GP, like on a CPU without
	 * it; so are SMXE and LA57 here. */
	CHECK(!(allowed & CR4_VMXE));
	CHECK_EQ(cr4_load_check(CR4_PAE, CR4_PAE | CR4_VMXE, allowed, EFER_LME | EFER_LMA, 0),
		 -ERR_INVAL);
	CHECK_EQ(cr4_load_check(0, CR4_SMXE, allowed, 0, 0), -ERR_INVAL);
	CHECK_EQ(cr4_load_check(CR4_PAE, CR4_PAE | CR4_LA57, allowed, 0, 0), -ERR_INVAL);
	CHECK_EQ(cr4_load_check(CR4_PAE, CR4_PAE | CR4_PGE | CR4_OSXSAVE, allowed,
				EFER_LME | EFER_LMA, 0),
		 0);
}

static void test_cr4_long_mode_rules(void)
{
	struct vmx_cr_fixed f = vmx_cr4_fixed(CR4_FIXED0, CR4_FIXED1 | CR4_LA57);
	uint64_t allowed = vmx_cr4_guest_bits(&f), lm = EFER_LME | EFER_LMA;

	CHECK_EQ(cr4_load_check(CR4_PAE, 0, allowed, lm, 0), -ERR_INVAL);
	CHECK_EQ(cr4_load_check(CR4_PAE, 0, allowed, EFER_LME, 0), 0);
	CHECK_EQ(cr4_load_check(CR4_PAE, CR4_PAE | CR4_LA57, allowed, lm, 0), -ERR_INVAL);
	CHECK_EQ(cr4_load_check(CR4_PAE, CR4_PAE | CR4_LA57, allowed, 0, 0), 0);
	/* PCIDE: long mode only, and only with PCID 0 in CR3. */
	CHECK_EQ(cr4_load_check(CR4_PAE, CR4_PAE | CR4_PCIDE, allowed, lm, 0x1000), 0);
	CHECK_EQ(cr4_load_check(CR4_PAE, CR4_PAE | CR4_PCIDE, allowed, lm, 0x1001), -ERR_INVAL);
	CHECK_EQ(cr4_load_check(CR4_PAE, CR4_PAE | CR4_PCIDE, allowed, 0, 0x1000), -ERR_INVAL);
}

static void test_cr0_checks(void)
{
	uint64_t pm = CR0_PE | CR0_ET | CR0_NE;

	CHECK_EQ(cr0_load_check(CR0_RESET, pm, 0, 0, false), 0);
	CHECK_EQ(cr0_load_check(pm, (pm | CR0_PG) & ~CR0_PE, 0, 0, false), -ERR_INVAL);
	CHECK_EQ(cr0_load_check(pm, CR0_PG, 0, 0, false), -ERR_INVAL);
	CHECK_EQ(cr0_load_check(pm, pm | CR0_NW, 0, 0, false), -ERR_INVAL);
	CHECK_EQ(cr0_load_check(pm, pm | CR0_NW | CR0_CD, 0, 0, false), 0);
	CHECK_EQ(cr0_load_check(pm, pm | (1ULL << 32), 0, 0, false), -ERR_INVAL);
	/* Long mode on: PAE needed. */
	CHECK_EQ(cr0_load_check(pm, pm | CR0_PG, 0, EFER_LME, false), -ERR_INVAL);
	CHECK_EQ(cr0_load_check(pm, pm | CR0_PG, CR4_PAE, EFER_LME, false), 0);
	/* Paging off: not from 64-bit code, fine from compatibility mode. */
	CHECK_EQ(cr0_load_check(pm | CR0_PG, pm, CR4_PAE, EFER_LME | EFER_LMA, true), -ERR_INVAL);
	CHECK_EQ(cr0_load_check(pm | CR0_PG, pm, CR4_PAE, EFER_LME | EFER_LMA, false), 0);
	/* NE may change either way. */
	CHECK_EQ(cr0_load_check(pm | CR0_PG, (pm | CR0_PG) & ~CR0_NE, CR4_PAE, EFER_LME | EFER_LMA,
				true),
		 0);
}

static void test_efer_and_flush(void)
{
	CHECK_EQ(cr0_load_efer(CR0_PG | CR0_PE, EFER_LME), EFER_LME | EFER_LMA);
	CHECK_EQ(cr0_load_efer(CR0_PE, EFER_LME | EFER_LMA), EFER_LME);
	CHECK_EQ(cr0_load_efer(CR0_PG | CR0_PE, EFER_NXE), EFER_NXE);
	CHECK(cr0_change_flushes(CR0_PE, CR0_PE | CR0_PG));
	CHECK(cr0_change_flushes(CR0_PE | CR0_PG, CR0_PE | CR0_PG | CR0_WP));
	CHECK(!cr0_change_flushes(CR0_PE, CR0_PE | CR0_NE | CR0_TS));
	CHECK(cr4_change_flushes(CR4_PAE, CR4_PAE | CR4_PGE));
	CHECK(!cr4_change_flushes(CR4_PAE, CR4_PAE | CR4_OSXSAVE));
}

CHECK_MAIN(test_cr0_unrestricted, test_cr0_restricted, test_cr0_fixed_zero, test_cr4,
	   test_cr4_long_mode_rules, test_cr0_checks, test_efer_and_flush)
