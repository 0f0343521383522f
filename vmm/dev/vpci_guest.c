/* The guest's PCI bus in argon: the trapped ECAM, the functions assigned
 * to the guest (IOMMU domain, resets, BARs in the memory map, MSI-X table
 * trapped) and their lifecycle. The configuration-space model is
 * vmm/dev/vpci.c, the MSI-X shadow vmm/dev/vmsix.c. */
#include "iommu/iommu.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "lib/string.h"
#include "sriov/pci.h"
#include "vmm/dev/vmsix.h"
#include "vmm/dev/vpci.h"
#include "vmm/guest.h"
#include "vmm/host/cpu.h"
#include "vmm/log.h"
#include "vmm/mmio.h"
#include "vmm/page_alloc.h"
#include "vmm/x86.h"

/* The 64-bit BAR window, above the guest's RAM, for the BARs that do not
 * fit the 32-bit one; aligned to its size so that it holds a BAR that
 * large. */
#define MMIO64_SIZE (64 * GiB)
#define CPUID_EXT_MAX 0x80000000u
#define CPUID_ADDR_SIZES 0x80000008u
#define PHYS_BITS_DEFAULT 36
#define PHYS_BITS_MAX 48 /* the nested tables' 4-level reach */

/* The interrupt window: never in a domain (iommu/iommu.h). */
#define IRQ_WINDOW_BASE 0xFEE00000ull
#define IRQ_WINDOW_SIZE 0x100000ull

static struct guest_pci_fn *fn_of(struct guest *g, const struct vpci_dev *d)
{
	return &g->pcifn[d->slot - 1];
}

/* ---- the ECAM ---- */

static uint64_t ecam_read(struct vcpu *v, void *dev, uint64_t off, unsigned size)
{
	struct guest *g = v->guest;
	uint64_t val;

	(void)dev;
	spin_lock(&g->pci_lock);
	val = vpci_read(&g->pci, off, size);
	spin_unlock(&g->pci_lock);
	return val;
}

static void ecam_write(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct guest *g = v->guest;

	(void)dev;
	spin_lock(&g->pci_lock);
	vpci_write(&g->pci, off, size, val);
	spin_unlock(&g->pci_lock);
}

static const struct mmio_ops ecam_ops = {.read = ecam_read, .write = ecam_write};

/* ---- accesses forwarded to the device's registers ---- */

static uint64_t reg_read(volatile uint8_t *p, unsigned size)
{
	switch (size) {
	case 1:
		return *p;
	case 2:
		return *(volatile uint16_t *)p;
	case 4:
		return *(volatile uint32_t *)p;
	default:
		return *(volatile uint64_t *)p;
	}
}

static void reg_write(volatile uint8_t *p, unsigned size, uint64_t val)
{
	switch (size) {
	case 1:
		*p = (uint8_t)val;
		break;
	case 2:
		*(volatile uint16_t *)p = (uint16_t)val;
		break;
	case 4:
		*(volatile uint32_t *)p = (uint32_t)val;
		break;
	default:
		*(volatile uint64_t *)p = val;
		break;
	}
}

/* The trapped pages of BAR b of fn: the MSI-X table's (shadowed), the PBA
 * where it shares them (read through, writes ignored), anything else
 * there forwarded to the device. A BAR smaller than a page is trapped
 * whole; past its end reads are all ones and writes go nowhere. */
struct trap_ctx {
	struct guest_pci_fn *fn;
	unsigned bar;
};

static struct trap_ctx trap_ctxs[ARGON_MAX_GUESTS][VPCI_MAX_DEVS][PCI_NUM_BARS];

static bool in_range(uint64_t off, unsigned size, uint64_t start, uint64_t len)
{
	return off >= start && off - start < len && size <= len - (off - start);
}

