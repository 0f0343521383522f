/* The guest's PCI bus in argon: the trapped ECAM, the functions assigned
 * to the guest (IOMMU domain, resets, BARs in the memory map, MSI-X table
 * trapped) and their lifecycle. The configuration-space model is
 * vmm/dev/vpci.c, the MSI-X shadow vmm/dev/vmsix.c. */
#include "iommu/iommu.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "lib/string.h"
#include "nvme/nvme_pf.h"
#include "sriov/pf_driver.h"
#include "sriov/pci.h"
#include "sriov/pci_regs.h"
#include "sriov/pci_report.h"
#include "vmm/dev/vmsix.h"
#include "vmm/dev/vpci.h"
#include "vmm/guest.h"
#include "vmm/host/cpu.h"
#include "vmm/host/tsc.h"
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

#define PCI_REPORT_CLASS_REV 0x08

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

static const struct mmio_ops ecam_ops = {.name = "ecam", .read = ecam_read, .write = ecam_write};

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

/* Whether argon may access fn's BARs: the function decodes them (a reset
 * argon did not do, such as an NVMe subsystem reset, turns decoding off
 * and clears them, and an access would then end in an Unsupported
 * Request) and no reset or restore of argon's failed. */
static bool bars_decode(const struct guest_pci_fn *fn)
{
	return !fn->bars_lost && (pci_read(fn->f, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY);
}

/* Where an access at offset at of BAR b of fn goes (vmsix_where). */
static enum vmsix_where trap_where(const struct guest_pci_fn *fn, unsigned b, uint64_t at,
				   unsigned size)
{
	uint64_t tlen = 0, plen = 0;

	if (fn->has_msix && fn->mi.table_bar == b)
		tlen = (uint64_t)fn->msix.n * VMSIX_ENTRY_SIZE;
	if (fn->has_msix && fn->mi.pba_bar == b)
		plen = (fn->msix.n + 63) / 64 * 8;
	return vmsix_where(at, size, fn->mi.table_off, tlen, fn->mi.pba_off, plen);
}

static uint64_t trap_read(struct vcpu *v, void *dev, uint64_t off, unsigned size)
{
	struct trap_ctx *t = dev;
	struct guest_pci_fn *fn = t->fn;
	struct guest *g = v->guest;
	const struct vpci_bar *bar = &fn->vd->bar[t->bar];
	uint64_t at = fn->bar[t->bar].trap_off + off, val = ~0ULL;

	spin_lock(&g->pci_lock);
	switch (trap_where(fn, t->bar, at, size)) {
	case VMSIX_AT_TABLE:
		val = vmsix_read(&fn->msix, at - fn->mi.table_off, size);
		break;
	case VMSIX_AT_BAD:
		if (fn->has_msix)
			fn->msix.refused++;
		break;
	default: /* the PBA reads through, as other registers */
		if (at + size <= bar->size && bars_decode(fn))
			val = reg_read((volatile uint8_t *)phys_to_virt(bar->hpa + at), size);
		break;
	}
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
	switch (trap_where(fn, t->bar, at, size)) {
	case VMSIX_AT_TABLE:
		vmsix_write(&fn->msix, at - fn->mi.table_off, size, val);
		break;
	case VMSIX_AT_REG:
		if (at + size <= bar->size && bars_decode(fn))
			reg_write((volatile uint8_t *)phys_to_virt(bar->hpa + at), size, val);
		break;
	default: /* the PBA is read-only; a straddling access is refused */
		if (fn->has_msix)
			fn->msix.refused++;
		break;
	}
	spin_unlock(&g->pci_lock);
}

static const struct mmio_ops trap_ops = {.name = "msix", .read = trap_read, .write = trap_write};

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
	struct guest_pci_fn *fn = ctx;
	int err = iommu_irq_block((unsigned)handle);

	if (err)
		pr_err("guest '%s': PCI 00:%02x.0: interrupt-remapping entry %d not blocked "
		       "(%s)\n",
		       fn->guest->name, fn->vd->slot, handle, err_str(err));
}

static void table_write(void *ctx, unsigned entry, unsigned dw, uint32_t val)
{
	struct guest_pci_fn *fn = ctx;
	volatile uint32_t *e = (volatile uint32_t *)(fn->table + entry * VMSIX_ENTRY_SIZE);
	const struct vmsix_entry *s = &fn->shadow[entry];

	/* Without decoding the write could not land; the whole table is
	 * written again when the guest turns decoding on (dev_memory_on). */
	if (!bars_decode(fn))
		return;
	e[dw] = val;
	/* The read-back costs four uncached reads of the device: only when
	 * debug lines are wanted. */
	if (dw != VMSIX_CTRL || (val & VMSIX_CTRL_MASKED) || log_get_level() < LOG_DEBUG)
		return;
	/* What the device holds now, read back from it: tests check that it
	 * is the remappable format. */
	pr_debug("guest '%s': MSI-X 00:%02x.0 entry %u: APIC 0x%x vector 0x%02x through "
		 "remapping entry %d; device entry 0x%08x_%08x 0x%08x 0x%x\n",
		 fn->guest->name, fn->vd->slot, entry, s->apic, s->vector, s->handle,
		 e[VMSIX_ADDR_HI], e[VMSIX_ADDR_LO], e[VMSIX_DATA], e[VMSIX_CTRL]);
}

