#include "lib/err.h"
#include "tests/unit/check.h"
#include "vmm/host/apic.h"
#include "vmm/guest_rules.h"
#include "vmm/x86.h"

#define X87_SSE (XCR0_X87 | XCR0_SSE)
#define ALL_USER 0x602FFULL /* x87..Hi16_ZMM, PKRU, TILECFG, TILEDATA */

static void test_xcr0(void)
{
	CHECK(xcr0_valid(XCR0_X87, ALL_USER));
	CHECK(xcr0_valid(X87_SSE | XCR0_AVX, ALL_USER));
	CHECK(xcr0_valid(X87_SSE | XCR0_AVX | XCR0_AVX512, ALL_USER));
	CHECK(xcr0_valid(ALL_USER, ALL_USER));
	/* x87 always. */
	CHECK(!xcr0_valid(0, ALL_USER));
	CHECK(!xcr0_valid(XCR0_SSE, ALL_USER));
	/* AVX needs SSE. */
	CHECK(!xcr0_valid(XCR0_X87 | XCR0_AVX, ALL_USER));
	/* AVX-512: all three or none, and only with AVX. */
	for (uint64_t sub = XCR0_OPMASK; sub < XCR0_AVX512; sub += XCR0_OPMASK)
		CHECK(!xcr0_valid(X87_SSE | XCR0_AVX | sub, ALL_USER));
	CHECK(!xcr0_valid(X87_SSE | XCR0_AVX512, ALL_USER));
	/* MPX's two together. */
	CHECK(xcr0_valid(X87_SSE | XCR0_BNDREG | XCR0_BNDCSR, ALL_USER));
	CHECK(!xcr0_valid(X87_SSE | XCR0_BNDREG, ALL_USER));
	CHECK(!xcr0_valid(X87_SSE | XCR0_BNDCSR, ALL_USER));
	/* AMX's two together. */
	CHECK(!xcr0_valid(X87_SSE | XCR0_AVX | XCR0_TILECFG, ALL_USER));
	CHECK(!xcr0_valid(X87_SSE | XCR0_AVX | XCR0_TILEDATA, ALL_USER));
	/* Only what the guest's leaf 0xD shows: here no AVX-512 nor MPX. */
	CHECK(xcr0_valid(X87_SSE | XCR0_AVX, 0x7));
	CHECK(!xcr0_valid(X87_SSE | XCR0_AVX | XCR0_AVX512, 0x7));
	CHECK(!xcr0_valid(X87_SSE | XCR0_BNDREG | XCR0_BNDCSR, 0x7));
	/* Supervisor (XSS) components and bit 63 never. */
	CHECK(!xcr0_valid(X87_SSE | (1ULL << 8), ALL_USER));
	CHECK(!xcr0_valid(X87_SSE | (1ULL << 63), ~0ULL & ~(1ULL << 63)));
}

static void test_icr(void)
{
	struct icr_msg m;

	/* Fixed, physical: rebuilt from the vector, edge and asserted. */
	CHECK_EQ(icr_decode(((uint64_t)7 << 32) | ICR_TRIGGER_LEVEL | 0x41, &m), 0);
	CHECK_EQ(m.action, ICR_SEND);
	CHECK_EQ(m.low, ICR_LEVEL_ASSERT | 0x41);
	CHECK_EQ(m.dest, 7);
	CHECK(!m.logical);
	/* Lowest priority goes to one core, as fixed. */
	CHECK_EQ(icr_decode((1u << ICR_MODE_OFF) | ICR_DEST_LOGICAL | 0x30, &m), 0);
	CHECK_EQ(m.action, ICR_SEND_ONE);
	CHECK_EQ(m.low, ICR_LEVEL_ASSERT | 0x30);
	CHECK(m.logical);
	/* Vectors 0-15 are illegal for fixed delivery. */
	CHECK_EQ(icr_decode(0x0F, &m), 0);
	CHECK_EQ(m.action, ICR_DROP);
	/* SMI and the reserved modes are dropped. */
	for (uint32_t mode = 2; mode < 8; mode++) {
		if (mode == ICR_MODE_NMI || mode == ICR_MODE_INIT || mode == ICR_MODE_SIPI)
			continue;
		CHECK_EQ(icr_decode((mode << ICR_MODE_OFF) | 0x40, &m), 0);
		CHECK_EQ(m.action, ICR_DROP);
	}
	/* NMI: the vector is not carried. */
	CHECK_EQ(icr_decode((ICR_MODE_NMI << ICR_MODE_OFF) | 0xFF, &m), 0);
	CHECK_EQ(m.low, (ICR_MODE_NMI << ICR_MODE_OFF) | ICR_LEVEL_ASSERT);
	/* INIT assert starts, de-assert is ignored; SIPI keeps its vector. */
	CHECK_EQ(icr_decode((ICR_MODE_INIT << ICR_MODE_OFF) | ICR_LEVEL_ASSERT, &m), 0);
	CHECK_EQ(m.action, ICR_START_INIT);
	CHECK_EQ(icr_decode((ICR_MODE_INIT << ICR_MODE_OFF) | ICR_TRIGGER_LEVEL, &m), 0);
	CHECK_EQ(m.action, ICR_IGNORE);
	CHECK_EQ(icr_decode((ICR_MODE_SIPI << ICR_MODE_OFF) | 0x9A, &m), 0);
	CHECK_EQ(m.action, ICR_START_SIPI);
	CHECK_EQ(m.vector, 0x9A);
	/* Shorthands are decoded, never written. */
	CHECK_EQ(icr_decode((ICR_SHORTHAND_OTHERS << ICR_SHORTHAND_OFF) | 0x40, &m), 0);
	CHECK_EQ(m.shorthand, ICR_SHORTHAND_OTHERS);
	CHECK_EQ(m.low & (3u << ICR_SHORTHAND_OFF), 0);
	/* Every reserved bit alone is a #GP. */
	for (unsigned bit = 0; bit < 32; bit++)
		if (ICR_X2APIC_RESERVED & (1u << bit))
			CHECK_EQ(icr_decode((1u << bit) | 0x40, &m), -ERR_INVAL);
}

