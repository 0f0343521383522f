/* Which MSRs a guest reaches directly and how argon answers the rest
 * (docs/architecture.md has the table). */
#ifndef ARGON_VMM_MSR_POLICY_H
#define ARGON_VMM_MSR_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/vcpu.h"

/* A run of MSRs [msr, msr + count) that the guest reads directly, and
 * writes too when write is set. */
struct msr_passthrough {
	uint32_t msr;
	uint32_t count;
	bool write;
};

extern const struct msr_passthrough msr_passthrough_list[];
extern const size_t msr_passthrough_count;

/* IA32_MTRR_DEF_TYPE as a guest finds it: MTRRs on, default write-back. */
#define MTRR_DEF_TYPE_RESET 0x806ULL

/* 0 and the value, or a negative code: the guest then gets #GP(0). */
int msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
int msr_write(struct vcpu *v, uint32_t msr, uint64_t val);

#endif
