/* The VT-d driver behind iommu/iommu.h: finds the units in the DMAR, brings
 * each up (passthrough reference, section 1), and keeps the tables they
 * walk: one root table per PCI segment with context tables per bus, one
 * set of second-level tables per domain, and one interrupt-remapping table
 * that every unit shares, so a handle means the same entry everywhere.
 * All units take the same address width and page sizes (the intersection
 * of what they offer), so one context entry and one second-level table
 * serve whichever unit translates a function. Invalidation goes through
 * each unit's queue and every submission waits for its completion. */
#include "iommu/iommu.h"

#include "iommu/vtd/dmar.h"
#include "iommu/vtd/vtd_hw.h"
#include "iommu/vtd/vtd_sl.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "vmm/host/acpi_parse.h"
#include "vmm/host/host_acpi.h"
#include "vmm/host/tsc.h"
#include "vmm/log.h"
#include "vmm/page_alloc.h"
#include "vmm/spinlock.h"
#include "vmm/x86.h"

/* 2^(S+1) entries; 16384 covers 8 vectors for each of 2048 functions. */
#define IRT_S 13
#define IRT_ENTRIES (1u << (IRT_S + 1))
#define IRT_PAGES (IRT_ENTRIES * sizeof(struct vtd_entry) / PAGE_SIZE)
#define IQ_ENTRIES (PAGE_SIZE / VTD_IQ_DESC_SIZE) /* QS = 0: one page */
#define MAX_SEGS 8
#define MAX_DOMAINS 256
#define OWNER_LEN 32
#define POLL_US 2000000 /* generous: emulated units answer slowly */
#define PENDING_FREES 256
#define FAULT_LOG_MAX 1000 /* faults logged; later ones are only counted */
#define CACHE_LINE 64

struct unit {
	uint64_t base;
	uint16_t seg;
	uint32_t ver;
	uint64_t cap, ecap;
	uint32_t gcmd; /* the persistent enables argon has set */
	struct vtd_entry *iq;
	unsigned iq_tail;
	volatile uint32_t *wait_word;
	bool on;
};

struct seg_tables {
	bool used;
	uint16_t seg;
	struct vtd_entry *root;	    /* 256 root entries, one per bus */
	struct vtd_entry *ctx[256]; /* context tables, 256 entries each */
};

struct iommu_domain {
	bool used;
	uint16_t did;
	char owner[OWNER_LEN];
	struct paging pt;
};

static struct spinlock lock;
static struct dmar_info dmar;
static struct unit units[DMAR_MAX_UNITS];
static unsigned nunits;
static struct seg_tables segs[MAX_SEGS];
static struct iommu_domain domains[MAX_DOMAINS];
static unsigned max_did;
static unsigned aw;	  /* VTD_AW_* all units take */
static uint64_t sllps;	  /* large pages all units take */
static bool coherent;	  /* every unit snoops its walks (ECAP.C) */
static bool caching_mode; /* some unit caches not-present entries (CAP.CM) */
static bool rwbf;	  /* some unit needs its write buffer flushed */
static struct vtd_entry *irt;
static uint16_t irt_rid[IRT_ENTRIES];
static uint16_t irt_seg[IRT_ENTRIES];
static uint8_t irt_used[IRT_ENTRIES / 8];
static uint64_t pending_free[PENDING_FREES];
static unsigned npending;
static struct iommu_stats stats;
static uint64_t faults_logged;
static bool ready;
static uint32_t wait_words[DMAR_MAX_UNITS * 16] __attribute__((aligned(CACHE_LINE)));

/* ---- MMIO and caches ---- */

static inline uint32_t rd32(const struct unit *u, unsigned off)
{
	return *(volatile uint32_t *)phys_to_virt(u->base + off);
}

static inline uint64_t rd64(const struct unit *u, unsigned off)
{
	return *(volatile uint64_t *)phys_to_virt(u->base + off);
}

static inline void wr32(const struct unit *u, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)phys_to_virt(u->base + off) = v;
}

static inline void wr64(const struct unit *u, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)phys_to_virt(u->base + off) = v;
}

/* Units that do not snoop (ECAP.C=0) read tables from memory: push each
 * written line out of the CPU's caches. */
static void flush_lines(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(CACHE_LINE - 1), end = (uintptr_t)p + len;

	if (coherent)
		return;
	__asm__ volatile("mfence" ::: "memory");
	for (; a < end; a += CACHE_LINE)
		__asm__ volatile("clflush (%0)" ::"r"(a) : "memory");
	__asm__ volatile("mfence" ::: "memory");
}

