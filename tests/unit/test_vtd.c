/* The VT-d driver (iommu/vtd/vtd.c) against a model of one unit: its
 * registers live in a page of host memory, and a thread plays the
 * hardware (GSTS follows GCMD, root and interrupt-table pointers latch,
 * the invalidation queue is consumed and wait descriptors write their
 * status word, fault records clear when written with F). The tests check
 * the bring-up order, the context entries and IRTEs argon writes, the
 * invalidations that follow each change, and the fault log lines. The
 * model's "physical" addresses are host pointers: argon runs on an
 * identity map, so its phys_to_virt is a cast. */
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iommu/iommu.h"
#include "iommu/vtd/dmar.h"
#include "iommu/vtd/vtd_hw.h"
#include "lib/err.h"
#include "tests/unit/check.h"
#include "vmm/host/acpi_parse.h"
#include "vmm/host/acpi_tables.h"
#include "vmm/log.h"
#include "vmm/page_alloc.h"

/* The rig's QEMU unit. */
#define MODEL_CAP 0x00d2008c222f0686ULL
#define MODEL_ECAP 0x0000000000f00f5aULL
#define FRO 0x220

/* ---- what vtd.c needs from the rest of argon ---- */

uint64_t tsc_khz = 1000000;
static char logbuf[1 << 16];
static size_t loglen;

void log_vprintf(enum log_level level, const char *fmt, va_list ap)
{
	int n = vsnprintf(logbuf + loglen, sizeof(logbuf) - loglen, fmt, ap);

	if (n > 0 && (size_t)n < sizeof(logbuf) - loglen)
		loglen += (size_t)n;
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(level, fmt, ap);
	va_end(ap);
}

int trace_err_at(int err, const char *file, int line)
{
	return err;
}

void *pages_alloc(size_t count)
{
	void *p = aligned_alloc(PAGE_SIZE, count * PAGE_SIZE);

	if (p)
		memset(p, 0, count * PAGE_SIZE);
	return p;
}

void *page_alloc(void)
{
	return pages_alloc(1);
}

void page_free(void *p)
{
	free(p);
}

int host_paging_map_mmio(uint64_t pa, uint64_t size)
{
	return 0;
}

static const void *identity(void *ctx, uint64_t pa, size_t len)
{
	return (const void *)(uintptr_t)pa;
}

const struct acpi_mem host_acpi_mem = {identity, NULL};

/* ---- the unit model ---- */

static volatile uint8_t *regs;
static pthread_t model;
static volatile bool model_stop;
static uint32_t gsts_log[64];
static volatile unsigned ngsts;
static struct vtd_entry descs[4096];
static volatile unsigned ndescs;
static uint64_t rtaddr_latched, irta_latched;

#define R32(o) (*(volatile uint32_t *)(regs + (o)))
#define R64(o) (*(volatile uint64_t *)(regs + (o)))

static void *model_main(void *arg)
{
	unsigned head = 0;
	bool rtps = false, irtps = false;

	while (!model_stop) {
		uint32_t gcmd = R32(VTD_GCMD), sts = gcmd & VTD_GCMD_PERSIST;

		if ((gcmd & VTD_GCMD_SRTP) && !rtps) {
			rtps = true;
			rtaddr_latched = R64(VTD_RTADDR);
		}
		if ((gcmd & VTD_GCMD_SIRTP) && !irtps) {
			irtps = true;
			irta_latched = R64(VTD_IRTA);
		}
		sts |= (rtps ? VTD_GCMD_SRTP : 0) | (irtps ? VTD_GCMD_SIRTP : 0);
		if (sts != R32(VTD_GSTS) && ngsts < 64)
			gsts_log[ngsts++] = sts;
		R32(VTD_GSTS) = sts;
		if (sts & VTD_GCMD_QIE) {
			struct vtd_entry *q =
				(struct vtd_entry *)(uintptr_t)(R64(VTD_IQA) & ~0xFFFULL);
			unsigned tail = (unsigned)(R64(VTD_IQT) >> 4) & 0xFF;

			while (head != tail) {
				struct vtd_entry d = q[head];

				if (ndescs < 4096)
					descs[ndescs++] = d;
				if ((d.lo & 0xF) == VTD_QI_WAIT && (d.lo & VTD_WAIT_SW))
					__atomic_store_n((uint32_t *)(uintptr_t)d.hi,
							 (uint32_t)(d.lo >> 32), __ATOMIC_RELEASE);
				head = (head + 1) % 256;
			}
			R64(VTD_IQH) = (uint64_t)head << 4;
		} else {
			head = 0;
		}
		/* A record written with F alone is being cleared (W1C). */
		if (R64(FRO + 8) == VTD_FRCD_F) {
			R64(FRO + 8) = 0;
			R64(FRO) = 0;
			R32(VTD_FSTS) = 0;
		}
		sched_yield();
	}
	return NULL;
}

