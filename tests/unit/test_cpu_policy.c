/* The CPUID policy walked against the MSR policy on made-up CPUs: every
 * feature a guest sees has its MSRs working, every MSR a guest may touch
 * belongs to a feature it sees (or to the architecture), and hidden
 * features stay hidden with their MSRs refused. */
#include <stdlib.h>

#include "lib/err.h"
#include "tests/unit/check.h"
#include "vmm/cpu_policy.h"

/* A fake CPU: a function of (leaf, subleaf) built from a few knobs. */
struct fake_cpu {
	const char *vendor; /* 12 characters */
	uint32_t max_basic, max_ext;
	uint32_t fill; /* every feature register of a passed leaf */
	/* Topology: x2APIC id of "this core", SMT and core shifts. */
	uint32_t apic_id;
	unsigned smt_shift, core_shift;
};

static struct cpuid_regs fake_cpuid(const struct cpu_host *h, uint32_t leaf, uint32_t subleaf)
{
	const struct fake_cpu *c = h->data;
	struct cpuid_regs r = {c->fill, c->fill, c->fill, c->fill};

	if (leaf == 0 || leaf == 0x80000000u) {
		r.eax = leaf ? c->max_ext : c->max_basic;
		memcpy(&r.ebx, c->vendor, 4);
		memcpy(&r.edx, c->vendor + 4, 4);
		memcpy(&r.ecx, c->vendor + 8, 4);
		return r;
	}
	if (leaf == 0xB || leaf == 0x1F || leaf == 0x80000026u) {
		/* SMT, core, then the end. */
		r.edx = c->apic_id;
		if (subleaf == 0) {
			r.eax = c->smt_shift;
			r.ebx = 1u << c->smt_shift;
			r.ecx = 1u << 8;
		} else if (subleaf == 1) {
			r.eax = c->core_shift;
			r.ebx = 1u << c->core_shift;
			r.ecx = 2u << 8 | 1;
		} else {
			r.eax = 0;
			r.ebx = 0;
			r.ecx = subleaf;
		}
		return r;
	}
	if (leaf == 0x80000008u)
		r.ecx = c->core_shift << 12 | ((1u << c->core_shift) - 1);
	return r;
}

static struct fake_cpu intel_all = {"GenuineIntel", 0x24, 0x80000008u, ~0u, 5, 1, 6};
static struct fake_cpu amd_all = {"AuthenticAMD", 0x10, 0x80000026u, ~0u, 5, 1, 7};
static struct fake_cpu intel_none = {"GenuineIntel", 0xD, 0x80000008u, 0, 0, 0, 1};
static struct fake_cpu amd_none = {"AuthenticAMD", 0xD, 0x80000021u, 0, 0, 0, 1};

static struct cpu_host host_of(struct fake_cpu *c, bool cached)
{
	struct cpu_host h = {.cpuid = fake_cpuid, .data = c, .arch_caps = ~0ULL};

	h.vendor = c->vendor[0] == 'G' ? CPU_VENDOR_INTEL : CPU_VENDOR_AMD;
	if (cached)
		cpu_host_cache(&h);
	return h;
}

static struct fake_cpu *const cpus[] = {&intel_all, &amd_all, &intel_none, &amd_none};
#define NCPUS (sizeof(cpus) / sizeof(cpus[0]))

static uint32_t reg(struct cpuid_regs r, unsigned which)
{
	return which == CPUID_EAX   ? r.eax
	       : which == CPUID_EBX ? r.ebx
	       : which == CPUID_ECX ? r.ecx
				    : r.edx;
}

static bool covered_by_shown(const struct cpu_host *h, uint32_t msr, bool write)
{
	for (size_t i = 0; i < cpu_feature_msrs_count; i++) {
		const struct cpu_feature_msrs *f = &cpu_feature_msrs[i];

		if (!f->hide && msr >= f->msr && msr - f->msr < f->count &&
		    (write ? f->write : f->read) != MSR_GP && cpu_feature_shown(h, f))
			return true;
	}
	return false;
}

static bool in_passthrough(const struct msr_passthrough *l, int n, uint32_t msr, bool write)
{
	for (int i = 0; i < n; i++)
		if (msr >= l[i].msr && msr - l[i].msr < l[i].count &&
		    (write ? l[i].write : l[i].read))
			return true;
	return false;
}