static uint64_t trap_read(struct vcpu *v, void *dev, uint64_t off, unsigned size)
{
	struct trap_ctx *t = dev;
	struct guest_pci_fn *fn = t->fn;
	struct guest *g = v->guest;
	const struct vpci_bar *bar = &fn->vd->bar[t->bar];
	uint64_t at = fn->bar[t->bar].trap_off + off, val = ~0ULL;

	spin_lock(&g->pci_lock);
	if (fn->has_msix && fn->mi.table_bar == t->bar &&
	    in_range(at, size, fn->mi.table_off, (uint64_t)fn->msix.n * VMSIX_ENTRY_SIZE))
		val = vmsix_read(&fn->msix, at - fn->mi.table_off, size);
	else if (at + size <= bar->size)
		val = reg_read((volatile uint8_t *)phys_to_virt(bar->hpa + at), size);
	spin_unlock(&g->pci_lock);
	return val;
}

static void trap_write(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct trap_ctx *t = dev;
	struct guest_pci_fn *fn = t->fn;
	struct guest *g = v->guest;
	const struct vpci_bar *bar = &fn->vd->bar[t->bar];
	uint64_t at = fn->bar[t->bar].trap_off + off;

	spin_lock(&g->pci_lock);
	if (fn->has_msix && fn->mi.table_bar == t->bar &&
	    in_range(at, size, fn->mi.table_off, (uint64_t)fn->msix.n * VMSIX_ENTRY_SIZE))
		vmsix_write(&fn->msix, at - fn->mi.table_off, size, val);
	else if (fn->has_msix && fn->mi.pba_bar == t->bar &&
		 in_range(at, size, fn->mi.pba_off, (fn->msix.n + 63) / 64 * 8))
		fn->msix.refused++; /* the PBA is read-only */
	else if (at + size <= bar->size)
		reg_write((volatile uint8_t *)phys_to_virt(bar->hpa + at), size, val);
	spin_unlock(&g->pci_lock);
}

static const struct mmio_ops trap_ops = {.read = trap_read, .write = trap_write};

/* ---- BARs in the memory map ---- */

static int add_range(struct guest *g, uint64_t gpa, uint64_t hpa, uint64_t size)
{
	if (g->mem_count >= GUEST_MAX_MEM_RANGES)
		return trace_err(-ERR_NOSPC);
	g->mem[g->mem_count] = (struct gmem_range){gpa, hpa, size, GMEM_DEVICE};
	return (int)g->mem_count++;
}

/* Which pages of BAR b are trapped: the MSI-X table's, or the whole BAR
 * when it cannot be mapped page by page. */
static void trap_span(const struct guest_pci_fn *fn, unsigned b, uint64_t *off, uint64_t *size)
{
	const struct vpci_bar *bar = &fn->vd->bar[b];

	*off = *size = 0;
	if (bar->size < PAGE_SIZE || !IS_ALIGNED(bar->hpa, PAGE_SIZE)) {
		*size = PAGE_SIZE;
		return;
	}
	if (fn->has_msix && fn->mi.table_bar == b) {
		uint64_t start = ALIGN_DOWN((uint64_t)fn->mi.table_off, PAGE_SIZE);
		uint64_t end = ALIGN_UP((uint64_t)fn->mi.table_off +
						(uint64_t)fn->msix.n * VMSIX_ENTRY_SIZE,
					PAGE_SIZE);

		*off = start;
		*size = (end < bar->size ? end : bar->size) - start;
	}
}

/* Puts BAR b of fn at its guest address: the mapped pieces into the
 * memory map, the trapped pages as a region. */