static void test_lvt(void)
{
	uint64_t out;
	const char *why;

	CHECK(lvt_present(MSR_X2APIC_LVT_LINT0, 0, false));
	CHECK(!lvt_present(MSR_X2APIC_LVT_THERMAL, 4, true));
	CHECK(lvt_present(MSR_X2APIC_LVT_THERMAL, 5, false));
	CHECK(!lvt_present(MSR_X2APIC_LVT_CMCI, 6, false));
	CHECK(lvt_present(MSR_X2APIC_LVT_CMCI, 6, true));
	CHECK(!lvt_present(MSR_X2APIC_LVT_TIMER, 6, true));
	/* Fixed and NMI stay as written, read-only bits dropped. */
	CHECK_EQ(lvt_filter(MSR_X2APIC_LVT_PERF, 0x400 | 0x1000, &out, &why), 0);
	CHECK_EQ(out, 0x400);
	CHECK_EQ(lvt_filter(MSR_X2APIC_LVT_LINT1, 0x400 | 0xA000, &out, &why), 0);
	CHECK_EQ(out, 0xA400);
	/* SMI, INIT, ExtINT, reserved: masked, fixed, vector kept. */
	for (uint32_t mode = 1; mode < 8; mode++) {
		if (mode == 4)
			continue;
		CHECK_EQ(lvt_filter(MSR_X2APIC_LVT_LINT0, (mode << 8) | 0x31, &out, &why), 1);
		CHECK_EQ(out, APIC_LVT_MASKED | 0x31);
		CHECK_EQ(lvt_filter(MSR_X2APIC_LVT_THERMAL, (mode << 8) | 0x31, &out, &why), 1);
		CHECK_EQ(out, APIC_LVT_MASKED | 0x31);
	}
	/* Reserved bits: #GP. The error LVT has no delivery mode. */
	CHECK_EQ(lvt_filter(MSR_X2APIC_LVT_LINT0, 1u << 17, &out, &why), -ERR_INVAL);
	CHECK_EQ(lvt_filter(MSR_X2APIC_LVT_LINT0, 1ULL << 32, &out, &why), -ERR_INVAL);
	CHECK_EQ(lvt_filter(MSR_X2APIC_LVT_PERF, 1u << 13, &out, &why), -ERR_INVAL);
	CHECK_EQ(lvt_filter(MSR_X2APIC_LVT_ERROR, 0x200 | 0xFE, &out, &why), -ERR_INVAL);
	CHECK_EQ(lvt_filter(MSR_X2APIC_LVT_ERROR, APIC_LVT_MASKED | 0xFE, &out, &why), 0);
}

static void test_dr6(void)
{
	/* A single step from the reset value. */
	CHECK_EQ(dr6_after_db(0xFFFF0FF0, DR6_BS), 0xFFFF4FF0);
	/* A data breakpoint on DR1 replaces an old B0, keeps an old BS. */
	CHECK_EQ(dr6_after_db(0xFFFF4FF1, 0x2), 0xFFFF4FF2);
	/* Fixed bits come back even if the old value lost them. */
	CHECK_EQ(dr6_after_db(0, 0x1), 0xFFFF0FF1);
	/* In an RTM region bit 16 reads 0. */
	CHECK_EQ(dr6_after_db(0xFFFF0FF0, DR6_RTM | 0x1), 0xFFFE0FF1);
	/* Bits of the qualification that are no DR6 cause stay out. */
	CHECK_EQ(dr6_after_db(0xFFFF0FF0, 0x1000 | DR6_BD), 0xFFFF2FF0);
}

CHECK_MAIN(test_xcr0, test_icr, test_lvt, test_dr6)