/* A hidden feature's bit is clear in the guest's CPUID, whatever the host. */
static void test_hidden_features_cleared(void)
{
	for (size_t c = 0; c < NCPUS; c++) {
		struct cpu_host h = host_of(cpus[c], false);

		for (size_t i = 0; i < cpu_feature_msrs_count; i++) {
			const struct cpu_feature_msrs *f = &cpu_feature_msrs[i];
			struct cpuid_regs r;

			if (!f->hide)
				continue;
			r = cpuid_guest(&h, NULL, f->leaf, f->subleaf);
			if ((reg(r, f->reg) >> f->bit) & 1)
				fprintf(stderr, "host %zu shows hidden %s\n", c, f->name);
			CHECK(!((reg(r, f->reg) >> f->bit) & 1));
			CHECK(!cpu_feature_shown(&h, f));
		}
		/* No virtualization, the hypervisor bit, no PMU leaf. */
		CHECK(!(cpuid_guest(&h, NULL, 1, 0).ecx & (1u << 5)));
		/* KVM's leaf offers the extended destination id, nothing else. */
		CHECK_EQ(cpuid_guest(&h, NULL, 0x40000001u, 0).eax, 1u << 15);
		CHECK_EQ(cpuid_guest(&h, NULL, 0x40000001u, 0).edx, 0);
		CHECK(cpuid_guest(&h, NULL, 1, 0).ecx & (1u << 31));
		CHECK(!(cpuid_guest(&h, NULL, 0x80000001u, 0).ecx & (1u << 2)));
		CHECK_EQ(cpuid_guest(&h, NULL, 0xA, 0).eax, 0);
		CHECK_EQ(cpuid_guest(&h, NULL, 0x8000000Au, 0).edx, 0);
		CHECK_EQ(cpuid_guest(&h, NULL, 0x14, 0).ebx, 0);
	}
	/* A host that shows everything: what the guest keeps of leaf 6 and
	 * 8000_0007h is ARAT, APERF/MPERF and the invariant TSC. */
	struct cpu_host h = host_of(&intel_all, false);

	CHECK_EQ(cpuid_guest(&h, NULL, 6, 0).eax, 1u << 2);
	CHECK_EQ(cpuid_guest(&h, NULL, 6, 0).ecx, 1u << 0);
	CHECK_EQ(cpuid_guest(&h, NULL, 0x80000007u, 0).edx, 1u << 8);
}

/* Every MSR of a shown feature works as the row says: readable through the
 * policy (emulated reads succeed, direct ones are in the pass-through
 * list), and a writable one takes back the value it read. */
static void test_shown_features_have_their_msrs(void)
{
	for (size_t c = 0; c < NCPUS; c++) {
		struct cpu_host h = host_of(cpus[c], true);
		struct msr_passthrough list[64];
		int n = msr_passthrough_build(&h, list, 64);

		CHECK(cpus[c]->fill ? n > 0 : n == 0);
		for (size_t i = 0; i < cpu_feature_msrs_count; i++) {
			const struct cpu_feature_msrs *f = &cpu_feature_msrs[i];

			if (f->hide || !cpu_feature_shown(&h, f))
				continue;
			/* A shown feature's MSRs are usable one way or both
			 * (PRED_CMD and FLUSH_CMD are write-only, MTRRcap and
			 * ARCH_CAPABILITIES read-only). */
			if (f->count)
				CHECK(f->read != MSR_GP || f->write != MSR_GP);
			for (uint32_t m = f->msr; m < f->msr + f->count; m++) {
				uint64_t mtrr = MTRR_DEF_TYPE_RESET, val = 0;
				enum msr_how rd = msr_policy_how(&h, m, false);
				enum msr_how wr = msr_policy_how(&h, m, true);

				if (f->read != MSR_GP)
					CHECK(rd != MSR_GP);
				if (f->write != MSR_GP)
					CHECK(wr != MSR_GP);
				if (rd == MSR_DIRECT)
					CHECK(in_passthrough(list, n, m, false));
				if (wr == MSR_DIRECT)
					CHECK(in_passthrough(list, n, m, true));
				if (rd == MSR_EMULATED) {
					int err = msr_emulate_read(&h, &mtrr, m, &val);

					if (err)
						fprintf(stderr, "%s: read 0x%x fails\n", f->name,
							m);
					CHECK_EQ(err, 0);
				}
				if (wr == MSR_EMULATED) {
					int err = msr_emulate_write(&h, &mtrr, m, val);

					if (err)
						fprintf(stderr, "%s: write 0x%x fails\n", f->name,
							m);
					CHECK_EQ(err, 0);
				}
			}
		}
	}
}

