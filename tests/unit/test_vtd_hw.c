/* VT-d formats bit by bit (values worked out from the VT-d spec's layouts,
 * not from the encoders' own macros), fault decoding, the unit checks,
 * and second-level tables built on fake memory. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "iommu/vtd/vtd_hw.h"
#include "iommu/vtd/vtd_sl.h"
#include "lib/err.h"
#include "tests/unit/check.h"

static void test_root_context(void)
{
	struct vtd_entry e = vtd_root_entry(0x12345000);

	CHECK_EQ(e.lo, 0x12345001);
	CHECK_EQ(e.hi, 0);
	e = vtd_context_entry(0xabcdef000, VTD_AW_48, 0x1234);
	CHECK_EQ(e.lo, 0xabcdef001); /* P, FPD=0, TT=0 */
	CHECK_EQ(e.hi, 0x123402);    /* DID 23:8, AW 2:0 = 2 (4-level) */
	e = vtd_context_entry(0x1000, VTD_AW_39, 1);
	CHECK_EQ(e.hi, 0x101);
	CHECK_EQ(vtd_aw_from_sagaw(0x6), VTD_AW_48);
	CHECK_EQ(vtd_aw_from_sagaw(0x2), VTD_AW_39);
	CHECK_EQ(vtd_aw_from_sagaw(0x8), 0); /* 5-level only */
}

static void test_irte(void)
{
	struct vtd_entry e = vtd_irte(0x12345678, 0x41, 0x0318);

	/* P=1, FPD DM RH TM DLM IM all 0, vector 23:16, destination 63:32. */
	CHECK_EQ(e.lo, 0x1234567800410001ULL);
	/* SID 15:0, SQ 17:16 = 0, SVT 19:18 = 1. */
	CHECK_EQ(e.hi, 0x40318);
	e = vtd_irte(0, 0xff, 0xffff);
	CHECK_EQ(e.lo, 0xff0001);
	CHECK_EQ(e.hi, 0x4ffff);
}

static void test_msi(void)
{
	uint64_t addr;
	uint32_t data;

	vtd_msi_message(0, &addr, &data);
	CHECK_EQ(addr, 0xFEE00010);
	CHECK_EQ(data, 0);
	vtd_msi_message(1, &addr, &data);
	CHECK_EQ(addr, 0xFEE00030);
	vtd_msi_message(0x7fff, &addr, &data);
	CHECK_EQ(addr, 0xFEE00000 | 0x7fff << 5 | 0x10);
	vtd_msi_message(0x8001, &addr, &data);
	CHECK_EQ(addr, 0xFEE00034); /* handle bit 15 at address bit 2 */
	for (unsigned h = 0; h < 65536; h++) {
		vtd_msi_message(h, &addr, &data);
		if (vtd_msi_handle(addr) != (int)h || (addr & 0x8)) { /* SHV stays 0 */
			CHECK(false);
			break;
		}
	}
	/* A compatibility-format message selects no entry. */
	CHECK_EQ(vtd_msi_handle(0xFEE01000), -1);
	CHECK_EQ(vtd_msi_handle(0xFED00010), -1);
}

static void test_qi(void)
{
	struct vtd_entry d;

	d = vtd_qi_context_global();
	CHECK_EQ(d.lo, 0x11);
	CHECK_EQ(d.hi, 0);
	d = vtd_qi_context_device(3, 0x0318);
	CHECK_EQ(d.lo, 0x031800030031ULL); /* G=3, DID 31:16, SID 47:32, FM=0 */
	d = vtd_qi_iotlb_global();
	CHECK_EQ(d.lo, 0xd2); /* type 2, G=1, DW, DR */
	d = vtd_qi_iotlb_domain(7);
	CHECK_EQ(d.lo, 0x700e2);
	CHECK_EQ(d.hi, 0);
	d = vtd_qi_iec_global();
	CHECK_EQ(d.lo, 0x4);
	d = vtd_qi_iec_index(0x1234);
	CHECK_EQ(d.lo, 0x123400000014ULL); /* G=1 (index), IM=0, IIDX 47:32 */
	d = vtd_qi_wait(0xfeedbeef, 0x123458);
	CHECK_EQ(d.lo, 0xfeedbeef00000065ULL); /* type 5, SW, FN */
	CHECK_EQ(d.hi, 0x123458);
	CHECK(!(d.lo & 0x10)); /* never IF together with SW */
}