static bool poll32(const struct unit *u, unsigned off, uint32_t mask, uint32_t want)
{
	uint64_t start = rdtsc(), limit = tsc_khz ? tsc_khz * (POLL_US / 1000) : 1ULL << 32;

	while ((rd32(u, off) & mask) != want) {
		if (rdtsc() - start > limit)
			return false;
		cpu_relax();
	}
	return true;
}

/* Sets or clears a persistent enable and waits for the status to follow.
 * GCMD is written from what argon has set, never from GSTS. */
static int gcmd_enable(struct unit *u, uint32_t bit, bool on)
{
	u->gcmd = on ? u->gcmd | bit : u->gcmd & ~bit;
	wr32(u, VTD_GCMD, u->gcmd);
	return poll32(u, VTD_GSTS, bit, on ? bit : 0) ? 0 : -ERR_IO;
}

/* A one-shot command (SRTP, SIRTP): done when its status bit is set. */
static int gcmd_oneshot(struct unit *u, uint32_t bit)
{
	wr32(u, VTD_GCMD, u->gcmd | bit);
	return poll32(u, VTD_GSTS, bit, bit) ? 0 : -ERR_IO;
}

static void write_buffer_flush(void)
{
	if (!rwbf)
		return;
	for (unsigned i = 0; i < nunits; i++) {
		if (!(units[i].cap & VTD_CAP_RWBF))
			continue;
		wr32(&units[i], VTD_GCMD, units[i].gcmd | VTD_GCMD_WBF);
		poll32(&units[i], VTD_GSTS, VTD_GCMD_WBF, 0);
	}
}

/* ---- queued invalidation ---- */

/* Queues the descriptors and a wait, then waits for the unit to write the
 * status word: everything queued before it is then done. */
static int qi_run(struct unit *u, const struct vtd_entry *d, unsigned n)
{
	uint64_t start, limit = tsc_khz ? tsc_khz * (POLL_US / 1000) : 1ULL << 32;

	if (!u->iq || n + 1 >= IQ_ENTRIES)
		return -ERR_INVAL;
	*u->wait_word = 0;
	for (unsigned i = 0; i <= n; i++) {
		struct vtd_entry *slot = &u->iq[u->iq_tail];

		*slot = i < n ? d[i] : vtd_qi_wait(1, virt_to_phys((const void *)u->wait_word));
		/* Draining is asked for only where the unit offers it. */
		if ((slot->lo & 0xF) == VTD_QI_IOTLB) {
			if (!(u->cap & VTD_CAP_DRD))
				slot->lo &= ~VTD_IOTLB_DR;
			if (!(u->cap & VTD_CAP_DWD))
				slot->lo &= ~VTD_IOTLB_DW;
		}
		flush_lines(slot, sizeof(*slot));
		u->iq_tail = (u->iq_tail + 1) % IQ_ENTRIES;
	}
	__asm__ volatile("sfence" ::: "memory");
	wr64(u, VTD_IQT, (uint64_t)u->iq_tail << VTD_IQT_SHIFT);
	start = rdtsc();
	while (__atomic_load_n(u->wait_word, __ATOMIC_ACQUIRE) != 1) {
		if (rd32(u, VTD_FSTS) & VTD_FSTS_IQE) {
			pr_err("iommu: unit at 0x%llx refused an invalidation descriptor\n",
			       (unsigned long long)u->base);
			wr32(u, VTD_FSTS, VTD_FSTS_IQE);
			return -ERR_IO;
		}
		if (rdtsc() - start > limit) {
			pr_err("iommu: unit at 0x%llx did not finish an invalidation\n",
			       (unsigned long long)u->base);
			return -ERR_IO;
		}
		cpu_relax();
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t type = d[i].lo & 0xF;

		if (type == VTD_QI_IOTLB)
			stats.iotlb_flushes++;
		else if (type == VTD_QI_IEC)
			stats.irq_cache_flushes++;
	}
	return 0;
}

static int qi_all(const struct vtd_entry *d, unsigned n)
{
	int ret = 0;

	for (unsigned i = 0; i < nunits; i++) {
		int err = units[i].iq ? qi_run(&units[i], d, n) : 0;

		if (err)
			ret = err;
	}
	return ret;
}

/* Frees the tables that unmapping unlinked, once no IOTLB can hold them. */
static void release_pending(void)
{
	for (unsigned i = 0; i < npending; i++)
		page_free(phys_to_virt(pending_free[i]));
	npending = 0;
}

