/* What pci_place_vf_bars knows of the machine: the boot memory map, the
 * ECAM regions, the PCI table, the bridges' windows. Runs on the boot CPU
 * while argon plans the machine (nvme_pf_setup), before any guest. */
#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "sriov/pci_regs.h"
#include "sriov/vf_bars.h"
#include "vmm/boot_info.h"
#include "vmm/log.h"

#define FIXED_BASE 0xfec00000ull /* IOAPICs, HPET, LAPICs, flash up to 4 GiB */
#define FIXED_SIZE 0x01400000ull
#define MAX_FIXED (BOOT_MAX_MEM_RANGES + 16)
#define MAX_BUSY (MAX_FIXED + PCI_MAX_FUNCS * (PCI_NUM_BARS + 1) + 64)
#define PCI_ROM_ENABLE 0x1u
#define PCI_ROM_ADDR_MASK 0xfffff800u

static struct mem_span fixed[MAX_FIXED];
static unsigned nfixed;
static bool fixed_lost; /* a range did not fit: nothing can be placed */
static struct mem_span busy[MAX_BUSY];
static unsigned nbusy;
static bool busy_lost;

void pci_vf_bars_reserve(uint64_t base, uint64_t size)
{
	if (!size)
		return;
	if (nfixed == MAX_FIXED)
		fixed_lost = true;
	else
		fixed[nfixed++] = (struct mem_span){base, size};
}

void pci_vf_bars_init(const struct boot_info *bi)
{
	nfixed = 0;
	fixed_lost = false;
	pci_vf_bars_reserve(FIXED_BASE, FIXED_SIZE);
	for (unsigned i = 0; i < bi->mem_count && i < BOOT_MAX_MEM_RANGES; i++)
		pci_vf_bars_reserve(bi->mem[i].base, bi->mem[i].size);
}

/* A busy range; one that does not fit fails the placement (gather). */
static void add(uint64_t base, uint64_t size)
{
	if (!size)
		return;
	if (nbusy == MAX_BUSY)
		busy_lost = true;
	else
		busy[nbusy++] = (struct mem_span){base, size};
}

/* count VF BARs of size bytes each: false when that overflows. */
static bool add_vfs(uint64_t base, uint64_t size, unsigned count)
{
	uint64_t total;

	if (__builtin_mul_overflow(size, (uint64_t)count, &total) ||
	    __builtin_add_overflow(base, total, &total))
		return false;
	add(base, size * count);
	return true;
}

/* The function's expansion ROM while its decode is on (Type 0 at 0x30,
 * Type 1 at 0x38): its address and size (sized with the decode off for
 * the moment, as no one reads it during argon's boot). */
static void add_rom(const struct pci_bus_info *host, const struct pci_func *f)
{
	uint16_t off = f->header_type == PCI_HEADER_NORMAL ? 0x30 : 0x38;
	uint32_t rom = pci_cfg_read(host, f, off, 4), mask;

	if (!(rom & PCI_ROM_ENABLE) || !(rom & PCI_ROM_ADDR_MASK))
		return;
	host->cfg->write(host->cfg->ctx, f->seg, f->rid, off, 4, PCI_ROM_ADDR_MASK);
	mask = pci_cfg_read(host, f, off, 4) & PCI_ROM_ADDR_MASK;
	host->cfg->write(host->cfg->ctx, f->seg, f->rid, off, 4, rom);
	add(rom & PCI_ROM_ADDR_MASK, mask ? (uint64_t)(~mask) + 1 : 0x800);
}

/* Whether b is up or above it. */
static bool on_path(const struct pci_bus_info *host, int b, int up)
{
	for (int i = up; i >= 0; i = host->f[i].parent)
		if (i == b)
			return true;
	return false;
}

static bool has_vfs(const struct pci_bus_info *host, unsigned pf)
{
	for (unsigned i = 0; i < host->count; i++)
		if (host->f[i].is_vf && host->f[i].pf == (int)pf)
			return true;
	return false;
}

