/* The rules a value a guest writes must pass before argon puts it into
 * real hardware on the guest's behalf (the x2APIC ICR and LVTs, XCR0).
 * Pure functions: a value that passes cannot make argon's own WRMSR or
 * XSETBV fault; one that does not is either refused with the fault the
 * architecture gives the guest, or rewritten so that it stays on the
 * guest's core. */
#ifndef ARGON_VMM_GUEST_RULES_H
#define ARGON_VMM_GUEST_RULES_H

#include <stdbool.h>
#include <stdint.h>

/* x2APIC ICR bits that are reserved (SDM vol 3, 11.12.9: delivery status
 * and bits 13, 16-17, 20-31 are gone in x2APIC mode; a WRMSR with any of
 * them set is a #GP). */
#define ICR_X2APIC_RESERVED 0xFFF33000u

enum icr_action {
	ICR_SEND,	/* `low` to each target, one physical message each */
	ICR_SEND_ONE,	/* `low` to the first target (lowest priority) */
	ICR_START_INIT, /* INIT assert: the targets wait for a SIPI */
	ICR_START_SIPI, /* SIPI with `vector` */
	ICR_IGNORE,	/* nothing to do (INIT de-assert) */
	ICR_DROP,	/* refused message: `why` names it */
};

struct icr_msg {
	enum icr_action action;
	uint32_t low;	    /* the ICR's low half argon writes, physical, no shorthand */
	uint32_t shorthand; /* ICR_SHORTHAND_* */
	uint32_t dest;	    /* bits 63:32 */
	bool logical;
	uint8_t vector;
	const char *why; /* for ICR_DROP */
};

/* Decodes a guest's ICR write. -ERR_INVAL: reserved bits set (#GP for the
 * guest); otherwise 0 and *m says what to do. */
int icr_decode(uint64_t icr, struct icr_msg *m);

/* x2APIC LVT registers that argon filters (the timer's stays direct). */
#define MSR_X2APIC_LVT_CMCI 0x82Fu
#define MSR_X2APIC_LVT_THERMAL 0x833u
#define MSR_X2APIC_LVT_PERF 0x834u
#define MSR_X2APIC_LVT_LINT1 0x836u
#define MSR_X2APIC_LVT_ERROR 0x837u

/* Whether the core has this LVT, from the LAPIC version register's max
 * LVT entry (SDM vol 3, 11.5.1); CMCI's only on Intel. */
bool lvt_present(uint32_t msr, uint32_t max_lvt, bool intel);

/* Filters a write to an LVT. -ERR_INVAL: reserved bits set (#GP); else
 * *out is what to write: the value itself (return 0) or, for a delivery
 * mode that would leave the core's interrupt path (SMI, INIT, ExtINT or a
 * reserved one), the entry masked with fixed delivery (return 1, *why
 * names the mode). Read-only bits (delivery status, remote IRR) are
 * dropped. */
int lvt_filter(uint32_t msr, uint64_t val, uint64_t *out, const char **why);

/* XCR0 components (SDM vol 1, 13.1). */
#define XCR0_BNDREG (1ULL << 3)
#define XCR0_BNDCSR (1ULL << 4)
#define XCR0_OPMASK (1ULL << 5)
#define XCR0_ZMM_HI256 (1ULL << 6)
#define XCR0_HI16_ZMM (1ULL << 7)
#define XCR0_AVX512 (XCR0_OPMASK | XCR0_ZMM_HI256 | XCR0_HI16_ZMM)
#define XCR0_TILECFG (1ULL << 17)
#define XCR0_TILEDATA (1ULL << 18)

/* Whether XSETBV of val into XCR0 succeeds on a CPU whose CPUID leaf 0xD
 * (sub-leaf 0, EDX:EAX) shows `supported` (SDM vol 1, 13.3). */
bool xcr0_valid(uint64_t val, uint64_t supported);

/* DR6 after a #DB whose causes are `cause` (B0-B3, BD, BS; RTM set when
 * the #DB came inside an RTM region, as VMX's exit qualification has
 * them), from DR6 `old`: B0-B3 replaced, BD and BS added to what was
 * there, bit 16 cleared for RTM (it is active low), the fixed bits set. */
uint64_t dr6_after_db(uint64_t old, uint64_t cause);

#endif