/* The other way round: an MSR the guest may read or write, directly or
 * through argon, belongs to a feature its CPUID shows (or is
 * architectural); and argon's emulation has no case the table lacks. */
static void test_accepted_msrs_belong_to_shown_features(void)
{
	static const uint32_t ranges[][2] = {
		{0, 0x2000}, {0xC0000000u, 0xC0002000u}, {0xC0010000u, 0xC0012000u}};

	for (size_t c = 0; c < NCPUS; c++) {
		struct cpu_host h = host_of(cpus[c], true);
		struct msr_passthrough list[64];
		int n = msr_passthrough_build(&h, list, 64);

		for (size_t r = 0; r < 3; r++) {
			for (uint32_t m = ranges[r][0]; m < ranges[r][1]; m++) {
				uint64_t mtrr = MTRR_DEF_TYPE_RESET, val;
				bool emul_rd = !msr_emulate_read(&h, &mtrr, m, &val);

				for (int w = 0; w < 2; w++) {
					if (msr_policy_how(&h, m, w) != MSR_GP ||
					    in_passthrough(list, n, m, w)) {
						if (!covered_by_shown(&h, m, w))
							fprintf(stderr,
								"host %zu: MSR 0x%x %s "
								"without a shown feature\n",
								c, m, w ? "written" : "read");
						CHECK(covered_by_shown(&h, m, w));
					}
				}
				/* An emulated read with no row would be unreachable
				 * code, or a way around the table. */
				if (emul_rd) {
					bool row = false;

					for (size_t i = 0; i < cpu_feature_msrs_count; i++)
						row |= !cpu_feature_msrs[i].hide &&
						       cpu_feature_msrs[i].read == MSR_EMULATED &&
						       m >= cpu_feature_msrs[i].msr &&
						       m - cpu_feature_msrs[i].msr <
							       cpu_feature_msrs[i].count;
					if (!row)
						fprintf(stderr, "0x%x emulated without a row\n", m);
					CHECK(row);
				}
			}
		}
	}
}

/* Hidden features' MSRs are refused, unless a shown feature also names
 * them. */
static void test_hidden_msrs_refused(void)
{
	for (size_t c = 0; c < NCPUS; c++) {
		struct cpu_host h = host_of(cpus[c], true);

		for (size_t i = 0; i < cpu_feature_msrs_count; i++) {
			const struct cpu_feature_msrs *f = &cpu_feature_msrs[i];

			if (!f->hide)
				continue;
			for (uint32_t m = f->msr; m < f->msr + f->count; m++) {
				if (!covered_by_shown(&h, m, false))
					CHECK_EQ(msr_policy_how(&h, m, false), MSR_GP);
				if (!covered_by_shown(&h, m, true))
					CHECK_EQ(msr_policy_how(&h, m, true), MSR_GP);
			}
		}
	}
}

/* Cached and uncached answers agree. */
static void test_cache(void)
{
	for (size_t c = 0; c < NCPUS; c++) {
		struct cpu_host a = host_of(cpus[c], false), b = host_of(cpus[c], true);

		for (size_t i = 0; i < cpu_feature_msrs_count; i++)
			CHECK_EQ(cpu_feature_shown(&a, &cpu_feature_msrs[i]),
				 cpu_feature_shown(&b, &cpu_feature_msrs[i]));
	}
}