static int bar_setup(struct guest *g, struct guest_pci_fn *fn, unsigned b)
{
	struct guest_pci_bar *gb = &fn->bar[b];
	const struct vpci_bar *bar = &fn->vd->bar[b];
	uint64_t toff, tsize;
	int idx, err;

	gb->mem[0] = gb->mem[1] = gb->mmio = -1;
	trap_span(fn, b, &toff, &tsize);
	gb->trap_off = toff;
	gb->trap_size = tsize;
	if (toff) {
		idx = add_range(g, bar->gpa, bar->hpa, toff);
		if (idx < 0)
			return idx;
		gb->mem[0] = idx;
	}
	if (bar->size > toff + tsize && bar->size >= PAGE_SIZE) {
		idx = add_range(g, bar->gpa + toff + tsize, bar->hpa + toff + tsize,
				bar->size - toff - tsize);
		if (idx < 0)
			return idx;
		gb->mem[1] = idx;
	}
	if (tsize) {
		struct trap_ctx *t = &trap_ctxs[g->id][fn->vd->slot - 1][b];
		uint64_t end = bar->size < toff + tsize ? bar->size : toff + tsize;
		uint64_t lo = ALIGN_DOWN(bar->hpa + toff, PAGE_SIZE);
		uint64_t hi = ALIGN_UP(bar->hpa + end, PAGE_SIZE);

		*t = (struct trap_ctx){fn, b};
		/* argon reaches those registers itself: uncached. */
		err = host_paging_map_mmio(lo, hi - lo);
		if (!err)
			err = mmio_register(g, bar->gpa + toff, tsize, &trap_ops, t);
		if (err)
			return trace_err(err);
		gb->mmio = (int)g->mmio_count - 1;
	}
	return 0;
}

/* Worst case of nested tables a move of a BAR of this size unlinks. */
static unsigned move_tables(uint64_t size)
{
	return (unsigned)(2 * (size / (2 * MiB)) + 8);
}

/* vpci_hooks.bar_move: the guest moved a BAR inside its window. */
static int bar_move(void *ctx, struct vpci_dev *d, unsigned b, uint64_t old_gpa, uint64_t new_gpa)
{
	struct guest *g = ctx;
	struct guest_pci_fn *fn = fn_of(g, d);
	struct guest_pci_bar *gb = &fn->bar[b];
	int err = 0;

	if (g->npt_kept_count + move_tables(d->bar[b].size) > GUEST_NPT_KEPT_MAX)
		return -ERR_NOSPC;
	for (unsigned i = 0; i < 2; i++) {
		struct gmem_range *r = gb->mem[i] >= 0 ? &g->mem[gb->mem[i]] : NULL;

		if (r)
			err = err ? err : pt_unmap(&g->npt, r->gpa, r->size);
	}
	for (unsigned i = 0; i < 2; i++) {
		struct gmem_range *r = gb->mem[i] >= 0 ? &g->mem[gb->mem[i]] : NULL;

		if (!r)
			continue;
		r->gpa = r->gpa - old_gpa + new_gpa;
		if (!err)
			err = pt_map(&g->npt, r->gpa, r->hpa, r->size, PT_RW, PT_MT_UC);
	}
	if (gb->mmio >= 0)
		g->mmio[gb->mmio].gpa = new_gpa + gb->trap_off;
	if (err)
		/* The tables are half-changed: the guest cannot go on safely. */
		guest_stop(g, GUEST_ERROR, "cannot move BAR %u of 00:%02x.0 (%s)", b, d->slot,
			   err_str(err));
	pr_debug("guest '%s': PCI 00:%02x.0 BAR %u moved from 0x%llx to 0x%llx\n", g->name, d->slot,
		 b, (unsigned long long)old_gpa, (unsigned long long)new_gpa);
	return 0;
}

/* ---- interrupts ---- */

static bool apic_is_guests(void *ctx, uint32_t apic_id)
{
	struct guest_pci_fn *fn = ctx;
	struct guest *g = fn->guest;

	for (unsigned i = 0; i < g->vcpu_count; i++)
		if (g->vcpus[i].pcpu->apic_id == apic_id)
			return true;
	return false;
}

static int irq_route(void *ctx, int *handle, uint32_t apic, uint8_t vector, uint64_t *addr,
		     uint32_t *data)
{
	struct guest_pci_fn *fn = ctx;
	unsigned h;
	int err;

	if (*handle < 0) {
		err = iommu_irq_alloc(fn->f->seg, fn->dma_rid, &h);
		if (err)
			return err;
		*handle = (int)h;
	}
	err = iommu_irq_route((unsigned)*handle, apic, vector);
	if (err)
		return err;
	iommu_irq_message((unsigned)*handle, addr, data);
	return 0;
}

static void irq_block(void *ctx, int handle)
{
	(void)ctx;
	iommu_irq_block((unsigned)handle);
}