/* ---- firmware tables: RSDP -> XSDT -> DMAR ---- */

static uint8_t acpi[4096] __attribute__((aligned(16)));

static void sum_fix(uint8_t *t, size_t len, size_t at)
{
	t[at] = 0;
	t[at] = (uint8_t)-acpi_sum(t, len);
}

/* DMAR: one unit listing 00:03.0 and 00:14.0; an RMRR for 00:14.0. */
static uint64_t build_acpi(void)
{
	struct acpi_rsdp *rsdp = (struct acpi_rsdp *)acpi;
	uint8_t *xsdt = acpi + 64, *dmar = acpi + 256;
	uint64_t base = (uint64_t)(uintptr_t)regs, rmrr_base = 0x7f000000, rmrr_limit = 0x7f001fff;
	size_t n = DMAR_HEADER_LEN;
	uint64_t dmar_pa = (uint64_t)(uintptr_t)dmar;

	memset(acpi, 0, sizeof(acpi));
	memcpy(dmar, "DMAR", 4);
	dmar[8] = 1;
	dmar[DMAR_HAW_OFF] = 47;
	dmar[DMAR_FLAGS_OFF] = DMAR_F_INTR_REMAP;
	/* DRHD */
	dmar[n] = DMAR_TYPE_DRHD;
	dmar[n + 2] = DMAR_DRHD_LEN + 16;
	memcpy(dmar + n + 8, &base, 8);
	n += DMAR_DRHD_LEN;
	dmar[n] = DMAR_SCOPE_ENDPOINT;
	dmar[n + 1] = 8;
	dmar[n + 6] = 3;
	n += 8;
	dmar[n] = DMAR_SCOPE_ENDPOINT;
	dmar[n + 1] = 8;
	dmar[n + 6] = 0x14;
	n += 8;
	/* RMRR */
	dmar[n] = DMAR_TYPE_RMRR;
	dmar[n + 2] = DMAR_RMRR_LEN + 8;
	memcpy(dmar + n + 8, &rmrr_base, 8);
	memcpy(dmar + n + 16, &rmrr_limit, 8);
	n += DMAR_RMRR_LEN;
	dmar[n] = DMAR_SCOPE_ENDPOINT;
	dmar[n + 1] = 8;
	dmar[n + 6] = 0x14;
	n += 8;
	memcpy(dmar + 4, &(uint32_t){(uint32_t)n}, 4);
	sum_fix(dmar, n, 9);

	memcpy(xsdt, "XSDT", 4);
	memcpy(xsdt + 4, &(uint32_t){36 + 8}, 4);
	xsdt[8] = 1;
	memcpy(xsdt + 36, &dmar_pa, 8);
	sum_fix(xsdt, 44, 9);

	memcpy(rsdp->signature, "RSD PTR ", 8);
	rsdp->revision = 2;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_addr = (uint64_t)(uintptr_t)xsdt;
	sum_fix(acpi, ACPI_RSDP_V1_LEN, 8);
	sum_fix(acpi, sizeof(*rsdp), 32);
	return (uint64_t)(uintptr_t)rsdp;
}

/* ---- helpers ---- */

static struct vtd_entry *root_table(void)
{
	return (struct vtd_entry *)(uintptr_t)(rtaddr_latched & ~0xFFFULL);
}

static struct vtd_entry ctx_of(uint16_t rid)
{
	struct vtd_entry r = root_table()[rid >> 8];

	if (!(r.lo & 1))
		return (struct vtd_entry){0, 0};
	return ((struct vtd_entry *)(uintptr_t)(r.lo & ~0xFFFULL))[rid & 0xFF];
}

static bool has_desc(unsigned from, uint64_t lo)
{
	for (unsigned i = from; i < ndescs; i++)
		if (descs[i].lo == lo)
			return true;
	return false;
}

