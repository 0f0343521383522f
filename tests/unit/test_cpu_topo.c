/* Host tests of the APIC id split (vmm/host/cpu_topo.c) against the CPUID
 * answers of machines described here. */
#include <stdint.h>
#include <string.h>

#include "tests/unit/check.h"
#include "vmm/host/cpu_topo.h"

#define VENDOR_INTEL 0x756E6547u /* "Genu" */
#define VENDOR_AMD 0x68747541u	 /* "Auth" */

struct leaf {
	uint32_t leaf, sub;
	uint32_t r[4];
};

struct machine {
	const struct leaf *leaves;
	size_t n;
};

static void fake_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	const struct machine *m = ctx;

	memset(r, 0, 4 * sizeof(*r));
	for (size_t i = 0; i < m->n; i++) {
		if (m->leaves[i].leaf == leaf && m->leaves[i].sub == sub) {
			memcpy(r, m->leaves[i].r, 4 * sizeof(*r));
			return;
		}
	}
}

static struct cpu_topo detect(const struct leaf *l, size_t n)
{
	struct machine m = {l, n};
	struct cpu_topo t;

	memset(&t, 0xAA, sizeof(t));
	cpu_topo_detect(fake_cpuid, &m, &t);
	return t;
}

#define DETECT(l) detect(l, sizeof(l) / sizeof(l[0]))

static void check_place(const struct cpu_topo *t, uint32_t id, uint32_t socket, uint32_t core,
			uint32_t thread)
{
	struct cpu_place p = cpu_topo_place(t, id);

	CHECK_EQ(p.socket, socket);
	CHECK_EQ(p.core, core);
	CHECK_EQ(p.thread, thread);
}

/* QEMU -smp 72,sockets=2,cores=18,threads=2: leaf 0xB, 1 thread bit, 5
 * core bits. CPU 70 in MADT order is socket 1's core 17, thread 0. */
static void test_leaf_b(void)
{
	static const struct leaf l[] = {
		{0, 0, {0xD, VENDOR_AMD, 0, 0}},
		{0xB, 0, {1, 2, 0x100, 98}},
		{0xB, 1, {6, 36, 0x201, 98}},
		{0xB, 2, {0, 0, 2, 98}},
	};
	struct cpu_topo t = DETECT(l);

	CHECK_EQ(t.smt_bits, 1);
	CHECK_EQ(t.pkg_shift, 6);
	CHECK_STR(t.source, "CPUID leaf 0xb");
	check_place(&t, 0, 0, 0, 0);
	check_place(&t, 1, 0, 0, 1);
	check_place(&t, 35, 0, 17, 1);
	check_place(&t, 98, 1, 17, 0);
	/* x2APIC ids far above 255, sparse. */
	check_place(&t, 0x1C5, 7, 2, 1);
}

/* Leaf 0x1F with a die level above the cores: the die bits belong to
 * the core number; the package starts above the die. 0x1F wins over 0xB. */
static void test_leaf_1f(void)
{
	static const struct leaf l[] = {
		{0, 0, {0x1F, VENDOR_INTEL, 0, 0}}, {0xB, 0, {1, 2, 0x100, 0}},
		{0xB, 1, {4, 16, 0x201, 0}},	    {0x1F, 0, {1, 2, 0x100, 0}},
		{0x1F, 1, {4, 16, 0x201, 0}},	    {0x1F, 2, {6, 64, 0x502, 0}},
	};
	struct cpu_topo t = DETECT(l);

	CHECK_EQ(t.smt_bits, 1);
	CHECK_EQ(t.pkg_shift, 6);
	CHECK_STR(t.source, "CPUID leaf 0x1f");
	check_place(&t, 0x75, 1, 0x1A, 1);
}

/* An AMD CPU without leaf 0xB: ApicIdCoreIdSize 7, two threads per core
 * (TOPOEXT). */
static void test_amd(void)
{
	static const struct leaf l[] = {
		{0, 0, {0xD, VENDOR_AMD, 0, 0}},       {0x80000000u, 0, {0x8000001Fu, 0, 0, 0}},
		{0x80000001u, 0, {0, 0, 1u << 22, 0}}, {0x80000008u, 0, {0, 0, 0x707F, 0}},
		{0x8000001Eu, 0, {0, 0x100, 0, 0}},
	};
	struct cpu_topo t = DETECT(l);

	CHECK_EQ(t.smt_bits, 1);
	CHECK_EQ(t.pkg_shift, 7);
	CHECK_STR(t.source, "CPUID leaves 0x80000008/0x8000001e");
	check_place(&t, 0x83, 1, 1, 1);

	/* Without TOPOEXT and with ApicIdCoreIdSize 0: NC + 1 = 6 cores,
	 * 3 bits, one thread each. */
	static const struct leaf old[] = {
		{0, 0, {0x5, VENDOR_AMD, 0, 0}},
		{0x80000000u, 0, {0x80000008u, 0, 0, 0}},
		{0x80000008u, 0, {0, 0, 5, 0}},
	};
	t = DETECT(old);
	CHECK_EQ(t.smt_bits, 0);
	CHECK_EQ(t.pkg_shift, 3);
	check_place(&t, 13, 1, 5, 0);
}

/* An old Intel CPU: leaf 1 says 16 logical CPUs per package, leaf 4 says
 * 8 cores. The AMD leaves are not read on Intel. */
static void test_legacy(void)
{
	static const struct leaf l[] = {
		{0, 0, {0x4, VENDOR_INTEL, 0, 0}},    {1, 0, {0, 16u << 16, 0, 1u << 28}},
		{4, 0, {(7u << 26) | 0x21, 0, 0, 0}}, {0x80000000u, 0, {0x80000008u, 0, 0, 0}},
		{0x80000008u, 0, {0, 0, 0, 0}},
	};
	struct cpu_topo t = DETECT(l);

	CHECK_EQ(t.smt_bits, 1);
	CHECK_EQ(t.pkg_shift, 4);
	CHECK_STR(t.source, "CPUID leaves 1/4");
	check_place(&t, 0x1B, 1, 5, 1);
}

/* Nothing to go by: each APIC id is a socket of its own. A bad leaf 0xB
 * (SMT above the package) falls through to the next source. */
static void test_none(void)
{
	static const struct leaf none[] = {{0, 0, {0, VENDOR_INTEL, 0, 0}}};
	static const struct leaf bad_b[] = {
		{0, 0, {0xB, VENDOR_INTEL, 0, 0}},
		{0xB, 0, {0, 0, 0, 0}},
		{1, 0, {0, 0, 0, 0}},
	};
	struct cpu_topo t = DETECT(none);

	CHECK_EQ(t.smt_bits, 0);
	CHECK_EQ(t.pkg_shift, 0);
	check_place(&t, 5, 5, 0, 0);
	t = DETECT(bad_b);
	CHECK_STR(t.source, "CPUID leaves 1/4");
	CHECK_EQ(t.pkg_shift, 0);
	check_place(&t, 0xFFFFFFFFu, 0xFFFFFFFFu, 0, 0);
}

CHECK_MAIN(test_leaf_b, test_leaf_1f, test_amd, test_legacy, test_none)
