/* The machine's PCI configuration space through ECAM, as the ACPI MCFG
 * places it, and the table of functions enumerated once at boot. ECAM
 * accesses are plain uncached loads and stores, so any CPU may make them
 * at any time without a lock (unlike the 0xCF8/0xCFC port pair). */
#include "lib/err.h"
#include "sriov/pci.h"
#include "sriov/vf_bars.h"
#include "vmm/host/acpi_tables.h"
#include "vmm/host/host_acpi.h"
#include "vmm/log.h"
#include "vmm/host/tsc.h"
#include "vmm/page_alloc.h"
#include "vmm/x86.h"

#define PCI_MAX_SEGMENTS 16

static struct acpi_ecam ecam[PCI_MAX_SEGMENTS];
static unsigned necam;
static struct pci_bus_info host_bus;

/* The address of offset off of function rid, or NULL if no ECAM region
 * covers its segment and bus. */
static volatile void *ecam_addr(uint16_t seg, uint16_t rid, uint16_t off)
{
	uint8_t bus = (uint8_t)(rid >> 8);

	for (unsigned i = 0; i < necam; i++) {
		const struct acpi_ecam *e = &ecam[i];

		if (e->segment == seg && bus >= e->bus_start && bus <= e->bus_end)
			return (volatile void *)(uintptr_t)(e->base +
							    ((uint64_t)rid << 12 | (off & 0xfffu)));
	}
	return NULL;
}

static uint32_t ecam_read(void *ctx, uint16_t seg, uint16_t rid, uint16_t off, unsigned size)
{
	volatile void *p = ecam_addr(seg, rid, off);

	if (!p || off % size)
		return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	switch (size) {
	case 1:
		return *(volatile uint8_t *)p;
	case 2:
		return *(volatile uint16_t *)p;
	default:
		return *(volatile uint32_t *)p;
	}
}

static void ecam_write(void *ctx, uint16_t seg, uint16_t rid, uint16_t off, unsigned size,
		       uint32_t val)
{
	volatile void *p = ecam_addr(seg, rid, off);

	if (!p || off % size)
		return;
	switch (size) {
	case 1:
		*(volatile uint8_t *)p = (uint8_t)val;
		break;
	case 2:
		*(volatile uint16_t *)p = (uint16_t)val;
		break;
	default:
		*(volatile uint32_t *)p = val;
		break;
	}
}

static const struct pci_cfg_ops ecam_ops = {ecam_read, ecam_write, NULL};

static int read_mcfg(const struct boot_info *bi)
{
	uint64_t mcfg;
	int n, err;

	if (!bi->rsdp_pa)
		return -ERR_NOENT;
	err = acpi_find_table(&host_acpi_mem, bi->rsdp_pa, ACPI_SIG_MCFG, &mcfg);
	if (err)
		return err;
	n = acpi_mcfg_segments(&host_acpi_mem, mcfg, ecam, PCI_MAX_SEGMENTS);
	if (n == -ERR_NOSPC) {
		pr_warn("pci: the MCFG lists more than %u ECAM regions; using the first %u\n",
			PCI_MAX_SEGMENTS, PCI_MAX_SEGMENTS);
		n = PCI_MAX_SEGMENTS;
	}
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		const struct acpi_ecam *e = &ecam[i];
		uint64_t start = e->base + ((uint64_t)e->bus_start << ACPI_ECAM_BUS_SHIFT);
		uint64_t size = (uint64_t)(e->bus_end - e->bus_start + 1) << ACPI_ECAM_BUS_SHIFT;

		if (e->bus_start > e->bus_end || (e->base & (MiB - 1)) || start + size < start) {
			pr_warn("pci: MCFG region %d (segment %u, buses %02x-%02x at 0x%llx) is "
				"malformed; skipped\n",
				i, e->segment, e->bus_start, e->bus_end,
				(unsigned long long)e->base);
			continue;
		}
		err = host_paging_map_mmio(start, size);
		if (err)
			return err;
		pci_vf_bars_reserve(start, size);
		ecam[necam++] = *e;
	}
	return 0;
}