/* Everything already there: every function's memory BARs, every other
 * PF's VF BAR windows (for TotalVFs), the windows of the bridges that
 * are not the PF's upstream one or above it. */
static int gather(const struct pci_bus_info *host, const struct pci_func *pf, int up, char *msg,
		  size_t msgsize)
{
	nbusy = 0;
	busy_lost = false;
	for (unsigned i = 0; i < nfixed; i++)
		add(fixed[i].base, fixed[i].size);
	for (unsigned i = 0; i < host->count; i++) {
		const struct pci_func *f = &host->f[i];

		for (unsigned b = 0; b < PCI_NUM_BARS; b++)
			if (!f->bar[b].is_io && f->bar[b].addr)
				add(f->bar[b].addr, f->bar[b].size ? f->bar[b].size : 0x1000);
		if (!f->is_vf)
			add_rom(host, f);
		if (f->is_bridge && !on_path(host, (int)i, up)) {
			struct bridge_windows w;

			pci_bridge_windows(host->cfg, f->seg, f->rid, &w);
			add(w.mem.base, w.mem.size);
			add(w.pref.base, w.pref.size);
		}
		if (f->ecap_sriov && f != pf && !f->is_vf) {
			struct sriov_info s;

			if (sriov_read(host->cfg, f->seg, f->rid, f->ecap_sriov, &s))
				continue;
			/* VFs that argon enabled are in the table with their
			 * BARs (above); others that decode cannot be sized. */
			if (s.ctrl & SRIOV_CTRL_VF_MSE && has_vfs(host, i))
				continue;
			if (sriov_size_bars(host->cfg, f->seg, f->rid, &s)) {
				fmt_snprintf(msg, msgsize,
					     "%04x:%02x:%02x.%x has its VFs' memory on, so argon "
					     "cannot size their windows",
					     f->seg, f->rid >> 8, (f->rid >> 3) & 0x1f, f->rid & 7);
				return -ERR_BUSY;
			}
			for (unsigned b = 0; b < PCI_NUM_BARS; b++)
				if (s.vf_bar[b].addr && s.vf_bar[b].size &&
				    !add_vfs(s.vf_bar[b].addr, s.vf_bar[b].size,
					     s.total_vfs ? s.total_vfs : 1u)) {
					fmt_snprintf(msg, msgsize,
						     "%04x:%02x:%02x.%x: its VF BAR%u window "
						     "overflows the address space",
						     f->seg, f->rid >> 8, (f->rid >> 3) & 0x1f,
						     f->rid & 7, b);
					return -ERR_RANGE;
				}
		}
	}
	if (fixed_lost || busy_lost) {
		fmt_snprintf(msg, msgsize,
			     "more reserved ranges and BARs than argon keeps track of (%u)",
			     fixed_lost ? MAX_FIXED : MAX_BUSY);
		return -ERR_NOSPC;
	}
	return 0;
}

static void size_str(char *buf, size_t size, uint64_t bytes)
{
	if (bytes >= MiB && !(bytes % MiB))
		fmt_snprintf(buf, size, "%llu MiB", (unsigned long long)(bytes / MiB));
	else if (bytes >= 1024 && !(bytes % 1024))
		fmt_snprintf(buf, size, "%llu KiB", (unsigned long long)(bytes / 1024));
	else
		fmt_snprintf(buf, size, "%llu bytes", (unsigned long long)bytes);
}