static int flush_domain(const struct iommu_domain *d)
{
	struct vtd_entry iotlb = vtd_qi_iotlb_domain(d->did);
	int err;

	write_buffer_flush();
	err = qi_all(&iotlb, 1);
	if (!err)
		release_pending();
	return err;
}

/* ---- second-level table memory ---- */

static void *sl_alloc(void *ctx, uint64_t *pa)
{
	void *p = page_alloc();

	if (p)
		*pa = virt_to_phys(p);
	return p;
}

/* A table a walk may still hold in its IOTLB or paging caches is freed
 * only after the next invalidation. */
static void sl_free(void *ctx, uint64_t pa)
{
	if (npending == PENDING_FREES) {
		struct vtd_entry g = vtd_qi_iotlb_global();

		if (qi_all(&g, 1))
			return; /* leak rather than reuse a table a unit may walk */
		release_pending();
	}
	pending_free[npending++] = pa;
}

static void *sl_va(void *ctx, uint64_t pa)
{
	return phys_to_virt(pa);
}

static void sl_sync(void *ctx, const void *va, size_t len)
{
	flush_lines(va, len);
}

static struct pt_mem_ops sl_mem = {sl_alloc, sl_free, sl_va, NULL, NULL};

/* ---- config space for device scopes behind bridges ---- */

static struct acpi_ecam ecams[16];
static int necams;

static int ecam_read8(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint16_t off)
{
	for (int i = 0; i < necams; i++) {
		const struct acpi_ecam *e = &ecams[i];
		uint8_t v;

		if (e->segment != seg || bus < e->bus_start || bus > e->bus_end)
			continue;
		if (*(volatile uint16_t *)phys_to_virt(e->base + ((uint64_t)bus << 20) +
						       ((uint64_t)devfn << 12)) == 0xFFFF)
			return -1;
		v = *(volatile uint8_t *)phys_to_virt(e->base + ((uint64_t)bus << 20) +
						      ((uint64_t)devfn << 12) + off);
		return v;
	}
	return -1;
}

static const struct dmar_cfg ecam_cfg = {ecam_read8, NULL};

static void ecam_init(const struct boot_info *bi)
{
	uint64_t mcfg;

	necams = 0;
	if (acpi_find_table(&host_acpi_mem, bi->rsdp_pa, "MCFG", &mcfg))
		return;
	necams = acpi_mcfg_segments(&host_acpi_mem, mcfg, ecams, ARRAY_SIZE(ecams));
	if (necams < 0)
		necams = 0;
	for (int i = 0; i < necams; i++) {
		uint64_t lo = ecams[i].base + ((uint64_t)ecams[i].bus_start << 20);
		uint64_t hi = ecams[i].base + (((uint64_t)ecams[i].bus_end + 1) << 20);

		if (host_paging_map_mmio(lo, hi - lo))
			necams = i;
	}
}

/* ---- root and context tables ---- */

static struct seg_tables *seg_get(uint16_t seg, bool create)
{
	for (unsigned i = 0; i < MAX_SEGS; i++)
		if (segs[i].used && segs[i].seg == seg)
			return &segs[i];
	if (!create)
		return NULL;
	for (unsigned i = 0; i < MAX_SEGS; i++) {
		if (segs[i].used)
			continue;
		segs[i].root = page_alloc();
		if (!segs[i].root)
			return NULL;
		flush_lines(segs[i].root, PAGE_SIZE);
		segs[i].used = true;
		segs[i].seg = seg;
		return &segs[i];
	}
	return NULL;
}

/* The context entry of seg:rid, its table created (and linked from the
 * root table) when create is set; *fresh tells a new root entry. */
static struct vtd_entry *ctx_entry(uint16_t seg, uint16_t rid, bool create, bool *fresh)
{
	struct seg_tables *s = seg_get(seg, create);
	unsigned bus = rid >> 8;

	if (fresh)
		*fresh = false;
	if (!s)
		return NULL;
	if (!s->ctx[bus]) {
		struct vtd_entry *root = &s->root[bus];

		if (!create)
			return NULL;
		s->ctx[bus] = page_alloc();
		if (!s->ctx[bus])
			return NULL;
		flush_lines(s->ctx[bus], PAGE_SIZE);
		*root = vtd_root_entry(virt_to_phys(s->ctx[bus]));
		flush_lines(root, sizeof(*root));
		if (fresh)
			*fresh = true;
	}
	return &s->ctx[bus][rid & 0xFF];
}

