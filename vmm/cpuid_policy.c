#include "vmm/cpuid_policy.h"

#include "lib/bits.h"
#include "vmm/host/cpu.h"
#include "vmm/guest.h"
#include "vmm/msr_policy.h"

#define CPUID_7_EDX_ARCH_CAPABILITIES BIT(29)

static struct cpuid_regs host_cpuid(const struct cpu_host *h, uint32_t leaf, uint32_t subleaf)
{
	return cpuid(leaf, subleaf);
}

struct cpu_host cpu_host = {.cpuid = host_cpuid};

static bool vendor_is(const struct cpuid_regs *r, const char *sig)
{
	return !__builtin_memcmp(&r->ebx, sig, 4) && !__builtin_memcmp(&r->edx, sig + 4, 4) &&
	       !__builtin_memcmp(&r->ecx, sig + 8, 4);
}

void cpu_policy_init(void)
{
	struct cpuid_regs r = cpuid(0, 0);

	cpu_host.vendor = vendor_is(&r, "GenuineIntel")	  ? CPU_VENDOR_INTEL
			  : vendor_is(&r, "AuthenticAMD") ? CPU_VENDOR_AMD
							  : CPU_VENDOR_OTHER;
	if (r.eax >= 7 && (cpuid(7, 0).edx & CPUID_7_EDX_ARCH_CAPABILITIES))
		cpu_host.arch_caps = rdmsr(MSR_ARCH_CAPABILITIES);
	cpu_host_cache(&cpu_host);
	msr_policy_init();
}

struct cpuid_regs cpuid_policy(struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
	const struct guest *g = v->guest;
	uint32_t ids[GUEST_MAX_VCPUS];
	struct cpuid_view view = {vcpu_ops->get_cr(v, 4), v->pcpu->apic_id, ids, 0};

	while (view.ncpus < g->vcpu_count && view.ncpus < GUEST_MAX_VCPUS) {
		ids[view.ncpus] = g->vcpus[view.ncpus].pcpu->apic_id;
		view.ncpus++;
	}
	return cpuid_guest(&cpu_host, &view, leaf, subleaf);
}