/* Machine checks: MCE and MCA shown, no banks, MCG_STATUS takes only 0. */
static void test_machine_check(void)
{
	for (size_t c = 0; c < NCPUS; c++) {
		struct cpu_host h = host_of(cpus[c], true);
		bool mca = cpuid_guest(&h, NULL, 1, 0).edx & (1u << 14);
		uint64_t mtrr = MTRR_DEF_TYPE_RESET, val = 1;

		CHECK_EQ(mca, cpus[c]->fill != 0);
		if (!mca) {
			CHECK_EQ(msr_policy_how(&h, MSR_MCG_CAP, false), MSR_GP);
			continue;
		}
		CHECK_EQ(msr_policy_how(&h, MSR_MCG_CAP, false), MSR_EMULATED);
		CHECK_EQ(msr_emulate_read(&h, &mtrr, MSR_MCG_CAP, &val), 0);
		CHECK_EQ(val, 0); /* count 0, no MCG_CTL_P */
		CHECK_EQ(msr_policy_how(&h, MSR_MCG_CAP, true), MSR_GP);
		CHECK_EQ(msr_policy_how(&h, 0x17B, false), MSR_GP); /* MCG_CTL */
		CHECK_EQ(msr_policy_how(&h, 0x400, false), MSR_GP); /* MC0_CTL */
		CHECK_EQ(msr_emulate_write(&h, &mtrr, MSR_MCG_STATUS, 0), 0);
		CHECK_EQ(msr_emulate_write(&h, &mtrr, MSR_MCG_STATUS, 1), -ERR_INVAL);
	}
}

/* Speculation controls on a host that has them: SPEC_CTRL both ways,
 * PRED_CMD and FLUSH_CMD write-only, all without exits. ARCH_CAPABILITIES
 * loses the bits that announce MSRs argon does not give. */
static void test_speculation_msrs(void)
{
	struct cpu_host h = host_of(&intel_all, true);
	struct msr_passthrough list[64];
	int n = msr_passthrough_build(&h, list, 64);
	uint64_t mtrr = MTRR_DEF_TYPE_RESET, caps;

	CHECK(in_passthrough(list, n, MSR_SPEC_CTRL, false));
	CHECK(in_passthrough(list, n, MSR_SPEC_CTRL, true));
	CHECK(!in_passthrough(list, n, MSR_PRED_CMD, false));
	CHECK(in_passthrough(list, n, MSR_PRED_CMD, true));
	CHECK(!in_passthrough(list, n, MSR_FLUSH_CMD, false));
	CHECK(in_passthrough(list, n, MSR_FLUSH_CMD, true));
	CHECK(in_passthrough(list, n, MSR_TSC, false));
	CHECK(!in_passthrough(list, n, MSR_TSC, true));
	CHECK_EQ(msr_emulate_read(&h, &mtrr, MSR_ARCH_CAPABILITIES, &caps), 0);
	CHECK(caps & (1u << 0));     /* RDCL_NO */
	CHECK(!(caps & (1u << 7)));  /* TSX_CTRL */
	CHECK(!(caps & (1u << 21))); /* XAPIC_DISABLE_STATUS */
	/* A host without them gives none. */
	h = host_of(&intel_none, true);
	n = msr_passthrough_build(&h, list, 64);
	CHECK(!in_passthrough(list, n, MSR_SPEC_CTRL, false));
	CHECK_EQ(msr_policy_how(&h, MSR_PRED_CMD, true), MSR_GP);
	CHECK_EQ(msr_policy_how(&h, MSR_ARCH_CAPABILITIES, false), MSR_GP);
	/* A list too short is an error, not a truncation. */
	h = host_of(&intel_all, true);
	CHECK_EQ(msr_passthrough_build(&h, list, 1), -ERR_NOSPC);
}

/* XSAVE: no MPX state, no supervisor state, XSS takes 0 only. */
static void test_xsave(void)
{
	struct cpu_host h = host_of(&intel_all, true);
	uint64_t mtrr = MTRR_DEF_TYPE_RESET;

	CHECK(!(cpuid_guest(&h, NULL, 0xD, 0).eax & 0x18));
	CHECK_EQ(cpuid_guest(&h, NULL, 0xD, 3).eax, 0);
	CHECK_EQ(cpuid_guest(&h, NULL, 0xD, 4).ebx, 0);
	CHECK(cpuid_guest(&h, NULL, 0xD, 2).eax != 0); /* AVX stays */
	CHECK_EQ(cpuid_guest(&h, NULL, 0xD, 1).ecx, 0);
	CHECK_EQ(cpuid_guest(&h, NULL, 0xD, 1).edx, 0);
	CHECK_EQ(msr_emulate_write(&h, &mtrr, MSR_XSS, 0), 0);
	CHECK_EQ(msr_emulate_write(&h, &mtrr, MSR_XSS, 1u << 8), -ERR_INVAL);
	CHECK_EQ(msr_emulate_write(&h, &mtrr, MSR_MTRR_DEF_TYPE, 0x806), 0);
	CHECK_EQ(msr_emulate_write(&h, &mtrr, MSR_MTRR_DEF_TYPE, 0x802), -ERR_INVAL);
	CHECK_EQ(mtrr, 0x806);
}