/* The domain a function is attached to, from its context entry. */
static struct iommu_domain *owner_of(uint16_t seg, uint16_t rid)
{
	const struct vtd_entry *e = ctx_entry(seg, rid, false, NULL);
	unsigned did;

	if (!e || !(e->lo & VTD_CTX_P))
		return NULL;
	did = (unsigned)bit_extract(e->hi, VTD_CTX_DID_OFF, 16);
	return did && did <= MAX_DOMAINS && domains[did - 1].used ? &domains[did - 1] : NULL;
}

static int unit_for(uint16_t seg, uint16_t rid)
{
	int u = dmar_unit_for(&dmar, seg, rid, &ecam_cfg);

	return u >= 0 && (unsigned)u < nunits && units[u].on ? u : -ERR_NOENT;
}

/* Makes the context entry of seg:rid point at d (NULL: not present), then
 * invalidates what the covering unit may have cached of the old entry. */
static int set_context(uint16_t seg, uint16_t rid, struct iommu_domain *d)
{
	struct iommu_domain *old = owner_of(seg, rid);
	struct vtd_entry *e, inv[2];
	bool fresh;
	int u = unit_for(seg, rid);

	if (u < 0)
		return -ERR_NODEV;
	e = ctx_entry(seg, rid, d != NULL, &fresh);
	if (!e)
		return d ? -ERR_NOMEM : 0;
	if (d) {
		struct vtd_entry n = vtd_context_entry(d->pt.root_pa, aw, d->did);

		/* Not present while it changes; present bit (low qword) last. */
		__atomic_store_n(&e->lo, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&e->hi, n.hi, __ATOMIC_RELEASE);
		__atomic_store_n(&e->lo, n.lo, __ATOMIC_RELEASE);
	} else {
		__atomic_store_n(&e->lo, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&e->hi, 0, __ATOMIC_RELEASE);
	}
	flush_lines(e, sizeof(*e));
	write_buffer_flush();
	/* A unit in caching mode may cache a not-present entry under domain
	 * id 0; a new root entry is in the context cache too. */
	if (fresh)
		inv[0] = vtd_qi_context_global();
	else
		inv[0] = vtd_qi_context_device(old ? old->did : caching_mode ? 0 : d->did, rid);
	inv[1] = vtd_qi_iotlb_domain(old ? old->did : d->did);
	return qi_run(&units[u], inv, 2);
}

/* ---- unit bring-up ---- */

static void describe(unsigned idx, const struct unit *u)
{
	uint64_t lp = VTD_CAP_SLLPS(u->cap);

	pr_info("iommu: VT-d unit %u: CAP 0x%llx ECAP 0x%llx\n", idx, (unsigned long long)u->cap,
		(unsigned long long)u->ecap);

	pr_info("iommu: VT-d unit %u at 0x%llx: ver %u.%u, %s-bit, %s pages, QI, IR+EIM%s%s%s\n",
		idx, (unsigned long long)u->base, (u->ver >> 4) & 0xF, u->ver & 0xF,
		VTD_CAP_SAGAW(u->cap) & VTD_SAGAW_48 ? "48" : "39",
		(lp & VTD_SLLPS_1G) && (lp & VTD_SLLPS_2M) ? "2M/1G"
		: lp & VTD_SLLPS_2M			   ? "2M"
							   : "4K",
		u->cap & VTD_CAP_CM ? ", caching mode" : "",
		u->ecap & VTD_ECAP_C ? "" : ", walks not coherent (clflush)",
		dmar.units[idx].include_all ? ", all other functions" : "");
}

/* Reads what the unit offers; refuses it clearly when argon cannot use it. */
static int probe_unit(unsigned idx)
{
	const struct dmar_unit *d = &dmar.units[idx];
	struct unit *u = &units[idx];
	char why[160];
	int err;

	u->base = d->base;
	u->seg = d->segment;
	err = host_paging_map_mmio(u->base, PAGE_SIZE << d->size_log2);
	if (err) {
		pr_err("iommu: VT-d unit %u at 0x%llx: cannot map its registers\n", idx,
		       (unsigned long long)u->base);
		return err;
	}
	u->ver = rd32(u, VTD_VER);
	u->cap = rd64(u, VTD_CAP);
	u->ecap = rd64(u, VTD_ECAP);
	if (u->cap == ~0ULL || u->ecap == ~0ULL) {
		pr_err("iommu: VT-d unit %u at 0x%llx: registers read all ones\n", idx,
		       (unsigned long long)u->base);
		return -ERR_NODEV;
	}
	err = host_paging_map_mmio(
		u->base, ALIGN_UP(VTD_CAP_FRO(u->cap) + 16 * VTD_CAP_NFR(u->cap), PAGE_SIZE));
	if (err)
		return err;
	err = vtd_unit_check(u->cap, u->ecap, why, sizeof(why));
	if (err)
		pr_err("iommu: VT-d unit %u at 0x%llx %s; argon cannot use it\n", idx,
		       (unsigned long long)u->base, why);
	return err;
}

