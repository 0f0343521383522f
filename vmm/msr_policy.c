#include "vmm/msr_policy.h"

#include "lib/err.h"
#include "vmm/x86.h"

#define MSR_MISC_ENABLE 0x1A0u
#define EFER_GUEST_WRITABLE (EFER_SCE | EFER_LME | EFER_NXE)

/* State the backends switch with the guest (VMLOAD/VMSAVE, VMCS fields),
 * so direct access touches only the guest's own copy. */
const struct msr_passthrough msr_passthrough_list[] = {
	{MSR_FS_BASE, true},	  {MSR_GS_BASE, true},	   {MSR_KERNEL_GS_BASE, true},
	{MSR_STAR, true},	  {MSR_LSTAR, true},	   {MSR_CSTAR, true},
	{MSR_SFMASK, true},	  {MSR_SYSENTER_CS, true}, {MSR_SYSENTER_ESP, true},
	{MSR_SYSENTER_EIP, true}, {MSR_PAT, true},	   {MSR_TSC, false},
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
	case MSR_MISC_ENABLE:
		/* Read-only views of the host's values. */
		*val = rdmsr(msr);
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
	case MSR_MISC_ENABLE:
		return rdmsr(msr) == val ? 0 : -ERR_NOTSUP;
	default:
		return -ERR_NOTSUP;
	}
}