static void check_log(const char *line)
{
	check_count++;
	if (!strstr(logbuf, line)) {
		check_failures++;
		fprintf(stderr, "log lacks \"%s\"; log:\n%s\n", line, logbuf);
	}
}

static void inject_fault(uint64_t lo, uint64_t hi)
{
	R64(FRO) = lo;
	R64(FRO + 8) = hi;
	R32(VTD_FSTS) = VTD_FSTS_PPF;
	iommu_poll_faults();
	while (R64(FRO + 8)) /* the model clears it once argon wrote F */
		sched_yield();
}

/* ---- tests ---- */

static struct boot_info bi;

/* Runs fn in a child process (the driver's state is global and set once)
 * and counts the child's failed checks as ours. */
static void in_child(void (*fn)(void))
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0) {
		check_failures = 0;
		fn();
		fflush(stderr);
		_exit(check_failures ? 1 : 0);
	}
	check_count++;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		check_failures++;
		fprintf(stderr, "child test failed (status 0x%x)\n", status);
	}
}

static void no_dmar(void)
{
	bi.rsdp_pa = 0;
	CHECK_EQ(iommu_init(&bi), -ERR_NOENT);
	CHECK(!iommu_ready());
	check_log("iommu: no DMAR table: no IOMMU, so no PCI function can be given to a guest\n");
	CHECK(iommu_domain_create("x") == NULL);
	CHECK(!iommu_covers(0, 0x18));
}

/* A unit without interrupt remapping is named with what it lacks and
 * left as firmware left it. */
static void unit_lacks_ir(void)
{
	regs = pages_alloc(1);
	R32(VTD_VER) = 0x10;
	R64(VTD_CAP) = MODEL_CAP;
	R64(VTD_ECAP) = MODEL_ECAP & ~(VTD_ECAP_IR | VTD_ECAP_EIM);
	R32(VTD_GCMD) = VTD_GCMD_TE;
	bi.rsdp_pa = build_acpi();
	CHECK_EQ(iommu_init(&bi), -ERR_NOTSUP);
	CHECK(!iommu_ready());
	check_log("lacks interrupt remapping (ECAP.IR), x2APIC interrupt destinations (ECAP.EIM); "
		  "argon cannot use it\n");
	CHECK_EQ(R32(VTD_GCMD), VTD_GCMD_TE);
}

/* A DMAR that breaks a rule is refused whole, with the reason. */
static void bad_dmar(void)
{
	uint8_t *dmar = acpi + 256;

	regs = pages_alloc(1);
	bi.rsdp_pa = build_acpi();
	dmar[DMAR_HEADER_LEN + 16 + 1] = 7; /* a device scope of odd length */
	sum_fix(dmar, *(uint32_t *)(dmar + 4), 9);
	CHECK_EQ(iommu_init(&bi), -ERR_INVAL);
	check_log("unusable: DMAR offset 0x40: device scope length is not 6 + 2 per path hop\n");
}

static void test_refusals(void)
{
	in_child(no_dmar);
	in_child(unit_lacks_ir);
	in_child(bad_dmar);
}

