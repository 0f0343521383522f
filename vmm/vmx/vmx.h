/* The VMX (Intel VT-x) backend, internal interface. */
#ifndef ARGON_VMM_VMX_VMX_H
#define ARGON_VMM_VMX_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/vcpu.h"
#include "vmm/vmx/vmcs.h"
#include "vmm/vmx/vmcs_check.h"

struct vmx_vcpu {
	void *vmcs;
	uint64_t vmcs_pa;
	uint8_t *msr_bitmap;
	uint8_t *io_bitmaps;
	bool launched;
	uint64_t entry_error; /* VM-instruction error of a failed VMLAUNCH/VMRESUME */
};

extern struct vmx_caps vmx_caps;
/* Requested break of one guest-state field before the first entry, to
 * show the VM-entry checker at work ("" for none); from argon's command
 * line, option vmx.break_entry=FIELD. */
extern char vmx_break_entry[32];

int vmx_probe(void);
int vmx_cpu_enable(struct pcpu *cpu);

/* VMLAUNCH (launched = 0) or VMRESUME into the current VMCS; returns 0
 * after a VM exit, 1 when the instruction itself failed. */
int vmx_enter(struct guest_regs *regs, int launched);

static inline int vmwrite(uint64_t field, uint64_t val)
{
	uint8_t fail;

	__asm__ volatile("vmwrite %[val], %[field]; setna %[fail]"
			 : [fail] "=qm"(fail)
			 : [field] "r"(field), [val] "rm"(val)
			 : "cc", "memory");
	return fail;
}

static inline uint64_t vmread(uint64_t field)
{
	uint64_t val = 0;

	/* "+": a failed VMREAD leaves the 0, as the checker's reader expects. */
	__asm__ volatile("vmread %[field], %[val]" : [val] "+rm"(val) : [field] "r"(field) : "cc");
	return val;
}

void vmx_decode_exit(struct vm_exit *e);
/* Runs the software VM-entry checker over the current VMCS and prints
 * every failure; returns the number of failures. */
unsigned vmx_check_current_vmcs(void);

#endif
