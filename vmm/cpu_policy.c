#include "vmm/cpu_policy.h"

#include "lib/bits.h"
#include "lib/err.h"
#include "vmm/host/apic.h"
#include "vmm/guest_abi.h"
#include "vmm/guest_rules.h"

#define EAX CPUID_EAX
#define EBX CPUID_EBX
#define ECX CPUID_ECX
#define EDX CPUID_EDX
#define EXT(n) (0x80000000u + (n))

/* The table. Rows are grouped by leaf; "hide" rows name the MSRs that the
 * hidden feature would have implied, so that the unit test can check that
 * they stay refused. */
const struct cpu_feature_msrs cpu_feature_msrs[] = {
	/* Architectural, no CPUID bit. */
	{"EFER", CPU_GATE_ALWAYS, 0, 0, 0, false, MSR_EFER, 1, MSR_VCPU, MSR_VCPU},
	/* Reads 0, takes 0: no LBR, no BTF, no bus-lock #DB. */
	{"DEBUGCTL", CPU_GATE_ALWAYS, 0, 0, 0, false, MSR_DEBUGCTL, 1, MSR_EMULATED, MSR_EMULATED},
	{"MISC_ENABLE", CPU_GATE_INTEL, 0, 0, 0, false, MSR_MISC_ENABLE, 1, MSR_EMULATED,
	 MSR_EMULATED},
	/* Revision 0: argon does not tell guests the microcode level. */
	{"BIOS_SIGN_ID", CPU_GATE_INTEL, 0, 0, 0, false, MSR_UCODE_REV, 1, MSR_EMULATED,
	 MSR_EMULATED},

	/* Leaf 1 EDX. */
	{"TSC", 1, 0, EDX, 4, false, MSR_TSC, 1, MSR_DIRECT, MSR_GP},
	/* Machine checks: the architecture with no banks (docs/architecture.md). */
	{"MCE", 1, 0, EDX, 7, false, 0, 0, MSR_GP, MSR_GP},
	{"APIC", 1, 0, EDX, 9, false, MSR_APIC_BASE, 1, MSR_VCPU, MSR_VCPU},
	{"SEP", 1, 0, EDX, 11, false, MSR_SYSENTER_CS, 3, MSR_DIRECT, MSR_DIRECT},
	{"MTRR", 1, 0, EDX, 12, false, MSR_MTRR_CAP, 1, MSR_EMULATED, MSR_GP},
	{"MTRR", 1, 0, EDX, 12, false, MSR_MTRR_DEF_TYPE, 1, MSR_EMULATED, MSR_EMULATED},
	{"MCA", 1, 0, EDX, 14, false, MSR_MCG_CAP, 1, MSR_EMULATED, MSR_GP},
	{"MCA", 1, 0, EDX, 14, false, MSR_MCG_STATUS, 1, MSR_EMULATED, MSR_EMULATED},
	{"PAT", 1, 0, EDX, 16, false, MSR_PAT, 1, MSR_DIRECT, MSR_DIRECT},
	{"PSN", 1, 0, EDX, 18, true, 0x119, 1, MSR_GP, MSR_GP},
	{"DS", 1, 0, EDX, 21, true, 0x600, 1, MSR_GP, MSR_GP},
	{"ACPI", 1, 0, EDX, 22, true, 0x19A, 3, MSR_GP, MSR_GP},
	{"TM", 1, 0, EDX, 29, true, 0, 0, MSR_GP, MSR_GP},
	{"PBE", 1, 0, EDX, 31, true, 0, 0, MSR_GP, MSR_GP},
	/* Leaf 1 ECX. */
	{"DTES64", 1, 0, ECX, 2, true, 0, 0, MSR_GP, MSR_GP},
	/* MWAIT brings in Linux's intel_idle, which drives model-specific power
	 * MSRs (POWER_CTL, PKG_CST_CONFIG_CONTROL); guests idle with HLT, which
	 * stays on the core without an exit. */
	{"MONITOR", 1, 0, ECX, 3, true, 0, 0, MSR_GP, MSR_GP},
	{"VMX", 1, 0, ECX, 5, true, 0x480, 0x12, MSR_GP, MSR_GP},
	{"VMX", 1, 0, ECX, 5, true, 0x3A, 1, MSR_GP, MSR_GP},
	{"SMX", 1, 0, ECX, 6, true, 0x3A, 1, MSR_GP, MSR_GP},
	{"EIST", 1, 0, ECX, 7, true, 0x198, 2, MSR_GP, MSR_GP},
	{"TM2", 1, 0, ECX, 8, true, 0, 0, MSR_GP, MSR_GP},
	{"CNXT-ID", 1, 0, ECX, 10, true, 0, 0, MSR_GP, MSR_GP},
	{"SDBG", 1, 0, ECX, 11, true, 0xC80, 1, MSR_GP, MSR_GP},
	{"xTPR", 1, 0, ECX, 14, true, 0, 0, MSR_GP, MSR_GP},
	{"PDCM", 1, 0, ECX, 15, true, 0x345, 1, MSR_GP, MSR_GP},
	{"DCA", 1, 0, ECX, 18, true, 0x1F8, 3, MSR_GP, MSR_GP},
	{"x2APIC", 1, 0, ECX, 21, false, MSR_X2APIC_BASE, MSR_X2APIC_LVT_CMCI - MSR_X2APIC_BASE,
	 MSR_DIRECT, MSR_DIRECT},
	/* IPIs are checked and LVT delivery modes filtered (vmm/dev/vlapic.c):
	 * CMCI, then the ICR, then thermal, performance, LINT0/1 and error.
	 * The timer's LVT has no delivery mode and stays direct. */
	{"x2APIC", 1, 0, ECX, 21, false, MSR_X2APIC_LVT_CMCI, 2, MSR_DIRECT, MSR_VCPU},
	{"x2APIC", 1, 0, ECX, 21, false, MSR_X2APIC_ICR + 1, 2, MSR_DIRECT, MSR_DIRECT},
	{"x2APIC", 1, 0, ECX, 21, false, MSR_X2APIC_LVT_THERMAL, 5, MSR_DIRECT, MSR_VCPU},
	{"x2APIC", 1, 0, ECX, 21, false, MSR_X2APIC_LVT_ERROR + 1,
	 MSR_X2APIC_LAST - MSR_X2APIC_LVT_ERROR, MSR_DIRECT, MSR_DIRECT},
	{"TSC_DEADLINE", 1, 0, ECX, 24, false, MSR_TSC_DEADLINE, 1, MSR_DIRECT, MSR_DIRECT},

	/* Leaf 6: only ARAT and APERF/MPERF are shown (cpuid_guest). */
	{"DTS", 6, 0, EAX, 0, true, 0x19C, 1, MSR_GP, MSR_GP},
	{"PTM", 6, 0, EAX, 6, true, 0x1B1, 2, MSR_GP, MSR_GP},
	{"HWP", 6, 0, EAX, 7, true, 0x770, 8, MSR_GP, MSR_GP},
	/* The core's own counters: argon never reads them. */
	{"APERFMPERF", 6, 0, ECX, 0, false, MSR_MPERF, 2, MSR_DIRECT, MSR_DIRECT},
	{"EPB", 6, 0, ECX, 3, true, 0x1B0, 1, MSR_GP, MSR_GP},

	/* Leaf 7.0 EBX. */
	/* Writing it would move the TSC of a core argon also keeps time on. */
	{"TSC_ADJUST", 7, 0, EBX, 1, true, 0x3B, 1, MSR_GP, MSR_GP},
	{"SGX", 7, 0, EBX, 2, true, 0, 0, MSR_GP, MSR_GP},
	{"RDT_M", 7, 0, EBX, 12, true, 0xC8D, 3, MSR_GP, MSR_GP},
	{"MPX", 7, 0, EBX, 14, true, 0xD90, 1, MSR_GP, MSR_GP},
	{"RDT_A", 7, 0, EBX, 15, true, 0xC90, 0x10, MSR_GP, MSR_GP},
	{"PT", 7, 0, EBX, 25, true, 0x560, 0x13, MSR_GP, MSR_GP},
	/* Leaf 7.0 ECX. */
	{"WAITPKG", 7, 0, ECX, 5, true, 0xE1, 1, MSR_GP, MSR_GP},
	{"CET_SS", 7, 0, ECX, 7, true, 0x6A0, 9, MSR_GP, MSR_GP},
	{"TME", 7, 0, ECX, 13, true, 0x981, 2, MSR_GP, MSR_GP},
	{"RDPID", 7, 0, ECX, 22, false, MSR_TSC_AUX, 1, MSR_DIRECT, MSR_DIRECT},
	{"KL", 7, 0, ECX, 23, true, 0, 0, MSR_GP, MSR_GP},
	{"BUS_LOCK_DETECT", 7, 0, ECX, 24, true, 0, 0, MSR_GP, MSR_GP},
	{"SGX_LC", 7, 0, ECX, 30, true, 0x8C, 4, MSR_GP, MSR_GP},
	{"PKS", 7, 0, ECX, 31, true, 0x6E1, 1, MSR_GP, MSR_GP},
	/* Leaf 7.0 EDX. */
	{"SRBDS_CTRL", 7, 0, EDX, 9, true, 0x123, 1, MSR_GP, MSR_GP},
	{"TSX_FORCE_ABORT", 7, 0, EDX, 13, true, 0x10F, 1, MSR_GP, MSR_GP},
	{"PCONFIG", 7, 0, EDX, 18, true, 0, 0, MSR_GP, MSR_GP},
	{"ARCH_LBR", 7, 0, EDX, 19, true, 0x14CE, 2, MSR_GP, MSR_GP},
	{"CET_IBT", 7, 0, EDX, 20, true, 0x6A0, 9, MSR_GP, MSR_GP},
	/* Speculation controls: the core is the guest's alone, so they are its
	 * own to set (reset to 0 when a vCPU starts). */
	{"IBRS_IBPB", 7, 0, EDX, 26, false, MSR_SPEC_CTRL, 1, MSR_DIRECT, MSR_DIRECT},
	{"IBRS_IBPB", 7, 0, EDX, 26, false, MSR_PRED_CMD, 1, MSR_GP, MSR_DIRECT},
	{"STIBP", 7, 0, EDX, 27, false, MSR_SPEC_CTRL, 1, MSR_DIRECT, MSR_DIRECT},
	{"L1D_FLUSH", 7, 0, EDX, 28, false, MSR_FLUSH_CMD, 1, MSR_GP, MSR_DIRECT},
	/* The host's, less the bits that announce more MSRs. */
	{"ARCH_CAPABILITIES", 7, 0, EDX, 29, false, MSR_ARCH_CAPABILITIES, 1, MSR_EMULATED, MSR_GP},
	{"CORE_CAPABILITIES", 7, 0, EDX, 30, true, 0xCF, 1, MSR_GP, MSR_GP},
	{"SSBD", 7, 0, EDX, 31, false, MSR_SPEC_CTRL, 1, MSR_DIRECT, MSR_DIRECT},
	/* Leaf 7.1. */
	{"ARCH_PERFMON_EXT", 7, 1, EAX, 8, true, 0, 0, MSR_GP, MSR_GP},
	{"FRED", 7, 1, EAX, 17, true, 0x1CC, 9, MSR_GP, MSR_GP},
	{"HRESET", 7, 1, EAX, 22, true, 0x17DA, 1, MSR_GP, MSR_GP},
	{"MSRLIST", 7, 1, EAX, 27, true, 0, 0, MSR_GP, MSR_GP},
	{"CET_SSS", 7, 1, EDX, 18, true, 0, 0, MSR_GP, MSR_GP},

	/* Leaf 0xA: no PMU (the leaf is zero). */
	{"ARCH_PERFMON", 0xA, 0, EAX, 0, true, 0xC1, 8, MSR_GP, MSR_GP},
	{"ARCH_PERFMON", 0xA, 0, EAX, 0, true, 0x186, 8, MSR_GP, MSR_GP},
	{"ARCH_PERFMON", 0xA, 0, EAX, 0, true, 0x309, 3, MSR_GP, MSR_GP},
	{"ARCH_PERFMON", 0xA, 0, EAX, 0, true, 0x38D, 4, MSR_GP, MSR_GP},

	/* Leaf 0xD.1. XSS takes 0 only: 0xD.1 ECX/EDX list no supervisor state. */
	{"XSAVES", 0xD, 1, EAX, 3, false, MSR_XSS, 1, MSR_EMULATED, MSR_EMULATED},
	{"XFD", 0xD, 1, EAX, 4, true, 0x1C4, 2, MSR_GP, MSR_GP},

	/* 8000_0001h ECX. */
	{"SVM", EXT(1), 0, ECX, 2, true, 0xC0010114, 5, MSR_GP, MSR_GP},
	{"OSVW", EXT(1), 0, ECX, 9, true, 0xC0010140, 2, MSR_GP, MSR_GP},
	{"IBS", EXT(1), 0, ECX, 10, true, 0xC0011030, 0xB, MSR_GP, MSR_GP},
	{"SKINIT", EXT(1), 0, ECX, 12, true, 0, 0, MSR_GP, MSR_GP},
	{"WDT", EXT(1), 0, ECX, 13, true, 0xC0010074, 1, MSR_GP, MSR_GP},
	{"LWP", EXT(1), 0, ECX, 15, true, 0xC0000105, 2, MSR_GP, MSR_GP},
	{"PERFCTR_CORE", EXT(1), 0, ECX, 23, true, 0xC0010200, 0xC, MSR_GP, MSR_GP},
	{"PERFCTR_NB", EXT(1), 0, ECX, 24, true, 0xC0010240, 8, MSR_GP, MSR_GP},
	{"DBX", EXT(1), 0, ECX, 26, true, 0xC0011027, 1, MSR_GP, MSR_GP},
	{"PERFTSC", EXT(1), 0, ECX, 27, true, 0xC0010280, 1, MSR_GP, MSR_GP},
	{"PERFCTR_LLC", EXT(1), 0, ECX, 28, true, 0xC0010230, 8, MSR_GP, MSR_GP},
	/* 8000_0001h EDX: AMD repeats leaf 1's bits here. */
	{"MCE", EXT(1), 0, EDX, 7, false, 0, 0, MSR_GP, MSR_GP},
	{"SYSCALL", EXT(1), 0, EDX, 11, false, MSR_STAR, 4, MSR_DIRECT, MSR_DIRECT},
	{"MCA", EXT(1), 0, EDX, 14, false, MSR_MCG_CAP, 1, MSR_EMULATED, MSR_GP},
	{"MCA", EXT(1), 0, EDX, 14, false, MSR_MCG_STATUS, 1, MSR_EMULATED, MSR_EMULATED},
	{"RDTSCP", EXT(1), 0, EDX, 27, false, MSR_TSC_AUX, 1, MSR_DIRECT, MSR_DIRECT},
	{"LM", EXT(1), 0, EDX, 29, false, MSR_FS_BASE, 3, MSR_DIRECT, MSR_DIRECT},

	/* 8000_0007h: only the invariant TSC is shown (cpuid_guest). */
	{"HW_PSTATE", EXT(7), 0, EDX, 7, true, 0xC0010061, 8, MSR_GP, MSR_GP},
	{"CPB", EXT(7), 0, EDX, 9, true, 0, 0, MSR_GP, MSR_GP},
	{"EFF_FREQ_RO", EXT(7), 0, EDX, 10, true, 0xC00000E7, 2, MSR_GP, MSR_GP},

	/* 8000_0008h EBX. */
	{"IRPERF", EXT(8), 0, EBX, 1, true, 0xC00000E9, 1, MSR_GP, MSR_GP},
	{"INVLPGB", EXT(8), 0, EBX, 3, true, 0, 0, MSR_GP, MSR_GP},
	{"MBE", EXT(8), 0, EBX, 6, true, 0, 0, MSR_GP, MSR_GP},
	{"MCOMMIT", EXT(8), 0, EBX, 8, true, 0, 0, MSR_GP, MSR_GP},
	{"AMD_IBPB", EXT(8), 0, EBX, 12, false, MSR_PRED_CMD, 1, MSR_GP, MSR_DIRECT},
	{"AMD_IBRS", EXT(8), 0, EBX, 14, false, MSR_SPEC_CTRL, 1, MSR_DIRECT, MSR_DIRECT},
	{"AMD_STIBP", EXT(8), 0, EBX, 15, false, MSR_SPEC_CTRL, 1, MSR_DIRECT, MSR_DIRECT},
	{"AMD_PPIN", EXT(8), 0, EBX, 23, true, 0xC00102F0, 2, MSR_GP, MSR_GP},
	{"AMD_SSBD", EXT(8), 0, EBX, 24, false, MSR_SPEC_CTRL, 1, MSR_DIRECT, MSR_DIRECT},
	{"VIRT_SSBD", EXT(8), 0, EBX, 25, true, 0xC001011F, 1, MSR_GP, MSR_GP},
	{"CPPC", EXT(8), 0, EBX, 27, true, 0xC00102B0, 5, MSR_GP, MSR_GP},

	/* 8000_0021h EAX. */
	{"AUTOIBRS", EXT(0x21), 0, EAX, 8, true, 0, 0, MSR_GP, MSR_GP},
	{"PREFETCHI_CTL", EXT(0x21), 0, EAX, 13, true, 0xC0000108, 1, MSR_GP, MSR_GP},
	{"CPUID_USER_DIS", EXT(0x21), 0, EAX, 17, true, 0, 0, MSR_GP, MSR_GP},
};
const size_t cpu_feature_msrs_count = sizeof(cpu_feature_msrs) / sizeof(cpu_feature_msrs[0]);