/* Topology: shifts and ids stay the host's; counts are of the guest's own
 * vCPUs. Host: SMT shift 1, core shift 6 (Intel) or 7 (AMD). */
static void test_topology(void)
{
	struct cpu_host h = host_of(&intel_all, true);
	/* Two threads of one core. */
	uint32_t siblings[] = {4, 5};
	struct cpuid_view v = {0, 5, siblings, 2};
	struct cpuid_regs r = cpuid_guest(&h, &v, 0xB, 0);

	CHECK_EQ(r.eax, 1);
	CHECK_EQ(r.ebx & 0xFFFF, 2);
	CHECK_EQ(r.ecx, 1u << 8);
	r = cpuid_guest(&h, &v, 0xB, 1);
	CHECK_EQ(r.eax, 6);
	CHECK_EQ(r.ebx & 0xFFFF, 2);
	CHECK_EQ(cpuid_guest(&h, &v, 0xB, 2).ebx, 0);
	CHECK_EQ(cpuid_guest(&h, &v, 0x1F, 0).ebx & 0xFFFF, 2);
	/* Two cores of one package. */
	uint32_t cores[] = {2, 4};
	struct cpuid_view w = {0, 4, cores, 2};

	CHECK_EQ(cpuid_guest(&h, &w, 0xB, 0).ebx & 0xFFFF, 1);
	CHECK_EQ(cpuid_guest(&h, &w, 0xB, 1).ebx & 0xFFFF, 2);
	/* Two packages (ids 64 apart with a core shift of 6). */
	uint32_t pkgs[] = {0, 64};
	struct cpuid_view p = {0, 64, pkgs, 2};

	CHECK_EQ(cpuid_guest(&h, &p, 0xB, 0).ebx & 0xFFFF, 1);
	CHECK_EQ(cpuid_guest(&h, &p, 0xB, 1).ebx & 0xFFFF, 1);
	/* AMD: 8000_0008h NC counts the guest's threads in the package,
	 * ApicIdSize stays; 8000_0026h as 0xB. */
	h = host_of(&amd_all, true);
	r = cpuid_guest(&h, &w, 0x80000008u, 0);
	CHECK_EQ((r.ecx >> 12) & 0xF, 7);
	CHECK_EQ(r.ecx & 0xFF, 1);
	CHECK_EQ(cpuid_guest(&h, &v, 0x80000026u, 0).ebx & 0xFFFF, 2);
	CHECK_EQ(cpuid_guest(&h, &p, 0x80000008u, 0).ecx & 0xFF, 1); /* 0 and 64 share 7 bits */
}

/* OSXSAVE and OSPKE follow the guest's CR4. */
static void test_cr4_bits(void)
{
	struct cpu_host h = host_of(&intel_all, true);
	struct cpuid_view off = {0, 0, NULL, 0}, on = {(1u << 18) | (1u << 22), 0, NULL, 0};

	CHECK(!(cpuid_guest(&h, &off, 1, 0).ecx & (1u << 27)));
	CHECK(cpuid_guest(&h, &on, 1, 0).ecx & (1u << 27));
	CHECK(!(cpuid_guest(&h, &off, 7, 0).ecx & (1u << 4)));
	CHECK(cpuid_guest(&h, &on, 7, 0).ecx & (1u << 4));
}

CHECK_MAIN(test_hidden_features_cleared, test_shown_features_have_their_msrs,
	   test_accepted_msrs_belong_to_shown_features, test_hidden_msrs_refused, test_cache,
	   test_machine_check, test_speculation_msrs, test_xsave, test_topology, test_cr4_bits)
