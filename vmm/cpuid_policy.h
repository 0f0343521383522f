#ifndef ARGON_VMM_CPUID_POLICY_H
#define ARGON_VMM_CPUID_POLICY_H

#include "vmm/vcpu.h"
#include "vmm/x86.h"

/* What CPUID returns to a guest: the host's answer with virtualization
 * hidden and the hypervisor bit set, plus argon's leaves at 0x40000000. */
struct cpuid_regs cpuid_policy(struct vcpu *v, uint32_t leaf, uint32_t subleaf);

#endif