/* ARCH_CAPABILITIES bits that only describe the CPU; the others announce
 * MSRs argon does not give (TSX_CTRL, MISC_PACKAGE_CTRLS, energy filtering,
 * DOITM, MCU_OPT_CTRL, XAPIC_DISABLE_STATUS, overclocking status). */
#define ARCH_CAPS_SHOWN                                                                    \
	(BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(8) | BIT(13) | \
	 BIT(14) | BIT(15) | BIT(17) | BIT(19) | BIT(20) | BIT(23) | BIT(25) | BIT(26) | BIT(27))

#define XFEATURE_MPX (BIT(3) | BIT(4))
#define CPUID_1_ECX_VMX BIT(5)
#define CPUID_1_ECX_OSXSAVE BIT(27)
#define CPUID_1_ECX_HYPERVISOR BIT(31)
#define CPUID_7_ECX_OSPKE BIT(4)
#define CR4_PKE BIT(22)
#define CPUID_6_EAX_ARAT BIT(2)
#define CPUID_6_ECX_APERFMPERF BIT(0)
#define CPUID_8000_0007_EDX_INVTSC BIT(8)
#define CPUID_HV_RANGE_START 0x40000000u
#define CPUID_HV_RANGE_END 0x4FFFFFFFu

/* Misc. enables as a guest finds them: fast strings on, no branch trace
 * store, no PEBS, MONITOR/MWAIT off (bit 18 clear, as CPUID says). */