static void clear_faults(struct unit *u)
{
	for (unsigned i = 0; i < VTD_CAP_NFR(u->cap); i++)
		wr64(u, VTD_CAP_FRO(u->cap) + 16 * i + 8, VTD_FRCD_F);
	wr32(u, VTD_FSTS, VTD_FSTS_PFO | VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE);
}

static int bring_up(unsigned idx)
{
	struct unit *u = &units[idx];
	struct seg_tables *s = seg_get(u->seg, true);
	uint32_t sts = rd32(u, VTD_GSTS);
	int err = 0;

	if (!s)
		return -ERR_NOMEM;
	/* 1. What firmware left on goes off first, translation before
	 * interrupts, the queue last; and protected-memory regions. */
	u->gcmd = sts & VTD_GCMD_PERSIST;
	if (sts & VTD_GCMD_TE)
		err = gcmd_enable(u, VTD_GCMD_TE, false);
	if (!err && (sts & VTD_GCMD_IRE))
		err = gcmd_enable(u, VTD_GCMD_IRE, false);
	if (!err && (sts & VTD_GCMD_QIE))
		err = gcmd_enable(u, VTD_GCMD_QIE, false);
	if (!err && (sts & VTD_GCMD_CFI))
		err = gcmd_enable(u, VTD_GCMD_CFI, false);
	if (!err && (rd32(u, VTD_PMEN) & VTD_PMEN_PRS)) {
		wr32(u, VTD_PMEN, 0);
		if (!poll32(u, VTD_PMEN, VTD_PMEN_PRS, 0))
			err = -ERR_IO;
	}
	if (err) {
		pr_err("iommu: VT-d unit %u: cannot turn off what firmware left on\n", idx);
		return err;
	}
	/* 2. Faults: clear the records, mask the event (argon polls). */
	clear_faults(u);
	wr32(u, VTD_FECTL, VTD_FECTL_IM);
	/* 3. Root table, legacy mode. */
	wr64(u, VTD_RTADDR, virt_to_phys(s->root) | VTD_RTADDR_LEGACY);
	err = gcmd_oneshot(u, VTD_GCMD_SRTP);
	/* 4. Interrupt-remapping table, x2APIC format. */
	if (!err) {
		wr64(u, VTD_IRTA, virt_to_phys(irt) | VTD_IRTA_EIME | IRT_S);
		err = gcmd_oneshot(u, VTD_GCMD_SIRTP);
	}
	/* 5. Invalidation queue. */
	if (!err) {
		u->iq = page_alloc();
		if (!u->iq)
			return -ERR_NOMEM;
		flush_lines(u->iq, PAGE_SIZE);
		u->iq_tail = 0;
		u->wait_word = &wait_words[idx * 16];
		wr64(u, VTD_IQT, 0);
		wr64(u, VTD_IQA, virt_to_phys(u->iq)); /* DW = 0, QS = 0 */
		err = gcmd_enable(u, VTD_GCMD_QIE, true);
	}
	/* 6. Drop whatever the unit cached before. */
	if (!err) {
		struct vtd_entry g[3] = {vtd_qi_context_global(), vtd_qi_iotlb_global(),
					 vtd_qi_iec_global()};

		err = qi_run(u, g, 3);
	}
	if (err)
		pr_err("iommu: VT-d unit %u: bring-up failed (%s)\n", idx, err_str(err));
	return err;
}

static int enable(unsigned idx)
{
	struct unit *u = &units[idx];
	int err;

	/* CFI stays 0: compatibility-format interrupts are blocked. */
	err = gcmd_enable(u, VTD_GCMD_TE, true);
	if (!err)
		err = gcmd_enable(u, VTD_GCMD_IRE, true);
	if (err)
		pr_err("iommu: VT-d unit %u: translation or remapping did not turn on\n", idx);
	u->on = !err;
	return err;
}