int pci_init(const struct boot_info *bi)
{
	struct pci_segment segs[PCI_MAX_SEGMENTS];
	char line[200];
	unsigned acs;
	int err;

	host_bus.cfg = &ecam_ops;
	pci_vf_bars_init(bi);
	err = read_mcfg(bi);
	if (err == -ERR_NOENT) {
		/* A legacy-BIOS machine without PCIe ECAM: nothing to assign,
		 * nothing wrong with that. */
		pr_info("pci: no MCFG table: no PCI function can be assigned\n");
		return err;
	}
	if (err) {
		pr_warn("pci: unusable MCFG (%s): no PCI function can be assigned\n", err_str(err));
		return err;
	}
	for (unsigned i = 0; i < necam; i++)
		segs[i] = (struct pci_segment){ecam[i].segment, ecam[i].bus_start, ecam[i].bus_end};
	err = pci_enumerate(&ecam_ops, segs, necam, &host_bus);
	if (err == -ERR_NOSPC)
		pr_warn("pci: more than %u functions; those past them are not listed and cannot "
			"be assigned\n",
			PCI_MAX_FUNCS);
	else if (err)
		return trace_err(err);
	/* Before any guest: peer-to-peer requests of assigned functions go
	 * up to the IOMMU (the boot check refuses functions where they
	 * cannot). */
	acs = pci_enable_acs(&host_bus);
	if (acs)
		pr_info("pci: ACS isolation turned on in %u port(s) or function(s)\n", acs);
	for (unsigned i = 0; i < host_bus.count; i++) {
		pci_describe(&host_bus, &host_bus.f[i], line, sizeof(line));
		pr_info("pci: %s\n", line);
	}
	pr_info("pci: %u function(s) in %u ECAM region(s)\n", host_bus.count, necam);
	return 0;
}

const struct pci_bus_info *pci_host(void)
{
	return &host_bus;
}

struct pci_func *pci_find(uint16_t seg, uint16_t rid)
{
	for (unsigned i = 0; i < host_bus.count; i++)
		if (host_bus.f[i].seg == seg && host_bus.f[i].rid == rid)
			return &host_bus.f[i];
	return NULL;
}

struct pci_func *pci_add_vf(const struct pci_func *vf)
{
	struct pci_func *f = pci_find(vf->seg, vf->rid);

	if (f)
		return f->is_vf ? f : NULL;
	if (host_bus.count == PCI_MAX_FUNCS)
		return NULL;
	f = &host_bus.f[host_bus.count];
	*f = *vf;
	/* Published after it is complete: other CPUs only read the table. */
	__atomic_store_n(&host_bus.count, host_bus.count + 1, __ATOMIC_RELEASE);
	return f;
}

void pci_truncate(unsigned count)
{
	if (count < host_bus.count)
		__atomic_store_n(&host_bus.count, count, __ATOMIC_RELEASE);
}

struct pci_func *pci_find_vf(uint16_t seg, uint16_t pf_rid, unsigned vf_num)
{
	for (unsigned i = 0; i < host_bus.count; i++) {
		struct pci_func *f = &host_bus.f[i];

		if (f->is_vf && f->seg == seg && f->vf_num == vf_num &&
		    host_bus.f[f->pf].rid == pf_rid && host_bus.f[f->pf].seg == seg)
			return f;
	}
	return NULL;
}

const struct pci_func *pci_vf_pf(const struct pci_func *vf)
{
	return &host_bus.f[vf->pf];
}

uint32_t pci_read(const struct pci_func *f, uint16_t off, unsigned size)
{
	return ecam_read(NULL, f->seg, f->rid, off, size);
}

void pci_write(const struct pci_func *f, uint16_t off, unsigned size, uint32_t val)
{
	ecam_write(NULL, f->seg, f->rid, off, size, val);
}

/* The TSC as pci_reset_cfg's clock. Before (or without) a calibration,
 * assume 3 GHz, which makes waits longer on slower machines, never
 * shorter on the ones argon targets. */
static uint64_t tsc_now_us(void *ctx)
{
	uint64_t mhz = tsc_khz >= 1000 ? (tsc_khz + 999) / 1000 : 3000;

	return rdtsc() / mhz;
}

static void tsc_delay_us(void *ctx, uint64_t us)
{
	uint64_t start = tsc_now_us(ctx);

	while (tsc_now_us(ctx) - start < us)
		cpu_relax();
}

static const struct pci_wait_ops tsc_wait = {tsc_now_us, tsc_delay_us, NULL};

int pci_reset(struct pci_func *f)
{
	return pci_reset_cfg(&ecam_ops, &tsc_wait, f);
}

int pci_restore_bars(const struct pci_func *f)
{
	return pci_restore_bars_cfg(&ecam_ops, f);
}