#define MISC_ENABLE_GUEST (BIT(0) | BIT(11) | BIT(12))
#define MTRR_DEF_TYPE_VALID (BIT(11) | BIT(10) | 0xFFULL)
#define MTRR_TYPE_VALID(t) ((t) == 0 || (t) == 1 || (t) == 4 || (t) == 5 || (t) == 6)

static uint32_t *reg_of(struct cpuid_regs *r, unsigned reg)
{
	switch (reg) {
	case EAX:
		return &r->eax;
	case EBX:
		return &r->ebx;
	case ECX:
		return &r->ecx;
	default:
		return &r->edx;
	}
}

static struct cpuid_regs signature(uint32_t max_leaf, const char *sig)
{
	struct cpuid_regs r = {max_leaf, 0, 0, 0};

	__builtin_memcpy(&r.ebx, sig, 4);
	__builtin_memcpy(&r.ecx, sig + 4, 4);
	__builtin_memcpy(&r.edx, sig + 8, 4);
	return r;
}

/* The hypervisor range (guest_abi.h): a KVM signature first with only the
 * extended destination id as a feature, argon's own leaves at
 * ARGON_CPUID_BASE, zeros elsewhere. */
static struct cpuid_regs hypervisor_leaf(uint32_t leaf)
{
	struct cpuid_regs zero = {0, 0, 0, 0};