/* Firmware keeps DMA going to its reserved regions (USB legacy emulation,
 * management controllers): those functions get an identity map of their
 * RMRRs, so blocking everything else does not break the firmware. They
 * cannot be given to a guest (attach says busy). */
static void attach_rmrr_devices(void)
{
	struct iommu_domain *fw = NULL;

	for (unsigned i = 0; i < dmar.nrmrrs; i++) {
		const struct dmar_rmrr *r = &dmar.rmrrs[i];

		for (unsigned k = 0; k < r->nscopes; k++) {
			const struct dmar_scope *sc = &dmar.scopes[r->scope_first + k];
			uint16_t rid;

			if (sc->type != DMAR_SCOPE_ENDPOINT ||
			    dmar_scope_rid(sc, r->segment, &ecam_cfg, &rid))
				continue;
			if (!fw)
				fw = iommu_domain_create("firmware (RMRR)");
			if (!fw || iommu_domain_map(fw, r->base, r->base, r->limit + 1 - r->base) ||
			    iommu_attach(fw, r->segment, rid)) {
				pr_warn("iommu: cannot keep firmware's DMA region 0x%llx-0x%llx "
					"for %04x:%02x:%02x.%u\n",
					(unsigned long long)r->base, (unsigned long long)r->limit,
					r->segment, rid >> 8, (rid >> 3) & 31, rid & 7);
				continue;
			}
			pr_info("iommu: %04x:%02x:%02x.%u keeps firmware's DMA region "
				"0x%llx-0x%llx (RMRR)\n",
				r->segment, rid >> 8, (rid >> 3) & 31, rid & 7,
				(unsigned long long)r->base, (unsigned long long)r->limit);
		}
	}
}

static int common_caps(void)
{
	uint64_t sagaw = ~0ULL;

	sllps = ~0ULL;
	coherent = true;
	max_did = MAX_DOMAINS;
	for (unsigned i = 0; i < nunits; i++) {
		const struct unit *u = &units[i];
		unsigned nd = 1u << (4 + 2 * VTD_CAP_ND(u->cap));

		sagaw &= VTD_CAP_SAGAW(u->cap);
		sllps &= VTD_CAP_SLLPS(u->cap);
		coherent = coherent && (u->ecap & VTD_ECAP_C);
		caching_mode = caching_mode || (u->cap & VTD_CAP_CM);
		rwbf = rwbf || (u->cap & VTD_CAP_RWBF);
		if (nd - 1 < max_did)
			max_did = nd - 1; /* domain id 0 stays unused */
	}
	aw = vtd_aw_from_sagaw(sagaw);
	if (!aw) {
		pr_err("iommu: the units share no 39- or 48-bit address width; argon cannot "
		       "use them\n");
		return -ERR_NOTSUP;
	}
	sl_mem.sync = coherent ? NULL : sl_sync;
	return 0;
}

int iommu_init(const struct boot_info *bi)
{
	const void *table;
	uint32_t len;
	uint64_t pa;
	int err;

	if (!bi->rsdp_pa || acpi_find_table(&host_acpi_mem, bi->rsdp_pa, "DMAR", &pa)) {
		pr_info("iommu: no DMAR table: no IOMMU, so no PCI function can be given to a "
			"guest\n");
		return -ERR_NOENT;
	}
	err = acpi_table_map(&host_acpi_mem, pa, "DMAR", &table, &len);
	if (!err)
		err = dmar_parse(table, len, &dmar);
	if (err) {
		pr_err("iommu: DMAR at 0x%llx unusable: %s\n", (unsigned long long)pa,
		       err == -ERR_INVAL || err == -ERR_NOSPC ? dmar.why : err_str(err));
		return err;
	}
	ecam_init(bi);
	nunits = dmar.nunits;
	for (unsigned i = 0; i < nunits; i++) {
		err = probe_unit(i);
		if (err)
			return err;
	}
	err = common_caps();
	if (err)
		return err;
	irt = pages_alloc(IRT_PAGES);
	if (!irt)
		return -ERR_NOMEM;
	flush_lines(irt, IRT_PAGES * PAGE_SIZE);
	for (unsigned i = 0; i < nunits; i++) {
		err = bring_up(i);
		if (err)
			return err;
	}
	/* attach and map check iommu_ready(); RMRR functions are attached
	 * before translation turns on, so their DMA never stops. */
	ready = true;
	for (unsigned i = 0; i < nunits; i++)
		units[i].on = true;
	attach_rmrr_devices();
	for (unsigned i = 0; i < nunits; i++) {
		err = enable(i);
		if (err) {
			ready = false;
			return err;
		}
		describe(i, &units[i]);
	}
	pr_info("iommu: %u unit(s) on: DMA of every function not attached is blocked, "
		"interrupts are remapped (%u entries), compatibility format blocked\n",
		nunits, IRT_ENTRIES);
	iommu_poll_faults();
	return 0;
}

