#include "vmm/msr_policy.h"

#include "lib/err.h"
#include "vmm/apic.h"
#include "vmm/vlapic.h"
#include "vmm/x86.h"

#define MSR_MISC_ENABLE 0x1A0u
#define MSR_MPERF 0xE7u
/* Fast strings on; branch trace and PEBS unavailable (no PMU for guests). */
#define MISC_ENABLE_GUEST ((1ULL << 0) | (1ULL << 11) | (1ULL << 12))
#define MSR_MTRR_CAP 0xFEu
#define MSR_MTRR_DEF_TYPE 0x2FFu
#define MTRR_DEF_TYPE_E (1ULL << 11)
#define MTRR_TYPE_WB 6ULL
#define MTRR_DEF_TYPE_VALID (MTRR_DEF_TYPE_E | (1ULL << 10) | 0xFFULL)
#define EFER_GUEST_WRITABLE (EFER_SCE | EFER_LME | EFER_NXE)

/* State the backends switch with the guest (VMLOAD/VMSAVE, VMCS fields),
 * state of the guest's own core (its x2APIC, TSC deadline), or state only
 * the guest uses on its dedicated core (syscall MSRs on VMX): direct access
 * touches nothing of argon's or another guest's. The x2APIC's ICR is
 * excluded: IPIs are checked (vmm/vlapic.c). */
const struct msr_passthrough msr_passthrough_list[] = {
	{MSR_FS_BASE, 3, true}, /* FS_BASE, GS_BASE, KERNEL_GS_BASE */
	{MSR_STAR, 4, true},	/* STAR, LSTAR, CSTAR, SFMASK */
	{MSR_SYSENTER_CS, 3, true},
	{MSR_PAT, 1, true},
	{MSR_TSC, 1, false},
	{MSR_MPERF, 2, false},
	/* MPERF, APERF: the core's own counters, read every tick */ {MSR_TSC_AUX, 1, true},
	{MSR_TSC_DEADLINE, 1, true},
	{MSR_X2APIC_BASE, MSR_X2APIC_ICR - MSR_X2APIC_BASE, true},
	{MSR_X2APIC_ICR, 1, false},
	{MSR_X2APIC_ICR + 1, MSR_X2APIC_LAST - MSR_X2APIC_ICR, true},
};
const size_t msr_passthrough_count = sizeof(msr_passthrough_list) / sizeof(msr_passthrough_list[0]);

int msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case MSR_EFER:
		*val = vcpu_ops->get_efer(v);
		return 0;
	case MSR_TSC:
		*val = rdtsc();
		return 0;
	case MSR_APIC_BASE:
		/* The guest's first vCPU is its bootstrap processor. */
		*val = (rdmsr(msr) & ~APIC_BASE_BSP) | (v->index == 0 ? APIC_BASE_BSP : 0);
		return 0;
	case MSR_MISC_ENABLE:
		/* Argon's own value, not the host's: not every CPU has this MSR
		 * (AMD's and some emulators' do not), and reading it there would
		 * fault in argon. */
		*val = MISC_ENABLE_GUEST;
		return 0;
	case MSR_MTRR_CAP:
		/* No variable or fixed ranges: memory types come from the nested
		 * tables and the guest's PAT, so MTRRs would change nothing. */
		*val = 0;
		return 0;
	case MSR_MTRR_DEF_TYPE:
		*val = v->mtrr_def_type;
		return 0;
	default:
		return -ERR_NOTSUP;
	}
}

int msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint64_t efer;

	switch (msr) {
	case MSR_EFER:
		if (val & ~(EFER_GUEST_WRITABLE | EFER_LMA))
			return -ERR_INVAL;
		efer = vcpu_ops->get_efer(v);
		/* LMA follows CR0.PG and LME; software cannot set it. */
		vcpu_ops->set_efer(v, (val & EFER_GUEST_WRITABLE) | (efer & EFER_LMA));
		return 0;
	case MSR_APIC_BASE:
		/* Writing back what it read is fine; leaving x2APIC mode or
		 * moving the APIC is not. */
		return ((rdmsr(msr) ^ val) & ~APIC_BASE_BSP) ? -ERR_NOTSUP : 0;
	case MSR_MISC_ENABLE:
		return val == MISC_ENABLE_GUEST ? 0 : -ERR_NOTSUP;
	case MSR_MTRR_DEF_TYPE:
		if (val & ~MTRR_DEF_TYPE_VALID)
			return -ERR_INVAL;
		v->mtrr_def_type = val;
		return 0;
	case MSR_X2APIC_ICR:
		return vlapic_icr_write(v, val);
	default:
		return -ERR_NOTSUP;
	}
}