	switch (leaf) {
	case ARGON_CPUID_COMPAT_BASE:
		return signature(ARGON_CPUID_COMPAT_BASE + 1, ARGON_CPUID_COMPAT_SIGNATURE);
	case ARGON_CPUID_COMPAT_BASE + 1:
		zero.eax = ARGON_CPUID_COMPAT_FEATURES;
		return zero;
	case ARGON_CPUID_BASE:
		return signature(ARGON_CPUID_MAX, ARGON_CPUID_SIGNATURE);
	case ARGON_CPUID_BASE + 1:
		zero.eax = ARGON_ABI_VERSION;
		return zero;
	default:
		return zero;
	}
}

/* Leaves passed on (filtered below); every other one reads as zeros:
 * PSN (3), MONITOR (5), DCA (9), the PMU (0xA), RDT (0xF, 0x10), SGX (0x12), PT (0x14),
 * PCONFIG (0x1B), LBR (0x1C), SVM (8000_000Ah), IBS (8000_001Bh), SME/SEV
 * (8000_001Fh), PQoS (8000_0020h), PerfMonV2 (8000_0022h), and whatever
 * later CPUs add until someone looks at it. */
static const uint32_t leaves_passed[] = {
	0,	   1,	      2,	 4,	    6,	       7,	  0xB,	  0xD,
	0x15,	   0x16,      0x18,	 0x1A,	    0x1D,      0x1E,	  0x1F,	  EXT(0),
	EXT(1),	   EXT(2),    EXT(3),	 EXT(4),    EXT(5),    EXT(6),	  EXT(7), EXT(8),
	EXT(0x19), EXT(0x1A), EXT(0x1D), EXT(0x1E), EXT(0x21), EXT(0x26),
};