bool iommu_ready(void)
{
	return ready;
}

bool iommu_covers(uint16_t seg, uint16_t rid)
{
	return ready && unit_for(seg, rid) >= 0;
}

/* ---- domains ---- */

struct iommu_domain *iommu_domain_create(const char *owner)
{
	struct iommu_domain *d = NULL;

	if (!ready)
		return NULL;
	spin_lock(&lock);
	for (unsigned i = 0; i < MAX_DOMAINS && i < max_did; i++) {
		if (domains[i].used)
			continue;
		d = &domains[i];
		if (vtd_sl_init(&d->pt, &sl_mem, aw, sllps)) {
			d = NULL;
			break;
		}
		d->used = true;
		d->did = (uint16_t)(i + 1);
		str_copy(d->owner, owner ? owner : "?", sizeof(d->owner));
		break;
	}
	spin_unlock(&lock);
	return d;
}

int iommu_domain_map(struct iommu_domain *d, uint64_t gpa, uint64_t hpa, uint64_t size)
{
	int err;

	if (!ready || !d || !d->used)
		return -ERR_INVAL;
	spin_lock(&lock);
	err = vtd_sl_map(&d->pt, gpa, hpa, size);
	/* Also after a partial map; and with caching mode, new entries need
	 * it as much as changed ones. */
	if (flush_domain(d) && !err)
		err = -ERR_IO;
	spin_unlock(&lock);
	return err;
}

int iommu_domain_unmap(struct iommu_domain *d, uint64_t gpa, uint64_t size)
{
	int err;

	if (!ready || !d || !d->used)
		return -ERR_INVAL;
	spin_lock(&lock);
	err = vtd_sl_unmap(&d->pt, gpa, size);
	if (flush_domain(d) && !err)
		err = -ERR_IO;
	spin_unlock(&lock);
	return err;
}

int iommu_attach(struct iommu_domain *d, uint16_t seg, uint16_t rid)
{
	struct iommu_domain *cur;
	int err;

	if (!ready || !d || !d->used)
		return -ERR_INVAL;
	spin_lock(&lock);
	cur = owner_of(seg, rid);
	if (cur == d)
		err = 0;
	else if (cur)
		err = -ERR_BUSY;
	else
		err = set_context(seg, rid, d);
	spin_unlock(&lock);
	return err;
}

void iommu_detach(uint16_t seg, uint16_t rid)
{
	if (!ready)
		return;
	spin_lock(&lock);
	if (owner_of(seg, rid))
		set_context(seg, rid, NULL);
	spin_unlock(&lock);
}

/* ---- interrupt remapping ---- */

static bool irq_valid(unsigned h)
{
	return h < IRT_ENTRIES && (irt_used[h / 8] & (1u << (h % 8)));
}

int iommu_irq_alloc(uint16_t seg, uint16_t rid, unsigned *handle)
{
	int err = -ERR_NOSPC;

	if (!ready || !handle)
		return -ERR_INVAL;
	if (!iommu_covers(seg, rid))
		return -ERR_NODEV;
	spin_lock(&lock);
	for (unsigned h = 0; h < IRT_ENTRIES; h++) {
		if (irt_used[h / 8] & (1u << (h % 8)))
			continue;
		irt_used[h / 8] |= (uint8_t)(1u << (h % 8));
		irt_rid[h] = rid;
		irt_seg[h] = seg;
		*handle = h;
		err = 0;
		break;
	}
	spin_unlock(&lock);
	return err;
}

/* Writes an entry (the high half, constant for a handle's owner, before
 * the low half with P) and invalidates it in every unit's cache. */
static int irte_write(unsigned h, struct vtd_entry e)
{
	struct vtd_entry inv = vtd_qi_iec_index(h);

	__atomic_store_n(&irt[h].hi, e.hi, __ATOMIC_RELEASE);
	__atomic_store_n(&irt[h].lo, e.lo, __ATOMIC_RELEASE);
	flush_lines(&irt[h], sizeof(irt[h]));
	return qi_all(&inv, 1);
}