static void test_bring_up(void)
{
	uint32_t want_first[] = {
		VTD_GCMD_QIE | VTD_GCMD_IRE, /* TE off first */
		VTD_GCMD_QIE,		     /* then IRE */
		0,			     /* then the queue */
	};
	unsigned i, rtps_at = 99, irtps_at = 99, qie_at = 99, te_at = 99, ire_at = 99;

	regs = pages_alloc(1);
	R32(VTD_VER) = 0x10;
	R64(VTD_CAP) = MODEL_CAP;
	R64(VTD_ECAP) = MODEL_ECAP;
	/* What firmware left on. */
	R32(VTD_GCMD) = VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_IRE;
	R32(VTD_GSTS) = R32(VTD_GCMD);
	gsts_log[ngsts++] = R32(VTD_GSTS);
	pthread_create(&model, NULL, model_main, NULL);

	CHECK(!iommu_ready());
	bi.rsdp_pa = build_acpi();
	CHECK_EQ(iommu_init(&bi), 0);
	CHECK(iommu_ready());
	for (i = 0; i < 3; i++)
		CHECK_EQ(gsts_log[1 + i], want_first[i]);
	for (i = 0; i < ngsts; i++) {
		uint32_t s = gsts_log[i];

		CHECK(!(s & VTD_GCMD_CFI)); /* compatibility format never allowed */
		if (i < 4)
			continue;
		if ((s & VTD_GCMD_SRTP) && rtps_at == 99)
			rtps_at = i;
		if ((s & VTD_GCMD_SIRTP) && irtps_at == 99)
			irtps_at = i;
		if ((s & VTD_GCMD_QIE) && qie_at == 99)
			qie_at = i;
		if ((s & VTD_GCMD_TE) && te_at == 99)
			te_at = i;
		if ((s & VTD_GCMD_IRE) && ire_at == 99)
			ire_at = i;
	}
	CHECK(rtps_at < irtps_at);
	CHECK(irtps_at < qie_at);
	CHECK(qie_at < te_at);
	CHECK(te_at < ire_at);
	CHECK(ire_at < 99);
	CHECK_EQ(R32(VTD_FECTL), VTD_FECTL_IM); /* argon polls */
	CHECK_EQ(rtaddr_latched & 0xFFF, 0);	/* legacy mode */
	CHECK_EQ(irta_latched & 0xFFF, VTD_IRTA_EIME | 13);
	/* Global invalidations through the queue, each batch ended by a wait
	 * with SW and never IF. */
	CHECK(has_desc(0, 0x11));
	CHECK(has_desc(0, 0x4));
	for (i = 0; i < ndescs; i++)
		if ((descs[i].lo & 0xF) == VTD_QI_WAIT)
			CHECK_EQ(descs[i].lo & (VTD_WAIT_SW | VTD_WAIT_IF), VTD_WAIT_SW);
	check_log("iommu: VT-d unit 0: CAP 0xd2008c222f0686 ECAP 0xf00f5a");
	check_log("ver 1.0, 48-bit, 2M/1G pages, QI, IR+EIM, caching mode, walks not coherent");
	/* The RMRR function got firmware's identity map before TE. */
	check_log("iommu: 0000:00:14.0 keeps firmware's DMA region 0x7f000000-0x7f001fff (RMRR)");
	CHECK(ctx_of(0x00a0).lo & VTD_CTX_P);
	CHECK_EQ(ctx_of(0x00a0).hi, 0x102); /* domain id 1, 4-level */
	CHECK(iommu_covers(0, 0x0018));
	CHECK(iommu_covers(0, 0x00a0));
	CHECK(!iommu_covers(0, 0x0020));
	CHECK(!iommu_covers(1, 0x0018));
}

static struct iommu_domain *web;

static void test_domains(void)
{
	struct iommu_domain *other;
	struct iommu_stats before, after;
	struct vtd_entry c;
	unsigned mark;

	/* Domain id 1 is firmware's (RMRR); these get 2 and 3. */
	web = iommu_domain_create("web");
	other = iommu_domain_create("db");
	CHECK(web != NULL && other != NULL);
	iommu_get_stats(&before);
	mark = ndescs;
	CHECK_EQ(iommu_domain_map(web, 0, 0x200000000ULL, 4 * GiB), 0);
	iommu_get_stats(&after);
	/* Caching mode: a map of not-present entries is invalidated too. */
	CHECK_EQ(after.iotlb_flushes, before.iotlb_flushes + 1);
	CHECK(has_desc(mark, VTD_QI_IOTLB | 2 << 4 | 0xC0 | 2 << 16));

	mark = ndescs;
	CHECK_EQ(iommu_attach(web, 0, 0x0018), 0);
	c = ctx_of(0x0018);
	CHECK_EQ(c.lo & 0xF, 1); /* present, FPD=0, TT=0 */
	CHECK(c.lo & ~0xFFFULL);
	CHECK_EQ(c.hi, 0x202); /* domain id 2, 4-level */
	/* Caching mode: the device's context under domain id 0, then the
	 * domain's IOTLB. */
	CHECK(has_desc(mark, VTD_QI_CC | 3 << 4 | 0ULL << 16 | 0x18ULL << 32) ||
	      has_desc(mark, 0x11));
	CHECK(has_desc(mark, VTD_QI_IOTLB | 2 << 4 | 0xC0 | 2 << 16));
	CHECK_EQ(iommu_attach(web, 0, 0x0018), 0);
	CHECK_EQ(iommu_attach(other, 0, 0x0018), -ERR_BUSY);
	CHECK_EQ(iommu_attach(other, 0, 0x00a0), -ERR_BUSY); /* firmware's */
	CHECK_EQ(iommu_attach(other, 0, 0x0020), -ERR_NODEV);
	CHECK_EQ(iommu_domain_map(web, 0x1001, 0, PAGE_SIZE), -ERR_INVAL);
	CHECK_EQ(iommu_domain_unmap(web, GiB, GiB), 0);
}