static bool leaf_passed(uint32_t leaf)
{
	for (size_t i = 0; i < sizeof(leaves_passed) / sizeof(leaves_passed[0]); i++)
		if (leaves_passed[i] == leaf)
			return true;
	return false;
}

/* How many of the guest's vCPUs share this vCPU's unit at a topology level
 * whose APIC id field is shift bits wide (at least this one). */
static uint32_t sharing(const struct cpuid_view *v, unsigned shift)
{
	uint32_t n = 0;

	if (!v || !v->ncpus)
		return 1;
	for (unsigned i = 0; i < v->ncpus; i++)
		if (((uint64_t)v->apic_ids[i] >> shift) == ((uint64_t)v->apic_id >> shift))
			n++;
	return n ? n : 1;
}

/* 0xB, 0x1F and AMD's 8000_0026h: each level's shift and type stay the
 * host's (the guest's cores keep their APIC ids, which must decompose as
 * on the host), and the count is of the guest's own vCPUs in that unit. */
static void topology_level(const struct cpuid_view *v, struct cpuid_regs *r)
{
	if (!bit_extract(r->ecx, 8, 8)) /* invalid level: the end */
		return;
	r->ebx = (uint32_t)bit_insert(r->ebx, sharing(v, r->eax & 0x1F), 0, 16);
}