static void test_fault_decode(void)
{
	/* A read of an unmapped page by 03:00.0. */
	struct vtd_fault f =
		vtd_fault_decode(0x12345678ULL, 1ULL << 63 | 1ULL << 62 | 0x06ULL << 32 | 0x0300);

	CHECK(f.valid);
	CHECK(!f.interrupt);
	CHECK(f.read);
	CHECK_EQ(f.reason, 6);
	CHECK_EQ(f.sid, 0x0300);
	CHECK_EQ(f.addr, 0x12345000);
	CHECK_STR(vtd_fault_reason(f.reason), "read not allowed: page not mapped");
	/* A write. */
	f = vtd_fault_decode(0xfee00000, 1ULL << 63 | 0x05ULL << 32 | 0x18);
	CHECK(!f.read);
	CHECK_EQ(f.reason, 5);
	/* An interrupt-remapping fault: the index is in bits 63:48. */
	f = vtd_fault_decode(0x0005ULL << 48, 1ULL << 63 | 0x26ULL << 32 | 0x0318);
	CHECK(f.interrupt);
	CHECK_EQ(f.index, 5);
	CHECK_EQ(f.sid, 0x0318);
	CHECK_STR(vtd_fault_reason(0x26), "interrupt from a requester the entry does not name");
	CHECK_STR(vtd_fault_reason(0x25), "compatibility-format interrupt blocked");
	CHECK_STR(vtd_fault_reason(0x22), "interrupt entry not present");
	CHECK_STR(vtd_fault_reason(0x02), "context entry not present: function not attached");
	CHECK_STR(vtd_fault_reason(0x0), "unknown fault reason");
	CHECK_STR(vtd_fault_reason(0x1f), "unknown fault reason");
	CHECK_STR(vtd_fault_reason(0x99), "unknown fault reason");
	f = vtd_fault_decode(0, 0);
	CHECK(!f.valid);
}

static void test_unit_check(void)
{
	/* What the rig's QEMU reports (intremap=on, eim=on, caching-mode=on):
	 * SAGAW 39+48, SLLPS 2M+1G, one fault record at 0x220. */
	uint64_t cap = 0x00d2008c222f0686ULL, ecap = 0xf00f5aULL;
	char why[160];

	CHECK_EQ(vtd_unit_check(cap, ecap, why, sizeof(why)), 0);
	CHECK_STR(why, "");
	CHECK_EQ(VTD_CAP_SAGAW(cap), 0x6);
	CHECK_EQ(VTD_CAP_SLLPS(cap), 0x3);
	CHECK_EQ(VTD_CAP_MGAW(cap), 48);
	CHECK(cap & VTD_CAP_CM);
	CHECK_EQ(vtd_unit_check(cap, ecap & ~VTD_ECAP_EIM, why, sizeof(why)), -ERR_NOTSUP);
	CHECK_STR(why, "lacks x2APIC interrupt destinations (ECAP.EIM)");
	CHECK_EQ(vtd_unit_check(cap & ~(0x1fULL << 8), ecap & ~(VTD_ECAP_QI | VTD_ECAP_IR), why,
				sizeof(why)),
		 -ERR_NOTSUP);
	CHECK_STR(why, "lacks queued invalidation (ECAP.QI), interrupt remapping (ECAP.IR), "
		       "a 39- or 48-bit address width (CAP.SAGAW)");
}

/* ---- second-level tables on fake memory ---- */

#define FAKE_TABLES 64
#define FAKE_PA 0x40000000ULL

struct fake {
	uint64_t *va[FAKE_TABLES];
	unsigned live, syncs;
};

static void *fake_alloc(void *ctx, uint64_t *pa)
{
	struct fake *m = ctx;

	for (unsigned i = 0; i < FAKE_TABLES; i++) {
		if (m->va[i])
			continue;
		m->va[i] = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
		if (!m->va[i])
			abort();
		memset(m->va[i], 0, PAGE_SIZE);
		*pa = FAKE_PA + i * PAGE_SIZE;
		m->live++;
		return m->va[i];
	}
	return NULL;
}

static void fake_free(void *ctx, uint64_t pa)
{
	struct fake *m = ctx;
	uint64_t i = (pa - FAKE_PA) / PAGE_SIZE;

	free(m->va[i]);
	m->va[i] = NULL;
	m->live--;
}

static void *fake_va(void *ctx, uint64_t pa)
{
	return ((struct fake *)ctx)->va[(pa - FAKE_PA) / PAGE_SIZE];
}

static void fake_sync(void *ctx, const void *va, size_t len)
{
	((struct fake *)ctx)->syncs++;
}

static void check_map(struct paging *pt, uint64_t gpa, uint64_t hpa, uint64_t size)
{
	uint64_t pa = 0, ps = 0;
	unsigned perm = 0;

	CHECK_EQ(pt_lookup(pt, gpa, &pa, &ps, &perm, NULL), 0);
	CHECK_EQ(pa, hpa);
	CHECK_EQ(ps, size);
	CHECK_EQ(perm, PT_R | PT_W);
}

