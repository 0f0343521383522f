#ifndef ARGON_VMM_CPUID_POLICY_H
#define ARGON_VMM_CPUID_POLICY_H

#include "vmm/cpu_policy.h"
#include "vmm/vcpu.h"
#include "vmm/x86.h"

/* The boot CPU as vmm/cpu_policy.c sees it. */
extern struct cpu_host cpu_host;

/* Reads what the policy needs of the host once (vendor, ARCH_CAPABILITIES)
 * and builds the list of directly reached MSRs; before any vCPU exists. */
void cpu_policy_init(void);

/* What CPUID returns to a guest (vmm/cpu_policy.c: cpuid_guest). */
struct cpuid_regs cpuid_policy(struct vcpu *v, uint32_t leaf, uint32_t subleaf);

#endif