/* The guest's leaf before topology and CR4: the host's, less what the
 * table and the leaf rules hide. */
static struct cpuid_regs filtered(const struct cpu_host *h, uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r = {0, 0, 0, 0};
	uint32_t max = h->cpuid(h, leaf & 0x80000000u, 0).eax;

	if (leaf > max || !leaf_passed(leaf))
		return r;
	r = h->cpuid(h, leaf, subleaf);
	for (size_t i = 0; i < cpu_feature_msrs_count; i++) {
		const struct cpu_feature_msrs *f = &cpu_feature_msrs[i];

		if (f->hide && f->leaf == leaf && f->subleaf == subleaf)
			*reg_of(&r, f->reg) &= ~(uint32_t)BIT(f->bit);
	}
	switch (leaf) {
	case 1:
		r.ecx |= (uint32_t)CPUID_1_ECX_HYPERVISOR;
		break;
	case 6:
		r.eax &= (uint32_t)CPUID_6_EAX_ARAT;
		r.ebx = 0;
		r.ecx &= (uint32_t)CPUID_6_ECX_APERFMPERF;
		r.edx = 0;
		break;
	case 7:
		if (subleaf > 2)
			r = (struct cpuid_regs){0, 0, 0, 0};
		break;
	case 0xD:
		if (subleaf == 0) {
			r.eax &= ~(uint32_t)XFEATURE_MPX;
		} else if (subleaf == 1) {
			r.ecx = 0; /* no supervisor state in XSS */
			r.edx = 0;
		} else if (subleaf < 64) {
			struct cpuid_regs s0 = filtered(h, 0xD, 0);
			uint64_t user = ((uint64_t)s0.edx << 32) | s0.eax;

			if (!(user & BIT(subleaf)))
				r = (struct cpuid_regs){0, 0, 0, 0};
		} else {
			r = (struct cpuid_regs){0, 0, 0, 0};
		}
		break;
	case EXT(7):
		r.eax = 0;
		r.ebx = 0;
		r.ecx = 0;
		r.edx &= (uint32_t)CPUID_8000_0007_EDX_INVTSC;
		break;
	case EXT(8):
		/* No PerfTsc size and, with INVLPGB hidden, no INVLPGB page
		 * count; RDPRU's highest register id (EDX[23:16]) stays. */
		r.ecx = (uint32_t)bit_insert(r.ecx, 0, 16, 2);
		r.edx = (uint32_t)bit_insert(r.edx, 0, 0, 16);
		break;
	default:
		break;
	}
	return r;
}

