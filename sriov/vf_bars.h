/* Places VF BARs that firmware left empty: inside the memory window of
 * the bridge above the PF, clear of everything else that decodes or
 * holds memory there. Pure: the window and the busy ranges come from the
 * caller (sriov/vf_bars_host.c gathers them on the machine), so host
 * tests run it on captured or synthetic layouts. */
#ifndef ARGON_SRIOV_VF_BARS_H
#define ARGON_SRIOV_VF_BARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sriov/pci.h"
#include "sriov/sriov.h"

/* Type 1 header: the windows a bridge forwards downstream. */
#define PCI_MEM_BASE 0x20	 /* 16: address bits 31:20 in bits 15:4 */
#define PCI_MEM_LIMIT 0x22	 /* 16: likewise, the window's last MiB */
#define PCI_PREF_BASE 0x24	 /* 16: as above; bits 3:0 = 1: 64-bit */
#define PCI_PREF_LIMIT 0x26	 /* 16 */
#define PCI_PREF_BASE_UPPER 0x28 /* 32: address bits 63:32 */
#define PCI_PREF_LIMIT_UPPER 0x2c
#define PCI_PREF_64 0x1u

/* [base, base + size); size 0: none. */
struct mem_span {
	uint64_t base, size;
};

struct bridge_windows {
	struct mem_span mem;  /* non-prefetchable, below 4 GiB */
	struct mem_span pref; /* prefetchable */
	bool pref_64;	      /* the prefetchable window decodes 64-bit addresses */
};

/* Reads bridge rid's memory windows; a window whose base lies above its
 * limit, or below 1 MiB (the registers' reset value), is off (size 0),
 * and so are both when the bridge's memory decode is off. */
void pci_bridge_windows(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t rid,
			struct bridge_windows *w);

/* Turns off each window of w that lies in neither window of outer (a
 * bridge above it): addresses its ancestor does not forward never reach
 * it. */
void bridge_windows_nest(struct bridge_windows *w, const struct bridge_windows *outer);

/* The lowest address a in win with a % align == 0 (align a power of
 * two), a + size <= below, and [a, a + size) clear of every busy span.
 * 0 and *out, or -ERR_NOSPC. */
int mem_span_fit(struct mem_span win, uint64_t below, const struct mem_span *busy, unsigned nbusy,
		 uint64_t size, uint64_t align, uint64_t *out);

/* Where a VF BAR that firmware left empty goes, for nvfs VFs: the window
 * of size x nvfs bytes, aligned to that size rounded up to a power of
 * two. A prefetchable 64-bit BAR takes the bridge's prefetchable window
 * first (anywhere in it if that window is 64-bit, else below 4 GiB), then
 * the non-prefetchable one; any other BAR only the non-prefetchable one
 * (below 4 GiB, as that window is), which is where a function's
 * non-prefetchable registers may be. */
struct vf_bar_place {
	uint64_t addr;
	bool prefetch_window; /* it went into the prefetchable window */
};

/* 0 and *out, or -ERR_NOSPC (no room in either window it may take: the
 * reason in msg, e.g. "no room for 32 KiB aligned to 32 KiB in the
 * non-prefetchable window 0xc0000000-0xc01fffff"), -ERR_RANGE (size x
 * nvfs overflows). */
int vf_bar_place(const struct pci_bar *bar, unsigned nvfs, const struct bridge_windows *w,
		 const struct mem_span *busy, unsigned nbusy, struct vf_bar_place *out, char *msg,
		 size_t msgsize);

/* ---- on the machine (sriov/vf_bars_host.c) ---- */

struct boot_info;

/* Keeps what no VF BAR may overlap besides PCI: every range of the boot
 * memory map whatever its type (RAM, argon, firmware, reserved, MMIO it
 * lists), and the region of the IOAPICs, HPET, LAPICs and flash below
 * 4 GiB. Called once from pci_init. */
void pci_vf_bars_init(const struct boot_info *bi);
/* One more such range (an ECAM region). */
void pci_vf_bars_reserve(uint64_t base, uint64_t size);

/* struct sriov_enable_req's place for the PF ctx (a struct pci_func of
 * the machine's table): each empty VF BAR of s goes into the windows of
 * the bridge above the PF, clear of every BAR and VF BAR window of the
 * machine's functions, the windows of the other bridges, and the ranges
 * above, and is logged ("assigned VF BAR0 ... from the window of
 * 0000:00:1c.0"). A PF on a root bus is refused: the host bridge's
 * windows are in ACPI's _CRS, which argon does not evaluate. */
int pci_place_vf_bars(void *ctx, struct sriov_info *s, unsigned nvfs, char *msg, size_t msgsize);

#endif
