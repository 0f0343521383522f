#include "vmm/guest_rules.h"

#include "lib/bits.h"
#include "lib/err.h"
#include "vmm/host/apic.h"
#include "vmm/x86.h"

#define VEC_FIRST_LEGAL 16 /* 0-15 are illegal for fixed delivery */

uint64_t dr6_after_db(uint64_t old, uint64_t cause)
{
	uint64_t dr6 = (old & ~DR6_B0_B3) | DR6_FIXED1 | (cause & (DR6_B0_B3 | DR6_BD | DR6_BS));

	return (cause & DR6_RTM) ? dr6 & ~DR6_RTM : dr6;
}

int icr_decode(uint64_t icr, struct icr_msg *m)
{
	uint32_t lo = (uint32_t)icr;
	uint32_t mode = (uint32_t)bit_extract(icr, ICR_MODE_OFF, ICR_MODE_LEN);

	*m = (struct icr_msg){
		.shorthand = (uint32_t)bit_extract(icr, ICR_SHORTHAND_OFF, ICR_SHORTHAND_LEN),
		.dest = (uint32_t)(icr >> 32),
		.logical = (lo & ICR_DEST_LOGICAL) != 0,
		.vector = (uint8_t)(lo & ICR_VECTOR_MASK),
	};
	if (lo & ICR_X2APIC_RESERVED)
		return -ERR_INVAL;
	switch (mode) {
	case ICR_MODE_FIXED:
	case ICR_MODE_LOWEST:
		if (m->vector < VEC_FIRST_LEGAL) {
			m->action = ICR_DROP;
			m->why = "an illegal vector";
			return 0;
		}
		/* Rebuilt from the vector alone: edge, asserted, physical. */
		m->action = mode == ICR_MODE_LOWEST ? ICR_SEND_ONE : ICR_SEND;
		m->low = (ICR_MODE_FIXED << ICR_MODE_OFF) | ICR_LEVEL_ASSERT | m->vector;
		return 0;
	case ICR_MODE_NMI:
		m->action = ICR_SEND;
		m->low = (ICR_MODE_NMI << ICR_MODE_OFF) | ICR_LEVEL_ASSERT;
		return 0;
	case ICR_MODE_INIT:
		/* The de-assert message carries no meaning in x2APIC mode. */
		m->action = (lo & ICR_LEVEL_ASSERT) ? ICR_START_INIT : ICR_IGNORE;
		return 0;
	case ICR_MODE_SIPI:
		m->action = ICR_START_SIPI;
		return 0;
	case ICR_MODE_SMI:
		m->action = ICR_DROP;
		m->why = "delivery mode SMI";
		return 0;
	default:
		m->action = ICR_DROP;
		m->why = "a reserved delivery mode";
		return 0;
	}
}

bool lvt_present(uint32_t msr, uint32_t max_lvt, bool intel)
{
	switch (msr) {
	case MSR_X2APIC_LVT_LINT0:
	case MSR_X2APIC_LVT_LINT1:
		return true;
	case MSR_X2APIC_LVT_ERROR:
		return max_lvt >= 3;
	case MSR_X2APIC_LVT_PERF:
		return max_lvt >= 4;
	case MSR_X2APIC_LVT_THERMAL:
		return max_lvt >= 5;
	case MSR_X2APIC_LVT_CMCI:
		return intel && max_lvt >= 6;
	default:
		return false;
	}
}

/* LVT fields (SDM vol 3, figure 11-8). */
#define LVT_VECTOR 0xFFu
#define LVT_MODE (7u << 8)
#define LVT_STATUS (1u << 12)	  /* read-only */
#define LVT_POLARITY (1u << 13)	  /* LINT0/1 */
#define LVT_REMOTE_IRR (1u << 14) /* read-only, LINT0/1 */
#define LVT_TRIGGER (1u << 15)	  /* LINT0/1 */
#define LVT_MODE_FIXED 0u
#define LVT_MODE_SMI 2u
#define LVT_MODE_NMI 4u
#define LVT_MODE_INIT 5u
#define LVT_MODE_EXTINT 7u

int lvt_filter(uint32_t msr, uint64_t val, uint64_t *out, const char **why)
{
	uint32_t known = LVT_VECTOR | LVT_STATUS | APIC_LVT_MASKED, mode, keep;

	if (msr == MSR_X2APIC_LVT_LINT0 || msr == MSR_X2APIC_LVT_LINT1)
		known |= LVT_MODE | LVT_POLARITY | LVT_REMOTE_IRR | LVT_TRIGGER;
	else if (msr != MSR_X2APIC_LVT_ERROR)
		known |= LVT_MODE;
	if (val & ~(uint64_t)known)
		return -ERR_INVAL;
	keep = (uint32_t)val & ~(LVT_STATUS | LVT_REMOTE_IRR);
	mode = (keep & LVT_MODE) >> 8;
	*why = "";
	if (mode == LVT_MODE_FIXED || mode == LVT_MODE_NMI) {
		*out = keep;
		return 0;
	}
	*why = mode == LVT_MODE_SMI	 ? "SMI"
	       : mode == LVT_MODE_INIT	 ? "INIT"
	       : mode == LVT_MODE_EXTINT ? "ExtINT"
					 : "reserved";
	*out = (keep & ~LVT_MODE) | APIC_LVT_MASKED;
	return 1;
}

bool xcr0_valid(uint64_t val, uint64_t supported)
{
	uint64_t avx512 = val & XCR0_AVX512;

	if (!(val & XCR0_X87) || (val & ~supported))
		return false;
	if ((val & XCR0_AVX) && !(val & XCR0_SSE))
		return false;
	/* AVX-512's three components go together, and only with AVX. */
	if (avx512 && (avx512 != XCR0_AVX512 || !(val & XCR0_AVX)))
		return false;
	if (!(val & XCR0_BNDREG) != !(val & XCR0_BNDCSR))
		return false;
	if (!(val & XCR0_TILECFG) != !(val & XCR0_TILEDATA))
		return false;
	return true;
}