static void test_irq(void)
{
	struct iommu_stats before, after;
	struct vtd_entry *irt = (struct vtd_entry *)(uintptr_t)(irta_latched & ~0xFFFULL);
	unsigned h, h2, mark;
	uint64_t addr;
	uint32_t data;

	CHECK_EQ(iommu_irq_alloc(0, 0x0018, &h), 0);
	CHECK_EQ(iommu_irq_alloc(0, 0x0018, &h2), 0);
	CHECK(h != h2);
	CHECK_EQ(iommu_irq_alloc(0, 0x0020, &h2), -ERR_NODEV);
	CHECK_EQ(irt[h].lo & 1, 0); /* not present until routed */
	iommu_get_stats(&before);
	mark = ndescs;
	CHECK_EQ(iommu_irq_route(h, 0x12345, 0x41), 0);
	iommu_get_stats(&after);
	CHECK_EQ(irt[h].lo, 0x0001234500410001ULL);
	CHECK_EQ(irt[h].hi, 0x40018); /* SVT=1, SID 00:03.0 */
	CHECK_EQ(after.irq_cache_flushes, before.irq_cache_flushes + 1);
	CHECK(has_desc(mark, VTD_QI_IEC | 0x10 | (uint64_t)h << 32));
	CHECK_EQ(iommu_irq_route(h, 1, 5), -ERR_INVAL);	      /* exception vector */
	CHECK_EQ(iommu_irq_route(9999, 1, 0x41), -ERR_INVAL); /* not allocated */
	iommu_irq_message(h, &addr, &data);
	CHECK_EQ(addr, 0xFEE00010 | (uint64_t)h << 5);
	CHECK_EQ(data, 0);
	iommu_irq_block(h);
	CHECK_EQ(irt[h].lo & 1, 0);
	iommu_irq_free(h);
	iommu_get_stats(&after);
	CHECK_EQ(after.irq_cache_flushes, before.irq_cache_flushes + 3);
	CHECK_EQ(iommu_irq_route(h, 1, 0x41), -ERR_INVAL); /* freed */
}

static void test_faults(void)
{
	struct iommu_stats st;

	loglen = 0;
	logbuf[0] = 0;
	inject_fault(0x240000123ULL, VTD_FRCD_F | VTD_FRCD_T | 0x06ULL << 32 | 0x0018);
	check_log("iommu: DMA fault: web 0000:00:03.0 addr 0x240000000 reason 0x06 "
		  "(read not allowed: page not mapped)\n");
	inject_fault(7ULL << 48, VTD_FRCD_F | 0x26ULL << 32 | 0x0018);
	check_log("iommu: interrupt fault: web 0000:00:03.0 index 7 reason 0x26 "
		  "(interrupt from a requester the entry does not name)\n");
	inject_fault(0x1000, VTD_FRCD_F | 0x02ULL << 32 | 0x0020);
	check_log("iommu: DMA fault: no guest 0000:00:04.0 addr 0x1000 reason 0x02 "
		  "(context entry not present: function not attached)\n");
	iommu_get_stats(&st);
	CHECK_EQ(st.faults, 3);
	/* Nothing pending: nothing logged, nothing counted. */
	loglen = 0;
	logbuf[0] = 0;
	iommu_poll_faults();
	CHECK_EQ(loglen, 0);
}

static void test_detach(void)
{
	unsigned mark = ndescs;

	iommu_detach(0, 0x0018);
	CHECK_EQ(ctx_of(0x0018).lo & 1, 0);
	CHECK(has_desc(mark, VTD_QI_CC | 3 << 4 | 2ULL << 16 | 0x18ULL << 32));
	CHECK(has_desc(mark, VTD_QI_IOTLB | 2 << 4 | 0xC0 | 2 << 16));
	loglen = 0;
	logbuf[0] = 0;
	inject_fault(0x5000, VTD_FRCD_F | 0x02ULL << 32 | 0x0018);
	check_log("iommu: DMA fault: no guest 0000:00:03.0 addr 0x5000");
	model_stop = true;
	pthread_join(model, NULL);
}

CHECK_MAIN(test_refusals, test_bring_up, test_domains, test_irq, test_faults, test_detach)