int iommu_irq_route(unsigned handle, uint32_t apic_id, uint8_t vector)
{
	int err;

	if (!ready || vector < 16)
		return -ERR_INVAL;
	spin_lock(&lock);
	err = irq_valid(handle) ? irte_write(handle, vtd_irte(apic_id, vector, irt_rid[handle]))
				: -ERR_INVAL;
	spin_unlock(&lock);
	return err;
}

void iommu_irq_block(unsigned handle)
{
	if (!ready)
		return;
	spin_lock(&lock);
	if (irq_valid(handle))
		irte_write(handle, (struct vtd_entry){0, irt[handle].hi});
	spin_unlock(&lock);
}

void iommu_irq_free(unsigned handle)
{
	if (!ready)
		return;
	spin_lock(&lock);
	if (irq_valid(handle)) {
		irte_write(handle, (struct vtd_entry){0, 0});
		irt_used[handle / 8] &= (uint8_t) ~(1u << (handle % 8));
	}
	spin_unlock(&lock);
}

void iommu_irq_message(unsigned handle, uint64_t *addr, uint32_t *data)
{
	vtd_msi_message(handle, addr, data);
}

/* ---- faults ---- */

static void log_fault(const struct unit *u, const struct vtd_fault *f)
{
	const struct iommu_domain *d = owner_of(u->seg, f->sid);
	const char *owner = d ? d->owner : "no guest";

	stats.faults++;
	if (faults_logged >= FAULT_LOG_MAX) {
		if (faults_logged++ == FAULT_LOG_MAX)
			pr_warn("iommu: %u faults logged; further ones are only counted\n",
				FAULT_LOG_MAX);
		return;
	}
	faults_logged++;
	if (f->interrupt)
		pr_warn("iommu: interrupt fault: %s %04x:%02x:%02x.%u index %u reason 0x%02x "
			"(%s)\n",
			owner, u->seg, f->sid >> 8, (f->sid >> 3) & 31, f->sid & 7, f->index,
			f->reason, vtd_fault_reason(f->reason));
	else
		pr_warn("iommu: DMA fault: %s %04x:%02x:%02x.%u addr 0x%llx reason 0x%02x (%s)\n",
			owner, u->seg, f->sid >> 8, (f->sid >> 3) & 31, f->sid & 7,
			(unsigned long long)f->addr, f->reason, vtd_fault_reason(f->reason));
}

static void poll_unit(struct unit *u)
{
	uint32_t fsts = rd32(u, VTD_FSTS);
	unsigned nfr = VTD_CAP_NFR(u->cap), fro = VTD_CAP_FRO(u->cap);

	if (fsts & VTD_FSTS_PPF) {
		/* Records fill round-robin from FRI; stop at the first clear one. */
		for (unsigned n = 0, i = VTD_FSTS_FRI(fsts) % nfr; n < nfr;
		     n++, i = (i + 1) % nfr) {
			uint64_t hi = rd64(u, fro + 16 * i + 8), lo;
			struct vtd_fault f;

			if (!(hi & VTD_FRCD_F))
				break;
			lo = rd64(u, fro + 16 * i);
			f = vtd_fault_decode(lo, hi);
			wr64(u, fro + 16 * i + 8, VTD_FRCD_F);
			log_fault(u, &f);
		}
	}
	if (fsts & VTD_FSTS_PFO) {
		pr_warn("iommu: unit at 0x%llx: fault records overflowed, some faults were not "
			"recorded\n",
			(unsigned long long)u->base);
		wr32(u, VTD_FSTS, VTD_FSTS_PFO);
	}
	if (fsts & (VTD_FSTS_ICE | VTD_FSTS_ITE)) {
		pr_warn("iommu: unit at 0x%llx: invalidation completion or time-out error\n",
			(unsigned long long)u->base);
		wr32(u, VTD_FSTS, VTD_FSTS_ICE | VTD_FSTS_ITE);
	}
}

void iommu_poll_faults(void)
{
	if (!ready)
		return;
	/* Never wait: the console CPU's tick must not stall on a CPU that is
	 * attaching; the faults keep until the next tick. */
	if (!spin_trylock(&lock))
		return;
	for (unsigned i = 0; i < nunits; i++)
		if (units[i].on)
			poll_unit(&units[i]);
	spin_unlock(&lock);
}

void iommu_get_stats(struct iommu_stats *out)
{
	spin_lock(&lock);
	*out = stats;
	spin_unlock(&lock);
}
