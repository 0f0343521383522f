#include "vmm/cpuid_policy.h"

#include "lib/bits.h"
#include "lib/string.h"

#define CPUID_1_ECX_VMX BIT(5)
#define CPUID_1_ECX_HYPERVISOR BIT(31)
#define CPUID_8000_0001_ECX_SVM BIT(2)
#define CPUID_HV_RANGE_END 0x400000FFu

struct cpuid_regs cpuid_policy(struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r = {0, 0, 0, 0};

	if (leaf >= ARGON_CPUID_BASE && leaf <= CPUID_HV_RANGE_END) {
		if (leaf == ARGON_CPUID_BASE) {
			const char *sig = ARGON_CPUID_SIGNATURE;

			r.eax = ARGON_CPUID_MAX;
			memcpy(&r.ebx, sig, 4);
			memcpy(&r.ecx, sig + 4, 4);
			memcpy(&r.edx, sig + 8, 4);
		} else if (leaf == ARGON_CPUID_BASE + 1) {
			r.eax = ARGON_ABI_VERSION;
		}
		return r;
	}
	r = cpuid(leaf, subleaf);
	switch (leaf) {
	case 1:
		r.ecx = (uint32_t)((r.ecx | CPUID_1_ECX_HYPERVISOR) & ~CPUID_1_ECX_VMX);
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
