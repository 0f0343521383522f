/* What a guest's CPUID says and which MSRs it may use, decided together
 * from one table (docs/architecture.md, "CPUID and MSRs"): a CPUID feature
 * that implies MSRs is either shown with those MSRs working, or hidden.
 * Pure logic: the host's CPUID comes through struct cpu_host, so host unit
 * tests run the policy on made-up CPUs. */
#ifndef ARGON_VMM_CPU_POLICY_H
#define ARGON_VMM_CPU_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/x86.h"

enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

enum cpu_vendor { CPU_VENDOR_OTHER, CPU_VENDOR_INTEL, CPU_VENDOR_AMD };

#define CPU_FEATURE_ROWS_MAX 192

/* The host CPU as the policy sees it: CPUID answers on the calling CPU
 * (argon asks on the guest's own core, so per-core fields such as APIC ids
 * are that core's), and the MSR values read once at boot. */
struct cpu_host {
	struct cpuid_regs (*cpuid)(const struct cpu_host *h, uint32_t leaf, uint32_t subleaf);
	const void *data; /* for cpuid (tests: a table of answers) */
	enum cpu_vendor vendor;
	uint64_t arch_caps; /* IA32_ARCH_CAPABILITIES, 0 if the CPU has none */
	/* Which rows are shown, once cpu_host_cache() has run: MSR exits then
	 * cost no CPUID. */
	bool cached;
	uint64_t shown[CPU_FEATURE_ROWS_MAX / 64];
};

/* Fills h->shown from the table and sets h->cached. */
void cpu_host_cache(struct cpu_host *h);

/* Gates of MSRs that no CPUID bit announces (the leaf of a table row). */
#define CPU_GATE_ALWAYS 0xFFFFFFFFu /* every x86-64 CPU */
#define CPU_GATE_INTEL 0xFFFFFFFEu  /* Intel's architectural MSRs */

/* How a guest reaches an MSR. */
enum msr_how {
	MSR_GP,	      /* refused: #GP(0) */
	MSR_DIRECT,   /* the real register, no exit */
	MSR_EMULATED, /* argon answers (msr_emulate_read/write) */
	MSR_VCPU,     /* argon answers from the vCPU's state (vmm/msr_policy.c) */
};

/* One row: a CPUID feature bit and a run of MSRs [msr, msr + count) it
 * implies (count 0: none worth naming). A hidden feature is cleared from the
 * guest's CPUID; a shown one gives its MSRs as read/write say. Several rows
 * may name one MSR (SPEC_CTRL: IBRS, STIBP, SSBD on both vendors); it is
 * usable when any of them is shown. */
struct cpu_feature_msrs {
	const char *name;
	uint32_t leaf, subleaf;
	uint8_t reg, bit;
	bool hide;
	uint32_t msr, count;
	uint8_t read, write; /* enum msr_how, for a shown feature */
};

extern const struct cpu_feature_msrs cpu_feature_msrs[];
extern const size_t cpu_feature_msrs_count;

/* The per-vCPU facts a guest's CPUID depends on. */
struct cpuid_view {
	uint64_t cr4;		  /* the guest's CR4: OSXSAVE, OSPKE */
	uint32_t apic_id;	  /* this vCPU's core */
	const uint32_t *apic_ids; /* every vCPU's core, as the MADT lists them */
	unsigned ncpus;
};

/* The guest's answer to CPUID(leaf, subleaf). */
struct cpuid_regs cpuid_guest(const struct cpu_host *h, const struct cpuid_view *v, uint32_t leaf,
			      uint32_t subleaf);

/* Whether the guest's CPUID shows a row's feature (or the gate is met). */
bool cpu_feature_shown(const struct cpu_host *h, const struct cpu_feature_msrs *f);

/* How the guest reaches an MSR: the most a shown row gives. */
enum msr_how msr_policy_how(const struct cpu_host *h, uint32_t msr, bool write);

/* A run of MSRs [msr, msr + count) that the guest reaches directly. */
struct msr_passthrough {
	uint32_t msr;
	uint32_t count;
	bool read, write;
};

/* Fills out with the direct runs of the shown rows; returns how many, or
 * -ERR_NOSPC when max is too small. */
int msr_passthrough_build(const struct cpu_host *h, struct msr_passthrough *out, size_t max);

/* IA32_MTRR_DEF_TYPE as a guest finds it: MTRRs on, default write-back. */
#define MTRR_DEF_TYPE_RESET 0x806ULL

/* The emulated MSRs that need no vCPU but its MTRR default type: 0 and the
 * value, or -ERR_NOTSUP for an MSR argon does not emulate here, or
 * -ERR_INVAL for a value the register does not take (both #GP). They do
 * not check the gate: msr_policy_how() does. */
int msr_emulate_read(const struct cpu_host *h, const uint64_t *mtrr_def_type, uint32_t msr,
		     uint64_t *val);
int msr_emulate_write(const struct cpu_host *h, uint64_t *mtrr_def_type, uint32_t msr,
		      uint64_t val);

#define MSR_SPEC_CTRL 0x48u
#define MSR_PRED_CMD 0x49u
#define MSR_ARCH_CAPABILITIES 0x10Au
#define MSR_FLUSH_CMD 0x10Bu
#define MSR_XSS 0xDA0u
#define MSR_DEBUGCTL 0x1D9u
#define MSR_MISC_ENABLE 0x1A0u
#define MSR_MPERF 0xE7u
#define MSR_MTRR_CAP 0xFEu
#define MSR_MTRR_DEF_TYPE 0x2FFu
#define MSR_UCODE_REV 0x8Bu
#define MSR_MCG_CAP 0x179u
#define MSR_MCG_STATUS 0x17Au

#endif