static void test_sl_48(void)
{
	static struct fake m;
	struct pt_mem_ops ops = {fake_alloc, fake_free, fake_va, fake_sync, &m};
	const uint64_t hpa = 0x100000000ULL;
	struct paging pt;
	uint64_t *root, *l3, e;

	CHECK_EQ(vtd_sl_init(&pt, &ops, VTD_AW_48, VTD_SLLPS_2M | VTD_SLLPS_1G), 0);
	CHECK_EQ(pt.levels, 4);
	/* The guest's low 4 GiB: 1 GiB pages up to 3 GiB, then 2 MiB pages
	 * up to the interrupt window, which stays unmapped, 4 KiB pages up to
	 * the next 2 MiB boundary, 2 MiB pages to the end. */
	CHECK_EQ(vtd_sl_map(&pt, 0, hpa, 4 * GiB), 0);
	check_map(&pt, 0, hpa, GiB);
	check_map(&pt, 2 * GiB + 0x1000, hpa + 2 * GiB + 0x1000, GiB);
	check_map(&pt, 0xFEC00000, hpa + 0xFEC00000, 2 * MiB);
	CHECK_EQ(pt_lookup(&pt, 0xFEE00000, NULL, NULL, NULL, NULL), -ERR_NOENT);
	CHECK_EQ(pt_lookup(&pt, 0xFEEFF000, NULL, NULL, NULL, NULL), -ERR_NOENT);
	check_map(&pt, 0xFEF00000, hpa + 0xFEF00000, PAGE_SIZE);
	check_map(&pt, 0xFF000000, hpa + 0xFF000000, 2 * MiB);
	CHECK(m.syncs > 0);
	/* Raw entries: a 1 GiB leaf is R|W|PS with the address, no SNP. */
	root = m.va[(pt.root_pa - FAKE_PA) / PAGE_SIZE];
	CHECK_EQ(root[0] & 3, 3);
	l3 = m.va[((root[0] & 0xffffffffff000ULL) - FAKE_PA) / PAGE_SIZE];
	e = l3[0];
	CHECK_EQ(e, hpa | 0x83);
	/* A range inside the window maps nothing and is no error. */
	CHECK_EQ(vtd_sl_map(&pt, 0xFEE00000, 0x5000000, MiB), 0);
	CHECK_EQ(pt_lookup(&pt, 0xFEE00000, NULL, NULL, NULL, NULL), -ERR_NOENT);
	/* Above 2^48 cannot be walked. */
	CHECK_EQ(vtd_sl_map(&pt, 1ULL << 48, 0, PAGE_SIZE), -ERR_INVAL);
	CHECK_EQ(vtd_sl_map(&pt, 0x1000, 0x1001, PAGE_SIZE), -ERR_INVAL);
	CHECK_EQ(vtd_sl_unmap(&pt, GiB, GiB), 0);
	CHECK_EQ(pt_lookup(&pt, GiB, NULL, NULL, NULL, NULL), -ERR_NOENT);
	check_map(&pt, 0, hpa, GiB);
	pt_destroy(&pt);
	CHECK_EQ(m.live, 0);
}

static void test_sl_39_no_superpages(void)
{
	static struct fake m;
	struct pt_mem_ops ops = {fake_alloc, fake_free, fake_va, NULL, &m};
	struct paging pt;
	uint64_t *root;

	/* A 39-bit unit: the root is the level-3 table, so a 1 GiB leaf sits
	 * in the root itself. */
	CHECK_EQ(vtd_sl_init(&pt, &ops, VTD_AW_39, VTD_SLLPS_2M | VTD_SLLPS_1G), 0);
	CHECK_EQ(pt.levels, 3);
	CHECK_EQ(vtd_sl_map(&pt, GiB, 0x80000000, GiB), 0);
	root = m.va[(pt.root_pa - FAKE_PA) / PAGE_SIZE];
	CHECK_EQ(root[1], 0x80000000 | 0x83);
	check_map(&pt, GiB + 0x5000, 0x80005000, GiB);
	CHECK_EQ(vtd_sl_map(&pt, 1ULL << 39, 0, PAGE_SIZE), -ERR_INVAL);
	CHECK_EQ(vtd_sl_map(&pt, (1ULL << 39) - PAGE_SIZE, 0, 2 * PAGE_SIZE), -ERR_INVAL);
	pt_destroy(&pt);
	CHECK_EQ(m.live, 0);

	/* A unit without large pages: 4 KiB leaves only. */
	CHECK_EQ(vtd_sl_init(&pt, &ops, VTD_AW_48, 0), 0);
	CHECK_EQ(vtd_sl_map(&pt, 0, 0x200000, 2 * MiB), 0);
	check_map(&pt, 0x1ff000, 0x3ff000, PAGE_SIZE);
	pt_destroy(&pt);
	/* 2 MiB but not 1 GiB. */
	CHECK_EQ(vtd_sl_init(&pt, &ops, VTD_AW_48, VTD_SLLPS_2M), 0);
	CHECK_EQ(vtd_sl_map(&pt, 0, 0, GiB), 0);
	check_map(&pt, 0x12345000, 0x12345000, 2 * MiB);
	pt_destroy(&pt);
	CHECK_EQ(m.live, 0);
	CHECK_EQ(vtd_sl_init(&pt, &ops, 3, 0), -ERR_INVAL);
}

CHECK_MAIN(test_root_context, test_irte, test_msi, test_qi, test_fault_decode, test_unit_check,
	   test_sl_48, test_sl_39_no_superpages)