#define MSIX_WARN_BURST 16
#define MSIX_WARN_WINDOW_US (60ull * 1000 * 1000)

static int irq_reserve(void *ctx, int *handle)
{
	struct guest_pci_fn *fn = ctx;
	unsigned h;
	int err = iommu_irq_alloc(fn->f->seg, fn->dma_rid, &h);

	if (!err)
		*handle = (int)h;
	return err;
}

static void irq_release(void *ctx, int handle)
{
	(void)ctx;
	(void)iommu_irq_free((unsigned)handle); /* a failure keeps it from reuse */
}

static void msix_refused(void *ctx, unsigned entry, const char *why)
{
	struct guest_pci_fn *fn = ctx;
	struct guest *g = fn->guest;
	uint64_t dropped;

	/* Per entry once until it is accepted, and per guest at most a few
	 * a minute: a guest alternating good and bad messages would
	 * otherwise fill argon's log. Every refusal is counted. */
	if (!ratelimit_ok(&g->msix_warn, tsc_to_us(rdtsc()), MSIX_WARN_BURST, MSIX_WARN_WINDOW_US,
			  &dropped))
		return;
	if (dropped)
		pr_warn("guest '%s': %llu more MSI-X refusals were not logged\n", g->name,
			(unsigned long long)dropped);
	pr_warn("guest '%s': MSI-X 00:%02x.0 entry %u: %s; entry stays masked\n", g->name,
		fn->vd->slot, entry, why);
}

static const struct vmsix_hooks msix_hooks = {
	.apic_is_guests = apic_is_guests,
	.route = irq_route,
	.block = irq_block,
	.phys_write = table_write,
	.refused = msix_refused,
	.reserve = irq_reserve,
	.release = irq_release,
};

static struct vmsix_hooks fn_msix_hooks[ARGON_MAX_GUESTS][VPCI_MAX_DEVS];

