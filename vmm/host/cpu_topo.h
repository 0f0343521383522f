/* How a CPU's APIC id splits into socket, core and thread, from the CPUID
 * topology leaves. Pure: CPUID is read through a callback, so host tests
 * feed it the answers of machines they describe. */
#ifndef ARGON_VMM_CPU_TOPO_H
#define ARGON_VMM_CPU_TOPO_H

#include <stdint.h>

/* thread = the low smt_bits of the APIC id; core = the bits from smt_bits
 * up to pkg_shift (dies and modules, where a CPU has them, count as part
 * of the core number); socket = the bits from pkg_shift up. */
struct cpu_topo {
	unsigned smt_bits;
	unsigned pkg_shift;
	const char *source; /* the CPUID leaf it came from, for the boot log */
};

/* One CPUID query: r = EAX, EBX, ECX, EDX of (leaf, subleaf). */
typedef void (*cpu_topo_cpuid_fn)(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t r[4]);

/* Reads the split from leaf 0x1F, else 0xB (Intel, and AMD where offered),
 * else 0x80000008/0x8000001E (AMD), else leaves 1 and 4. A CPU that
 * offers none of them gives socket = APIC id, core = thread = 0. */
void cpu_topo_detect(cpu_topo_cpuid_fn cpuid, void *ctx, struct cpu_topo *t);

struct cpu_place {
	uint32_t socket, core, thread;
};

struct cpu_place cpu_topo_place(const struct cpu_topo *t, uint32_t apic_id);

#endif