static void table_write(void *ctx, unsigned entry, unsigned dw, uint32_t val)
{
	struct guest_pci_fn *fn = ctx;
	volatile uint32_t *e = (volatile uint32_t *)(fn->table + entry * VMSIX_ENTRY_SIZE);
	const struct vmsix_entry *s = &fn->shadow[entry];

	e[dw] = val;
	if (dw != VMSIX_CTRL || (val & VMSIX_CTRL_MASKED))
		return;
	/* What the device holds now, read back from it: tests check that it
	 * is the remappable format. */
	pr_debug("guest '%s': MSI-X 00:%02x.0 entry %u: APIC 0x%x vector 0x%02x through "
		 "remapping entry %d; device entry 0x%08x_%08x 0x%08x 0x%x\n",
		 fn->guest->name, fn->vd->slot, entry, s->apic, s->vector, s->handle,
		 e[VMSIX_ADDR_HI], e[VMSIX_ADDR_LO], e[VMSIX_DATA], e[VMSIX_CTRL]);
}

static void msix_refused(void *ctx, unsigned entry, const char *why)
{
	struct guest_pci_fn *fn = ctx;

	pr_warn("guest '%s': MSI-X 00:%02x.0 entry %u: %s; entry stays masked\n", fn->guest->name,
		fn->vd->slot, entry, why);
}

static const struct vmsix_hooks msix_hooks = {
	.apic_is_guests = apic_is_guests,
	.route = irq_route,
	.block = irq_block,
	.phys_write = table_write,
	.refused = msix_refused,
};

static struct vmsix_hooks fn_msix_hooks[ARGON_MAX_GUESTS][VPCI_MAX_DEVS];

static int msix_setup(struct guest *g, struct guest_pci_fn *fn)
{
	const struct vpci_bar *bar;
	struct vmsix_hooks *h = &fn_msix_hooks[g->id][fn->vd->slot - 1];
	uint64_t table_pa, len;

	fn->has_msix = vpci_msix_info(fn->vd, &fn->mi);
	if (!fn->has_msix)
		return 0;
	bar = &fn->vd->bar[fn->mi.table_bar];
	len = (uint64_t)fn->mi.entries * VMSIX_ENTRY_SIZE;
	if (fn->mi.table_bar >= PCI_NUM_BARS || !bar->size || fn->mi.table_off > bar->size ||
	    len > bar->size - fn->mi.table_off || fn->mi.entries > VMSIX_MAX_ENTRIES) {
		pr_err("guest '%s': PCI 00:%02x.0: its MSI-X table (BAR %u, offset 0x%x, %u "
		       "entries) is not inside a memory BAR\n",
		       g->name, fn->vd->slot, fn->mi.table_bar, fn->mi.table_off, fn->mi.entries);
		return -ERR_INVAL;
	}
	table_pa = bar->hpa + fn->mi.table_off;
	if (host_paging_map_mmio(ALIGN_DOWN(table_pa, PAGE_SIZE),
				 ALIGN_UP(table_pa + len, PAGE_SIZE) -
					 ALIGN_DOWN(table_pa, PAGE_SIZE)))
		return -ERR_NOMEM;
	fn->table = phys_to_virt(table_pa);
	fn->shadow_pages =
		ALIGN_UP(fn->mi.entries * sizeof(struct vmsix_entry), PAGE_SIZE) / PAGE_SIZE;
	fn->shadow = pages_alloc(fn->shadow_pages);
	if (!fn->shadow)
		return -ERR_NOMEM;
	*h = msix_hooks;
	h->ctx = fn;
	/* MSI-X is off after the reset: the device's table can be masked. */
	vmsix_init(&fn->msix, fn->shadow, fn->mi.entries, h);
	return 0;
}

/* ---- configuration-space hooks ---- */

static void dev_flr(void *ctx, struct vpci_dev *d)
{
	struct guest *g = ctx;
	struct guest_pci_fn *fn = fn_of(g, d);
	int err;

	if (fn->has_msix)
		vmsix_reset(&fn->msix);
	err = pci_reset(fn->f);
	if (err)
		pr_warn("guest '%s': PCI 00:%02x.0: reset failed (%s)\n", g->name, d->slot,
			err_str(err));
	vpci_reset_dev(&g->pci, d);
	if (fn->has_msix)
		vmsix_reset(&fn->msix);
	pr_debug("guest '%s': PCI 00:%02x.0: function-level reset\n", g->name, d->slot);
}