static int msix_setup(struct guest *g, struct guest_pci_fn *fn)
{
	const struct vpci_bar *bar;
	struct vmsix_hooks *h = &fn_msix_hooks[g->id][fn->vd->slot - 1];
	uint64_t table_pa, len;
	int err;

	fn->has_msix = vpci_msix_info(fn->vd, &fn->mi);
	if (!fn->has_msix)
		return 0;
	bar = &fn->vd->bar[fn->mi.table_bar];
	len = (uint64_t)fn->mi.entries * VMSIX_ENTRY_SIZE;
	if (fn->mi.table_bar >= PCI_NUM_BARS || !pci_msix_in_bar(bar->size, &fn->mi) ||
	    fn->mi.entries > VMSIX_MAX_ENTRIES) {
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
	/* The guest's share of remapping entries, all of it now. */
	err = vmsix_reserve(&fn->msix);
	if (err)
		pr_err("guest '%s': PCI 00:%02x.0: the %u interrupt-remapping entries of its "
		       "MSI-X table do not fit (%s): other guests hold the rest\n",
		       g->name, fn->vd->slot, fn->mi.entries, err_str(err));
	return err;
}

/* ---- a VF after a reset: its PF driver's work ---- */

#define VF_UNCHECKED_FMT                                                                   \
	"guest '%s': PCI 00:%02x.0: its PF's driver could not prepare it after its reset " \
	"(an NVMe VF: checked for other namespaces); it stays out of the guest's reach "   \
	"until the next reset\n"

/* pf_done_fn: the console CPU prepared fn's VF (an NVMe VF's controller
 * checked) after the reset that posted tag. */
static bool vf_checked(void *ctx, uint32_t tag, int rc)
{
	struct guest_pci_fn *fn = ctx;
	struct guest *g = fn->guest;

	if (!spin_trylock(&g->pci_lock))
		return false;
	if (fn->f && fn->vd && fn->check_posted == tag) {
		if (rc)
			pr_err(VF_UNCHECKED_FMT, g->name, fn->vd->slot);
		else
			vpci_dev_ready(&g->pci, fn->vd);
		__atomic_store_n(&fn->check_ended, tag, __ATOMIC_RELEASE);
	}
	spin_unlock(&g->pci_lock);
	return true;
}

/* After argon reset fn, under the guest's PCI lock: a VF's PF driver
 * prepares it again; what waits on the device (an NVMe VF's controller
 * checked for namespaces other than its own: admin commands with
 * timeouts) is posted to the console CPU, never run in a guest's exit
 * path. Until that has ended the guest finds the VF still in its reset
 * (configuration space all ones, writes going nowhere), so it cannot turn
 * bus mastering on and the VF carries no I/O to such a namespace; a guest
 * waits for that as after any reset (Linux polls up to 60 s). */
static void vf_check(struct guest *g, struct guest_pci_fn *fn)
{
	uint32_t tag;
	int rc;

	if (!fn->f->is_vf)
		return;
	fn->vd->not_ready = true;
	tag = fn->check_posted + 1;
	fn->check_posted = tag;
	rc = sriov_pf_vf_prepare_later(fn->f, vf_checked, fn, tag);
	if (rc == 1)
		return;
	/* Ran at once (no console CPU, or nothing to wait on). */
	if (rc)
		pr_err(VF_UNCHECKED_FMT, g->name, fn->vd->slot);
	else
		fn->vd->not_ready = false;
	fn->check_ended = tag;
}

void guest_pci_wait_ready(struct guest *g)
{
	for (unsigned i = 0; i < g->pci.ndevs; i++) {
		struct guest_pci_fn *fn = &g->pcifn[i];

		while (fn->f && __atomic_load_n(&fn->check_ended, __ATOMIC_ACQUIRE) !=
					__atomic_load_n(&fn->check_posted, __ATOMIC_ACQUIRE))
			cpu_relax();
	}
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
	fn->bars_lost = err != 0;
	if (err)
		pr_warn("guest '%s': PCI 00:%02x.0: reset failed (%s)\n", g->name, d->slot,
			err_str(err));
	else
		vf_check(g, fn);
	vpci_reset_dev(&g->pci, d);
	if (fn->has_msix)
		vmsix_reset(&fn->msix);
	pr_debug("guest '%s': PCI 00:%02x.0: function-level reset\n", g->name, d->slot);
}

static void dev_memory_on(void *ctx, struct vpci_dev *d)
{
	struct guest *g = ctx;
	struct guest_pci_fn *fn = fn_of(g, d);
	int err;

	/* The device kept decoding while the guest's bit was off, unless a
	 * reset argon did not do (an NVMe subsystem reset) cleared its BARs:
	 * those are put back and checked before decoding goes on. */
	err = pci_restore_bars(fn->f);
	fn->bars_lost = err != 0;
	if (err) {
		pr_warn("guest '%s': PCI 00:%02x.0: its BARs could not be restored (%s); its "
			"registers stay out of reach until a function-level reset\n",
			g->name, d->slot, err_str(err));
		return;
	}
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

/* The guest's i-th function: its whole functions first, then its VFs. */
static int add_function(struct guest *g, unsigned i)
{
	const struct argon_guest_config *cfg = g->cfg;
	struct guest_pci_fn *fn = &g->pcifn[i];
	struct pci_func *f;
	int err;

	memset(fn, 0, sizeof(*fn));
	fn->guest = g;
	if (i < cfg->ndevices) {
		f = pci_find(cfg->devices[i].seg, cfg->devices[i].rid);
		if (!f)
			return -ERR_NOENT; /* the boot check reported it */
	} else {
		const struct config_vf_ref *r = &cfg->dev_vfs[i - cfg->ndevices];

		f = pci_find_vf(r->pf.seg, r->pf.rid, r->vf);
		if (!f || !sriov_pf_vf_ready(f)) {
			pr_err("guest '%s': VF %04x:%02x:%02x.%u/vf%u was not set up\n", g->name,
			       r->pf.seg, r->pf.rid >> 8, (r->pf.rid >> 3) & 0x1F, r->pf.rid & 7,
			       r->vf);
			return -ERR_NOENT;
		}
	}
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
	if (f->is_vf) {
		err = sriov_pf_vf_prepare(f);
		if (err) {
			pr_err("guest '%s': its PF's driver cannot prepare VF %04x:%02x:%02x.%u "
			       "(%s)\n",
			       g->name, f->seg, f->rid >> 8, (f->rid >> 3) & 0x1F, f->rid & 7,
			       err_str(err));
			return err;
		}
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

/* The boot report of one assigned function: a line for people and a JSON
 * object on a line of its own (docs/sriov.md). */
static void report(const struct guest *g, const struct guest_pci_fn *fn)
{
	static char buf[1024];
	const struct pci_func *f = fn->f;
	const struct nvme_pf_vf *v = f->is_vf ? nvme_pf_vf_info(f) : NULL;
	struct pci_report r = {
		.guest = g->name,
		.slot = fn->vd->slot,
		.seg = f->seg,
		.rid = f->rid,
		.is_vf = f->is_vf,
		.pf_rid = f->is_vf ? pci_vf_pf(f)->rid : 0,
		.vf_num = f->vf_num,
		.present = pci_read(f, PCI_REPORT_CLASS_REV, 4) != 0xFFFFFFFFu,
		.vendor = f->vendor,
		.device = f->device,
		.class_code = f->class_code,
		.msix = fn->has_msix,
		.msix_entries = fn->mi.entries,
		.msix_bar = fn->mi.table_bar,
		.msix_off = fn->mi.table_off,
		.flr = f->flr,
		.reset = pci_reset_method_name(pci_reset_method(pci_host()->cfg, f)),
		.irq_remap = iommu_ready(),
	};
	int len;

	for (unsigned b = 0; b < PCI_NUM_BARS; b++)
		r.bar[b] = (struct pci_report_bar){.size = fn->vd->bar[b].size,
						   .host = fn->vd->bar[b].hpa,
						   .guest = fn->vd->bar[b].gpa,
						   .is_64 = fn->vd->bar[b].is_64,
						   .prefetch = fn->vd->bar[b].prefetch};
	if (fn->has_msix && fn->mi.table_bar < PCI_NUM_BARS)
		r.msix_alone = pci_msix_alone(fn->vd->bar[fn->mi.table_bar].size, fn->mi.table_bar,
					      fn->mi.table_off, fn->mi.entries, fn->mi.pba_bar,
					      fn->mi.pba_off);
	r.iommu_unit = iommu_unit_of(f->seg, fn->dma_rid, &r.iommu_base);
	if (r.iommu_unit < 0)
		r.iommu_unit = -1;
	if (v) {
		r.nvme = true;
		r.cntlid = v->scid;
		r.queues = v->nvq;
		r.vectors = v->nvi;
		r.nsid = v->nsid;
	}
	pci_report_line(&r, buf, sizeof(buf));
	pr_info("%s\n", buf);
	len = pci_report_json(&r, buf, sizeof(buf));
	if (len >= (int)sizeof(buf))
		return;
	/* In pieces: a log call takes at most a few hundred bytes. */
	for (int at = 0; at < len; at += 256)
		log_raw("%.*s", len - at < 256 ? len - at : 256, buf + at);
	log_raw("\n");
}

int guest_pci_create(struct guest *g)
{
	const struct argon_guest_config *cfg = g->cfg;
	struct vpci_hooks *h = &guest_vpci_hooks[g->id];
	unsigned ndev = cfg->ndevices + cfg->ndev_vfs;
	uint64_t base64, size64;
	int err;

	*h = vpci_hooks_proto;
	h->ctx = g;
	mmio64_window(g, &base64, &size64);
	vpci_init(&g->pci, ARGON_GUEST_MMIO32_BASE, ARGON_GUEST_MMIO32_SIZE, base64, size64, h);
	if (mmio_register(g, ARGON_GUEST_ECAM_BASE, ARGON_GUEST_ECAM_SIZE, &ecam_ops, NULL)) {
		if (ndev) {
			pr_err("guest '%s': its RAM covers the PCI configuration space at 0x%x, so "
			       "no device can be assigned to it\n",
			       g->name, ARGON_GUEST_ECAM_BASE);
			return -ERR_EXIST;
		}
		return 0; /* an ELF guest whose RAM reaches over it */
	}
	if (!ndev)
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
	for (unsigned i = 0; i < ndev; i++) {
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
		report(g, fn);
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
		fn->bars_lost = err != 0;
		if (err)
			pr_err("guest '%s': PCI 00:%02x.0: reset failed (%s)\n", g->name,
			       fn->vd->slot, err_str(err));
		else
			vf_check(g, fn);
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
		int err;

		if (!fn->f)
			continue;
		if (fn->shadow)
			vmsix_reset(&fn->msix);
		pci_reset(fn->f);
		err = iommu_detach(fn->f->seg, fn->f->rid);
		if (!err && fn->dma_rid != fn->f->rid)
			err = iommu_detach(fn->f->seg, fn->dma_rid);
		if (err)
			pr_err("guest '%s': PCI 00:%02x.0: its DMA could not be detached (%s); "
			       "bus mastering stays off\n",
			       g->name, fn->vd->slot, err_str(err));
		/* Reset and detached: nothing of the guest's runs on the VF any
		 * more, so its PF's driver can take back what it gave it (an
		 * NVMe VF's controller goes offline, on the console CPU). */
		if (!err && fn->f->is_vf)
			sriov_pf_vf_release_later(fn->f);
		if (fn->shadow) {
			for (unsigned e = 0; e < fn->msix.n; e++)
				if (fn->shadow[e].handle >= 0 &&
				    iommu_irq_free((unsigned)fn->shadow[e].handle))
					pr_err("guest '%s': PCI 00:%02x.0: interrupt-remapping "
					       "entry %d not freed\n",
					       g->name, fn->vd->slot, fn->shadow[e].handle);
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
