/* A software VM-entry checker: the checks of the Intel SDM chapter "VM
 * Entries" (26.2 controls and host state, 26.3 guest state) run over a
 * VMCS image, reporting every failing check by name and SDM section.
 * Pure: the VMCS is read through a callback (VMREAD on the machine, a table
 * in host tests).
 *
 * Section numbers are those of SDM editions where "VM Entries" is chapter
 * 26; current editions number the same sections one chapter later (27.2,
 * 27.3). The checker assumes what holds for argon: VM entry runs in 64-bit
 * mode (IA32_EFER.LMA = 1), outside SMM. Checks that need guest memory (the
 * VMCS-link revision ID, VTPR on the virtual-APIC page, PDPTEs loaded from
 * CR3 without EPT, MSR-load entries) are not made. */
#ifndef ARGON_VMM_VMX_VMCS_CHECK_H
#define ARGON_VMM_VMX_VMCS_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* The capability MSRs that decide what a VMCS may hold. pin/proc/exit/
 * entry are the effective allowed settings: the TRUE_* MSRs when
 * IA32_VMX_BASIC bit 55 is set, else the legacy ones. In each, bits 31:0
 * are the allowed-0 settings (a 1 there means the control must be 1) and
 * bits 63:32 the allowed-1 settings (a 0 there means it must be 0). */
struct vmx_caps {
	uint64_t basic;
	uint64_t pin, proc, proc2, exit, entry;
	uint64_t misc;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t ept_vpid;
	uint64_t vmfunc;
	unsigned maxphyaddr; /* CPUID.80000008H:EAX[7:0] */
	unsigned vaddr_bits; /* CPUID.80000008H:EAX[15:8]; 0 means 48 */
};

/* read() returns the field zero-extended to 64 bits, and 0 for a field
 * this CPU does not have (VMREAD fails). The checker reads a field only
 * when the controls make it relevant. */
struct vmcs_reader {
	uint64_t (*read)(void *ctx, uint32_t field);
	void *ctx;
};

#define VMCS_CHECK_MAX_FAILURES 32
#define VMCS_CHECK_DETAIL_MAX 112

struct vmcs_check_failure {
	const char *name;		    /* stable identifier, e.g. "guest.cr0.fixed_bits" */
	const char *sdm;		    /* SDM section, e.g. "26.3.1.1" */
	char detail[VMCS_CHECK_DETAIL_MAX]; /* the values involved */
};

struct vmcs_check_result {
	unsigned count; /* failures found (may exceed what f[] holds) */
	struct vmcs_check_failure f[VMCS_CHECK_MAX_FAILURES];
};

/* Runs every check; returns the number of failures (0: the entry checks
 * the SDM lists would pass). out->f[] keeps the first
 * VMCS_CHECK_MAX_FAILURES of them in check order: controls, host state,
 * guest state. */
unsigned vmcs_check_entry(const struct vmcs_reader *r, const struct vmx_caps *caps,
			  struct vmcs_check_result *out);

#endif
