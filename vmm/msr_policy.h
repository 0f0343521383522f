/* Which MSRs a guest reaches directly and how argon answers the rest: the
 * table in vmm/cpu_policy.c decides (docs/architecture.md has the list). */
#ifndef ARGON_VMM_MSR_POLICY_H
#define ARGON_VMM_MSR_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/cpu_policy.h"
#include "vmm/vcpu.h"

/* The runs of MSRs guests reach directly on this machine, for the
 * backends' MSR maps; filled by msr_policy_init(). */
extern struct msr_passthrough msr_passthrough_list[];
extern size_t msr_passthrough_count;

/* Builds msr_passthrough_list from the table (cpu_policy_init calls it). */
void msr_policy_init(void);

/* Puts the MSR state a vCPU owns back to its power-on values, on the
 * vCPU's own core before it first runs (and after a restart): emulated
 * registers, and the directly reached SPEC_CTRL and XSS. */
void msr_policy_vcpu_start(struct vcpu *v);

/* 0 and the value, or a negative code: the guest then gets #GP(0). */
int msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
int msr_write(struct vcpu *v, uint32_t msr, uint64_t val);

#endif