struct cpuid_regs cpuid_guest(const struct cpu_host *h, const struct cpuid_view *v, uint32_t leaf,
			      uint32_t subleaf)
{
	struct cpuid_regs r;

	if (leaf >= CPUID_HV_RANGE_START && leaf <= CPUID_HV_RANGE_END)
		return hypervisor_leaf(leaf);
	r = filtered(h, leaf, subleaf);
	switch (leaf) {
	case 1:
		/* OSXSAVE mirrors CR4, the guest's and not argon's: user code
		 * decides on XGETBV by it. */
		r.ecx &= ~(uint32_t)CPUID_1_ECX_OSXSAVE;
		if (v && (v->cr4 & CR4_OSXSAVE))
			r.ecx |= (uint32_t)CPUID_1_ECX_OSXSAVE;
		break;
	case 7:
		if (subleaf == 0) {
			r.ecx &= ~(uint32_t)CPUID_7_ECX_OSPKE;
			if (v && (v->cr4 & CR4_PKE))
				r.ecx |= (uint32_t)CPUID_7_ECX_OSPKE;
		}
		break;
	case 0xB:
	case 0x1F:
	case EXT(0x26):
		topology_level(v, &r);
		break;
	case EXT(8):
		/* NC counts the threads of the package; ApicIdSize (the width
		 * of their ids) stays the host's. When ApicIdSize is 0, NC is
		 * what gives the width and stays too. */
		if (bit_extract(r.ecx, 12, 4))
			r.ecx = (uint32_t)bit_insert(
				r.ecx, sharing(v, (unsigned)bit_extract(r.ecx, 12, 4)) - 1, 0, 8);
		break;
	default:
		break;
	}
	return r;
}

_Static_assert(sizeof(cpu_feature_msrs) / sizeof(cpu_feature_msrs[0]) <= CPU_FEATURE_ROWS_MAX,
	       "cpu_host.shown too small");

bool cpu_feature_shown(const struct cpu_host *h, const struct cpu_feature_msrs *f)
{
	struct cpuid_regs r;
	size_t row = (size_t)(f - cpu_feature_msrs);

	if (h->cached && row < cpu_feature_msrs_count)
		return (h->shown[row / 64] >> (row % 64)) & 1;
	switch (f->leaf) {
	case CPU_GATE_ALWAYS:
		return true;
	case CPU_GATE_INTEL:
		return h->vendor == CPU_VENDOR_INTEL;
	default:
		r = filtered(h, f->leaf, f->subleaf);
		return (*reg_of(&r, f->reg) >> f->bit) & 1;
	}
}