static void dev_memory_on(void *ctx, struct vpci_dev *d)
{
	struct guest_pci_fn *fn = fn_of(ctx, d);

	if (fn->has_msix)
		vmsix_resync(&fn->msix);
}

static void dev_msix_control(void *ctx, struct vpci_dev *d, bool enable, bool masked)
{
	struct guest_pci_fn *fn = fn_of(ctx, d);

	if (fn->has_msix)
		vmsix_control(&fn->msix, enable, masked);
}

static void dev_refused(void *ctx, const struct vpci_dev *d, uint16_t off, unsigned size,
			uint32_t val, const char *what)
{
	struct guest *g = ctx;

	if (d)
		pr_debug(
			"guest '%s': PCI 00:%02x.0: %u-byte write of 0x%x at 0x%03x ignored (%s)\n",
			g->name, d->slot, size, val, off, what);
	else
		pr_debug("guest '%s': PCI 00:00.0: %u-byte write of 0x%x at 0x%03x ignored (%s)\n",
			 g->name, size, val, off, what);
}

static const struct vpci_hooks vpci_hooks_proto = {
	.bar_move = bar_move,
	.flr = dev_flr,
	.memory_on = dev_memory_on,
	.msix_control = dev_msix_control,
	.refused = dev_refused,
};

static struct vpci_hooks guest_vpci_hooks[ARGON_MAX_GUESTS];

/* ---- lifecycle ---- */

/* Exactly the guest's RAM, less the interrupt window an ELF guest's RAM
 * may cover. */
static int domain_map_ram(struct guest *g)
{
	for (unsigned i = 0; i < g->mem_count; i++) {
		const struct gmem_range *r = &g->mem[i];
		uint64_t lo = r->gpa, hi = r->gpa + r->size;
		int err = 0;

		if (r->type != GMEM_RAM)
			continue;
		if (lo < IRQ_WINDOW_BASE + IRQ_WINDOW_SIZE && IRQ_WINDOW_BASE < hi) {
			if (lo < IRQ_WINDOW_BASE)
				err = iommu_domain_map(g->iommu, lo, r->hpa, IRQ_WINDOW_BASE - lo);
			if (!err && hi > IRQ_WINDOW_BASE + IRQ_WINDOW_SIZE)
				err = iommu_domain_map(
					g->iommu, IRQ_WINDOW_BASE + IRQ_WINDOW_SIZE,
					r->hpa + (IRQ_WINDOW_BASE + IRQ_WINDOW_SIZE - lo),
					hi - IRQ_WINDOW_BASE - IRQ_WINDOW_SIZE);
		} else {
			err = iommu_domain_map(g->iommu, lo, r->hpa, r->size);
		}
		if (err)
			return err;
	}
	return 0;
}

static int attach(struct guest *g, struct guest_pci_fn *fn)
{
	int err = iommu_attach(g->iommu, fn->f->seg, fn->f->rid);

	if (!err && fn->dma_rid != fn->f->rid) {
		err = iommu_attach(g->iommu, fn->f->seg, fn->dma_rid);
		if (err)
			iommu_detach(fn->f->seg, fn->f->rid);
	}
	return err;
}

