/* CPU topology from CPUID (Intel SDM vol 2A, CPUID leaves 0BH and 1FH;
 * AMD APM vol 3, E.4.7 and E.4.15). */
#include "vmm/host/cpu_topo.h"

#include <stdbool.h>

#define LEVEL_TYPE_SMT 1u
#define LEVEL_TYPE_INVALID 0u
#define MAX_LEVELS 8u
#define CPUID_1_EDX_HTT (1u << 28)
#define CPUID_8000_0001_ECX_TOPOEXT (1u << 22)
#define VENDOR_EBX_AMD 0x68747541u   /* "Auth" of AuthenticAMD */
#define VENDOR_EBX_HYGON 0x6F677948u /* "Hygo" of HygonGenuine */

/* Bits needed to number n things (n >= 1): ceil(log2(n)). */
static unsigned bits_for(uint32_t n)
{
	unsigned b = 0;

	while (b < 32 && (1ull << b) < n)
		b++;
	return b;
}

/* Leaf 0xB or 0x1F: one subleaf per level, lowest first; EAX[4:0] is the
 * shift to the next level's id, ECX[15:8] the level's type. The SMT level
 * gives the thread bits; the last valid level's shift is the package's. */
static bool from_extended_leaf(cpu_topo_cpuid_fn cpuid, void *ctx, uint32_t leaf,
			       struct cpu_topo *t)
{
	uint32_t r[4];
	unsigned smt = 0, pkg = 0;
	bool any = false;

	for (uint32_t sub = 0; sub < MAX_LEVELS; sub++) {
		uint32_t type, shift;

		cpuid(ctx, leaf, sub, r);
		type = (r[2] >> 8) & 0xFF;
		shift = r[0] & 0x1F;
		if (type == LEVEL_TYPE_INVALID || r[1] == 0)
			break;
		if (type == LEVEL_TYPE_SMT)
			smt = shift;
		pkg = shift;
		any = true;
	}
	if (!any || smt > pkg)
		return false;
	t->smt_bits = smt;
	t->pkg_shift = pkg;
	return true;
}

/* AMD: 0x80000008 ECX[15:12] is the number of APIC id bits below the
 * socket (0: use ECX[7:0] + 1 cores); with TOPOEXT, 0x8000001E EBX[15:8]
 * + 1 threads share a core. */
static bool from_amd_leaves(cpu_topo_cpuid_fn cpuid, void *ctx, struct cpu_topo *t)
{
	uint32_t r[4], threads = 1;
	unsigned pkg;

	cpuid(ctx, 0x80000000u, 0, r);
	if (r[0] < 0x80000008u)
		return false;
	cpuid(ctx, 0x80000008u, 0, r);
	pkg = (r[2] >> 12) & 0xF;
	if (!pkg)
		pkg = bits_for((r[2] & 0xFF) + 1);
	cpuid(ctx, 0x80000001u, 0, r);
	if (r[2] & CPUID_8000_0001_ECX_TOPOEXT) {
		cpuid(ctx, 0x80000000u, 0, r);
		if (r[0] >= 0x8000001Eu) {
			cpuid(ctx, 0x8000001Eu, 0, r);
			threads = ((r[1] >> 8) & 0xFF) + 1;
		}
	}
	t->smt_bits = bits_for(threads);
	if (t->smt_bits > pkg)
		return false;
	t->pkg_shift = pkg;
	return true;
}

/* Leaf 1 EBX[23:16]: addressable logical processors per package (with
 * HTT); leaf 4 EAX[31:26] + 1: addressable cores per package. */
static void from_legacy_leaves(cpu_topo_cpuid_fn cpuid, void *ctx, uint32_t max_leaf,
			       struct cpu_topo *t)
{
	uint32_t r[4], logical = 1, cores = 1;

	cpuid(ctx, 1, 0, r);
	if (r[3] & CPUID_1_EDX_HTT)
		logical = (r[1] >> 16) & 0xFF;
	if (max_leaf >= 4) {
		cpuid(ctx, 4, 0, r);
		if (r[0] & 0x1F)
			cores = (r[0] >> 26) + 1;
	}
	t->pkg_shift = bits_for(logical ? logical : 1);
	t->smt_bits = bits_for(logical > cores ? logical / cores : 1);
	if (t->smt_bits > t->pkg_shift)
		t->smt_bits = t->pkg_shift;
}

void cpu_topo_detect(cpu_topo_cpuid_fn cpuid, void *ctx, struct cpu_topo *t)
{
	uint32_t vendor[4], max_leaf;

	cpuid(ctx, 0, 0, vendor);
	max_leaf = vendor[0];
	t->smt_bits = 0;
	t->pkg_shift = 0;
	if (max_leaf >= 0x1F && from_extended_leaf(cpuid, ctx, 0x1F, t)) {
		t->source = "CPUID leaf 0x1f";
		return;
	}
	if (max_leaf >= 0xB && from_extended_leaf(cpuid, ctx, 0xB, t)) {
		t->source = "CPUID leaf 0xb";
		return;
	}
	if ((vendor[1] == VENDOR_EBX_AMD || vendor[1] == VENDOR_EBX_HYGON) &&
	    from_amd_leaves(cpuid, ctx, t)) {
		t->source = "CPUID leaves 0x80000008/0x8000001e";
		return;
	}
	if (max_leaf >= 1) {
		from_legacy_leaves(cpuid, ctx, max_leaf, t);
		t->source = "CPUID leaves 1/4";
		return;
	}
	t->source = "no CPUID topology";
}

struct cpu_place cpu_topo_place(const struct cpu_topo *t, uint32_t apic_id)
{
	uint64_t id = apic_id;
	struct cpu_place p;

	p.thread = (uint32_t)(id & ((1ull << t->smt_bits) - 1));
	p.core = (uint32_t)((id >> t->smt_bits) & ((1ull << (t->pkg_shift - t->smt_bits)) - 1));
	p.socket = (uint32_t)(id >> t->pkg_shift);
	return p;
}
