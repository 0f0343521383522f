#include "vmm/cpuid_policy.h"

#include "lib/bits.h"
#include "lib/string.h"

#define CPUID_1_ECX_VMX BIT(5)
#define CPUID_1_ECX_HYPERVISOR BIT(31)
#define CPUID_1_ECX_OSXSAVE BIT(27)
#define CPUID_7_ECX_OSPKE BIT(4)
#define CR4_PKE BIT(22)
#define CPUID_8000_0001_ECX_SVM BIT(2)
#define CPUID_HV_RANGE_START 0x40000000u
#define CPUID_HV_RANGE_END 0x4FFFFFFFu

static struct cpuid_regs signature(uint32_t max_leaf, const char *sig)
{
	struct cpuid_regs r = {max_leaf, 0, 0, 0};

	memcpy(&r.ebx, sig, 4);
	memcpy(&r.ecx, sig + 4, 4);
	memcpy(&r.edx, sig + 8, 4);
	return r;
}

/* The hypervisor range (guest_abi.h): a feature-less KVM signature first,
 * argon's own leaves at ARGON_CPUID_BASE, zeros elsewhere. */
static struct cpuid_regs hypervisor_leaf(uint32_t leaf)
{
	struct cpuid_regs zero = {0, 0, 0, 0};

	switch (leaf) {
	case ARGON_CPUID_COMPAT_BASE:
		return signature(ARGON_CPUID_COMPAT_BASE + 1, ARGON_CPUID_COMPAT_SIGNATURE);
	case ARGON_CPUID_BASE:
		return signature(ARGON_CPUID_MAX, ARGON_CPUID_SIGNATURE);
	case ARGON_CPUID_BASE + 1:
		zero.eax = ARGON_ABI_VERSION;
		return zero;
	default:
		return zero;
	}
}

struct cpuid_regs cpuid_policy(struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	if (leaf >= CPUID_HV_RANGE_START && leaf <= CPUID_HV_RANGE_END)
		return hypervisor_leaf(leaf);
	r = cpuid(leaf, subleaf);
	switch (leaf) {
	case 1:
		r.ecx = (uint32_t)((r.ecx | CPUID_1_ECX_HYPERVISOR) & ~CPUID_1_ECX_VMX);
		/* OSXSAVE and OSPKE mirror CR4, the guest's and not argon's:
		 * user code decides on XGETBV and RDPKRU by them. */
		r.ecx = (uint32_t)(r.ecx & ~CPUID_1_ECX_OSXSAVE);
		if (vcpu_ops->get_cr(v, 4) & CR4_OSXSAVE)
			r.ecx |= CPUID_1_ECX_OSXSAVE;
		break;
	case 7:
		if (subleaf == 0) {
			r.ecx = (uint32_t)(r.ecx & ~CPUID_7_ECX_OSPKE);
			if (vcpu_ops->get_cr(v, 4) & CR4_PKE)
				r.ecx |= CPUID_7_ECX_OSPKE;
		}
		break;
	case 0x80000001u:
		r.ecx = (uint32_t)(r.ecx & ~CPUID_8000_0001_ECX_SVM);
		break;
	case 0x8000000Au: /* SVM features: none for guests */
		r = (struct cpuid_regs){0, 0, 0, 0};
		break;
	default:
		break;
	}
	return r;
}