static int add_function(struct guest *g, unsigned i)
{
	const struct config_pci_addr *a = &g->cfg->devices[i];
	struct guest_pci_fn *fn = &g->pcifn[i];
	struct pci_func *f = pci_find(a->seg, a->rid);
	int err;

	memset(fn, 0, sizeof(*fn));
	fn->guest = g;
	if (!f)
		return -ERR_NOENT; /* the boot check reported it */
	for (unsigned b = 0; b < PCI_NUM_BARS; b++)
		if (f->bar[b].size && !f->bar[b].is_io && !f->bar[b].addr) {
			pr_err("guest '%s': %04x:%02x:%02x.%u: firmware gave its BAR %u no "
			       "address\n",
			       g->name, f->seg, f->rid >> 8, (f->rid >> 3) & 0x1F, f->rid & 7, b);
			return -ERR_NOTSUP;
		}
	fn->f = f;
	fn->dma_rid = pci_dma_rid(pci_host(), f);
	/* Reset before the domain takes it: nothing a previous user (firmware,
	 * argon's boot) left running reaches the guest's RAM. */
	err = pci_reset(f);
	if (err) {
		pr_err("guest '%s': cannot reset %04x:%02x:%02x.%u (%s)\n", g->name, f->seg,
		       f->rid >> 8, (f->rid >> 3) & 0x1F, f->rid & 7, err_str(err));
		return err;
	}
	err = attach(g, fn);
	if (err) {
		pr_err("guest '%s': cannot attach %04x:%02x:%02x.%u to its IOMMU domain (%s)\n",
		       g->name, f->seg, f->rid >> 8, (f->rid >> 3) & 0x1F, f->rid & 7,
		       err_str(err));
		fn->f = NULL;
		return err;
	}
	fn->vd = vpci_add(&g->pci, f, pci_host()->cfg);
	return fn->vd ? 0 : -ERR_NOSPC;
}

/* [base, base + size) above every RAM range and below the guest's
 * physical address width (it sees the host's); size 0 when there is no
 * room. */
static void mmio64_window(const struct guest *g, uint64_t *base, uint64_t *size)
{
	unsigned bits = PHYS_BITS_DEFAULT;
	uint64_t top = 4 * GiB;

	if (cpuid(CPUID_EXT_MAX, 0).eax >= CPUID_ADDR_SIZES)
		bits = cpuid(CPUID_ADDR_SIZES, 0).eax & 0xFF;
	if (bits > PHYS_BITS_MAX)
		bits = PHYS_BITS_MAX;
	for (unsigned i = 0; i < g->mem_count; i++)
		if (g->mem[i].gpa + g->mem[i].size > top)
			top = g->mem[i].gpa + g->mem[i].size;
	*base = ALIGN_UP(top, MMIO64_SIZE);
	*size = MMIO64_SIZE;
	if (*base + *size > 1ULL << bits)
		*base = *size = 0;
}

int guest_pci_create(struct guest *g)
{
	const struct argon_guest_config *cfg = g->cfg;
	struct vpci_hooks *h = &guest_vpci_hooks[g->id];
	uint64_t base64, size64;
	int err;

	*h = vpci_hooks_proto;
	h->ctx = g;
	mmio64_window(g, &base64, &size64);
	vpci_init(&g->pci, ARGON_GUEST_MMIO32_BASE, ARGON_GUEST_MMIO32_SIZE, base64, size64, h);
	if (mmio_register(g, ARGON_GUEST_ECAM_BASE, ARGON_GUEST_ECAM_SIZE, &ecam_ops, NULL)) {
		if (cfg->ndevices) {
			pr_err("guest '%s': its RAM covers the PCI configuration space at 0x%x, so "
			       "no device can be assigned to it\n",
			       g->name, ARGON_GUEST_ECAM_BASE);
			return -ERR_EXIST;
		}
		return 0; /* an ELF guest whose RAM reaches over it */
	}
	if (!cfg->ndevices)
		return 0;
	g->iommu = iommu_domain_create(g->name);
	if (!g->iommu) {
		pr_err("guest '%s': no IOMMU domain for its devices\n", g->name);
		return -ERR_NODEV;
	}
	err = domain_map_ram(g);
	if (err) {
		pr_err("guest '%s': cannot map its RAM for its devices' DMA (%s)\n", g->name,
		       err_str(err));
		return err;
	}
	for (unsigned i = 0; i < cfg->ndevices; i++) {
		err = add_function(g, i);
		if (err)
			return err;
	}
	err = vpci_place_bars(&g->pci);
	if (err) {
		pr_err("guest '%s': its devices' BARs do not fit in its MMIO windows (%u MiB at "
		       "0x%x, %llu GiB at 0x%llx)\n",
		       g->name, ARGON_GUEST_MMIO32_SIZE >> 20, ARGON_GUEST_MMIO32_BASE,
		       (unsigned long long)(size64 / GiB), (unsigned long long)base64);
		return err;
	}
	for (unsigned i = 0; i < g->pci.ndevs; i++) {
		struct guest_pci_fn *fn = &g->pcifn[i];

		err = msix_setup(g, fn);
		for (unsigned b = 0; !err && b < PCI_NUM_BARS; b++)
			if (fn->vd->bar[b].size)
				err = bar_setup(g, fn, b);
		if (err) {
			pr_err("guest '%s': cannot set up PCI 00:%02x.0 (%s)\n", g->name,
			       fn->vd->slot, err_str(err));
			return err;
		}
		pr_info("guest '%s': PCI 00:%02x.0 is %04x:%02x:%02x.%u (%04x:%04x), MSI-X %u "
			"entries\n",
			g->name, fn->vd->slot, fn->f->seg, fn->f->rid >> 8,
			(fn->f->rid >> 3) & 0x1F, fn->f->rid & 7, fn->f->vendor, fn->f->device,
			fn->has_msix ? fn->mi.entries : 0);
		for (unsigned b = 0; b < PCI_NUM_BARS; b++)
			if (fn->vd->bar[b].size)
				pr_info("guest '%s': PCI 00:%02x.0 BAR %u: %llu KiB at 0x%llx "
					"(host 0x%llx)\n",
					g->name, fn->vd->slot, b,
					(unsigned long long)(fn->vd->bar[b].size >> 10),
					(unsigned long long)fn->vd->bar[b].gpa,
					(unsigned long long)fn->vd->bar[b].hpa);
	}
	return 0;
}