void cpu_host_cache(struct cpu_host *h)
{
	h->cached = false;
	for (size_t i = 0; i < CPU_FEATURE_ROWS_MAX / 64; i++)
		h->shown[i] = 0;
	for (size_t i = 0; i < cpu_feature_msrs_count; i++)
		if (cpu_feature_shown(h, &cpu_feature_msrs[i]))
			h->shown[i / 64] |= BIT(i % 64);
	h->cached = true;
}

enum msr_how msr_policy_how(const struct cpu_host *h, uint32_t msr, bool write)
{
	enum msr_how how = MSR_GP;

	for (size_t i = 0; i < cpu_feature_msrs_count; i++) {
		const struct cpu_feature_msrs *f = &cpu_feature_msrs[i];
		enum msr_how row = (enum msr_how)(write ? f->write : f->read);

		if (f->hide || msr < f->msr || msr - f->msr >= f->count || row == MSR_GP)
			continue;
		if (cpu_feature_shown(h, f) && (how == MSR_GP || row == MSR_DIRECT))
			how = row;
	}
	return how;
}

int msr_passthrough_build(const struct cpu_host *h, struct msr_passthrough *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < cpu_feature_msrs_count; i++) {
		const struct cpu_feature_msrs *f = &cpu_feature_msrs[i];
		bool rd = f->read == MSR_DIRECT, wr = f->write == MSR_DIRECT;
		bool dup = false;

		if (f->hide || !(rd || wr) || !cpu_feature_shown(h, f))
			continue;
		for (size_t j = 0; j < n; j++)
			dup |= out[j].msr == f->msr && out[j].count == f->count &&
			       out[j].read == rd && out[j].write == wr;
		if (dup)
			continue;
		if (n == max)
			return -ERR_NOSPC;
		out[n++] = (struct msr_passthrough){f->msr, f->count, rd, wr};
	}
	return (int)n;
}

int msr_emulate_read(const struct cpu_host *h, const uint64_t *mtrr_def_type, uint32_t msr,
		     uint64_t *val)
{
	switch (msr) {
	case MSR_DEBUGCTL:
	case MSR_XSS:
	case MSR_UCODE_REV:
	case MSR_MCG_CAP: /* no banks, no MCG_CTL, no extensions */
	case MSR_MCG_STATUS:
		*val = 0;
		return 0;
	case MSR_MISC_ENABLE:
		/* argon's own value, not the host's: not every CPU has this
		 * MSR, and reading it there would fault in argon. */
		*val = MISC_ENABLE_GUEST;
		return 0;
	case MSR_MTRR_CAP:
		/* No variable or fixed ranges: memory types come from the
		 * nested tables and the guest's PAT, so MTRRs change nothing. */
		*val = 0;
		return 0;
	case MSR_MTRR_DEF_TYPE:
		*val = *mtrr_def_type;
		return 0;
	case MSR_ARCH_CAPABILITIES:
		*val = h->arch_caps & ARCH_CAPS_SHOWN;
		return 0;
	default:
		return -ERR_NOTSUP;
	}
}

int msr_emulate_write(const struct cpu_host *h, uint64_t *mtrr_def_type, uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_DEBUGCTL:
	case MSR_XSS:
	case MSR_UCODE_REV:
	case MSR_MCG_STATUS:
		return val ? -ERR_INVAL : 0;
	case MSR_MISC_ENABLE:
		return val == MISC_ENABLE_GUEST ? 0 : -ERR_INVAL;
	case MSR_MTRR_DEF_TYPE:
		if ((val & ~MTRR_DEF_TYPE_VALID) || !MTRR_TYPE_VALID(val & 0xFF))
			return -ERR_INVAL;
		*mtrr_def_type = val;
		return 0;
	default:
		return -ERR_NOTSUP;
	}
}