int pci_place_vf_bars(void *ctx, struct sriov_info *s, unsigned nvfs, char *msg, size_t msgsize)
{
	const struct pci_func *pf = ctx;
	const struct pci_bus_info *host = pci_host();
	const struct pci_func *up;
	struct bridge_windows w;
	char pfname[16], upname[16], per[24], why[240];
	int rc;

	fmt_snprintf(pfname, sizeof(pfname), "%04x:%02x:%02x.%x", pf->seg, pf->rid >> 8,
		     (pf->rid >> 3) & 0x1f, pf->rid & 7);
	if (pf->parent < 0) {
		for (unsigned i = 0; i < PCI_NUM_BARS; i++)
			if (s->vf_bar[i].size && !s->vf_bar[i].addr) {
				size_str(per, sizeof(per), s->vf_bar[i].size);
				fmt_snprintf(
					msg, msgsize,
					"%s: VF BAR%u (%s, %s per VF) is unassigned: firmware "
					"left it empty, and the PF is on root bus %02x, whose "
					"windows (the host bridge's ACPI _CRS) argon does not "
					"know; have firmware assign it or put the device behind "
					"a PCIe port",
					pfname, i, s->vf_bar[i].is_64 ? "64-bit" : "32-bit", per,
					pf->rid >> 8);
				return -ERR_NOTSUP;
			}
		return 0;
	}
	up = &host->f[pf->parent];
	fmt_snprintf(upname, sizeof(upname), "%04x:%02x:%02x.%x", up->seg, up->rid >> 8,
		     (up->rid >> 3) & 0x1f, up->rid & 7);
	rc = gather(host, pf, pf->parent, why, sizeof(why));
	if (rc) {
		fmt_snprintf(msg, msgsize, "%s: cannot place its VF BARs: %s", pfname, why);
		return rc;
	}
	/* This PF's own VF BARs that firmware did assign, for as many VFs
	 * as firmware made room for. */
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		if (s->vf_bar[i].addr && s->vf_bar[i].size &&
		    !add_vfs(s->vf_bar[i].addr, s->vf_bar[i].size,
			     s->total_vfs > nvfs ? s->total_vfs : nvfs)) {
			fmt_snprintf(msg, msgsize,
				     "%s: cannot place its VF BARs: its VF BAR%u window overflows "
				     "the address space",
				     pfname, i);
			return -ERR_RANGE;
		}
	if (busy_lost) {
		fmt_snprintf(msg, msgsize,
			     "%s: cannot place its VF BARs: more BARs than argon keeps track "
			     "of (%u)",
			     pfname, MAX_BUSY);
		return -ERR_NOSPC;
	}
	/* Only what every bridge up to the root forwards. */
	pci_bridge_windows(host->cfg, up->seg, up->rid, &w);
	for (int a = up->parent; a >= 0; a = host->f[a].parent) {
		struct bridge_windows o;

		pci_bridge_windows(host->cfg, host->f[a].seg, host->f[a].rid, &o);
		bridge_windows_nest(&w, &o);
	}
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar *b = &s->vf_bar[i];
		struct vf_bar_place at;

		if (!b->size || b->addr)
			continue;
		size_str(per, sizeof(per), b->size);
		rc = vf_bar_place(b, nvfs, &w, busy, nbusy, &at, why, sizeof(why));
		if (rc) {
			fmt_snprintf(
				msg, msgsize,
				"%s: VF BAR%u (%s%s, %s per VF) is unassigned and %u VFs do not "
				"fit the window of %s: %s",
				pfname, i, b->is_64 ? "64-bit" : "32-bit",
				b->prefetch ? " prefetchable" : "", per, nvfs, upname, why);
			return rc;
		}
		b->addr = at.addr;
		add(at.addr, b->size * nvfs); /* vf_bar_place checked the product */
		pr_info("%s: assigned VF BAR%u (%s%s, %s per VF, %u VFs) at 0x%llx-0x%llx from "
			"the %s window of %s\n",
			pfname, i, b->is_64 ? "64-bit" : "32-bit",
			b->prefetch ? " prefetchable" : "", per, nvfs, (unsigned long long)at.addr,
			(unsigned long long)(at.addr + b->size * nvfs - 1),
			at.prefetch_window ? "prefetchable" : "non-prefetchable", upname);
	}
	return 0;
}