void guest_pci_restart(struct guest *g)
{
	spin_lock(&g->pci_lock);
	/* Counted per boot, as the exits are. */
	g->pci.refused = 0;
	for (unsigned i = 0; i < g->pci.ndevs; i++) {
		struct guest_pci_fn *fn = &g->pcifn[i];
		int err;

		/* No interrupt from the last boot reaches the next one. */
		if (fn->has_msix)
			vmsix_reset(&fn->msix);
		err = pci_reset(fn->f);
		if (err)
			pr_err("guest '%s': PCI 00:%02x.0: reset failed (%s)\n", g->name,
			       fn->vd->slot, err_str(err));
		vpci_reset_dev(&g->pci, fn->vd);
		fn->vd->refused = 0;
		if (fn->has_msix) {
			vmsix_reset(&fn->msix);
			fn->msix.refused = 0;
		}
	}
	spin_unlock(&g->pci_lock);
}

void guest_pci_release(struct guest *g)
{
	spin_lock(&g->pci_lock);
	for (unsigned i = 0; i < VPCI_MAX_DEVS; i++) {
		struct guest_pci_fn *fn = &g->pcifn[i];

		if (!fn->f)
			continue;
		if (fn->shadow)
			vmsix_reset(&fn->msix);
		pci_reset(fn->f);
		iommu_detach(fn->f->seg, fn->f->rid);
		if (fn->dma_rid != fn->f->rid)
			iommu_detach(fn->f->seg, fn->dma_rid);
		if (fn->shadow) {
			for (unsigned e = 0; e < fn->msix.n; e++)
				if (fn->shadow[e].handle >= 0)
					iommu_irq_free((unsigned)fn->shadow[e].handle);
			pages_free(fn->shadow, fn->shadow_pages);
		}
		fn->shadow = NULL;
		fn->has_msix = false;
		fn->f = NULL;
	}
	spin_unlock(&g->pci_lock);
}

void guest_pci_print_stats(const struct guest *g)
{
	uint64_t msix = 0;

	for (unsigned i = 0; i < g->pci.ndevs; i++)
		if (g->pcifn[i].has_msix)
			msix += g->pcifn[i].msix.refused;
	pr_info("pci guest=%s functions=%u config_refused=%llu msix_refused=%llu\n", g->name,
		g->pci.ndevs, (unsigned long long)vpci_refused(&g->pci), (unsigned long long)msix);
}
