/* The host's PCI(e) functions: configuration access through ECAM (from the
 * ACPI MCFG), enumeration of every bus behind the host bridges as firmware
 * numbered them, capability walking, BARs and function reset. Pure logic
 * (enumeration, capability walks, BAR decoding, requester-id aliasing)
 * runs on any struct pci_cfg_ops, so host tests use fakes or captured
 * `lspci -xxxx` dumps. */
#ifndef ARGON_SRIOV_PCI_H
#define ARGON_SRIOV_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/boot_info.h"

#define PCI_MAX_FUNCS 512
#define PCI_NUM_BARS 6

/* Requester id: bus << 8 | device << 3 | function. */
static inline uint16_t pci_rid(uint8_t bus, uint8_t dev, uint8_t fn)
{
	return (uint16_t)(bus << 8 | (dev & 0x1f) << 3 | (fn & 7));
}

/* Configuration space access of 1, 2 or 4 bytes (naturally aligned) at
 * offset off (< 4096) of function rid on segment seg. A read of a missing
 * function returns all ones. */
struct pci_cfg_ops {
	uint32_t (*read)(void *ctx, uint16_t seg, uint16_t rid, uint16_t off, unsigned size);
	void (*write)(void *ctx, uint16_t seg, uint16_t rid, uint16_t off, unsigned size,
		      uint32_t val);
	void *ctx;
};

struct pci_bar {
	uint64_t addr; /* as firmware assigned it; 0 if unassigned */
	uint64_t size; /* 0: not implemented (or a host bridge's, not sized) */
	bool is_io, is_64, prefetch;
};

struct pci_func {
	uint16_t seg;
	uint16_t rid;
	uint16_t vendor, device;
	uint32_t class_code; /* base << 16 | sub << 8 | prog-if */
	uint8_t header_type; /* without the multi-function bit */
	bool is_bridge;	     /* type 1 header: PCI-PCI or PCIe port */
	uint8_t pcie_type;   /* PCIe capability's port type; 0xff: not PCIe */
	int parent;	     /* index of the bridge above it, -1 on a root bus */
	uint8_t cap_pcie, cap_msi, cap_msix, cap_pm; /* offsets, 0: absent */
	uint16_t ecap_sriov, ecap_ari, ecap_acs;     /* extended caps, 0: absent */
	bool flr;				     /* PCIe Device Capabilities FLR */
	struct pci_bar bar[PCI_NUM_BARS];
	/* An SR-IOV virtual function (added by pci_add_vf once its PF
	 * enabled it): vendor and device are synthesized from the PF, bar[]
	 * is its share of the PF's VF BARs, its own BARs read 0 and its
	 * command register's memory enable is the PF's VF MSE. */
	bool is_vf;
	uint16_t vf_num; /* 1-based, as "PF/vfN" names it */
	int pf;		 /* index of the PF in the table */
};

struct pci_bus_info {
	const struct pci_cfg_ops *cfg;
	unsigned count;
	struct pci_func f[PCI_MAX_FUNCS];
};

struct pci_segment {
	uint16_t seg;
	uint8_t bus_start, bus_end;
};

/* Pure: walks every bus reachable from the segments' first buses through
 * bridges (bus numbers as firmware left them, never reprogrammed), fills
 * out with each present function, its capabilities and its BARs as
 * assigned (sizes read without changing what the function decodes: see
 * sriov/pci.c). -ERR_NOSPC past PCI_MAX_FUNCS. */
int pci_enumerate(const struct pci_cfg_ops *cfg, const struct pci_segment *segs, unsigned nsegs,
		  struct pci_bus_info *out);

/* Offset of a standard (id < 0x100) or extended capability, 0 if absent. */
uint16_t pci_find_cap(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t rid, uint8_t id);
uint16_t pci_find_ecap(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t rid, uint16_t id);

/* The requester id the function's DMA reaches the IOMMU with: its own,
 * or the one a conventional PCI(-X) bridge on its path replaces it by
 * (the bridge nearest the root decides). When it differs from f->rid,
 * attach both: behind a PCIe-to-PCI-X bridge a PCI-X function may still
 * send its own. */
uint16_t pci_dma_rid(const struct pci_bus_info *b, const struct pci_func *f);

/* Turns on ACS source validation, request and completion redirect and
 * upstream forwarding (those of them each capability offers) on every
 * root port, switch downstream port and function of a multi-function
 * device or SR-IOV PF (for its VFs) that has an ACS capability, so that
 * peer-to-peer requests go up to the root complex and through the IOMMU.
 * Returns how many functions it changed. */
unsigned pci_enable_acs(const struct pci_bus_info *b);

/* Whether f's ACS capability has every isolation bit it offers enabled
 * (false without an ACS capability). */
bool pci_acs_isolates(const struct pci_bus_info *b, const struct pci_func *f);

/* Whether o is another function of f's device: the same slot, or with
 * ARI the same bus below the same port. */
bool pci_same_device(const struct pci_func *f, const struct pci_func *o);

/* The function of b at seg:rid, or NULL. */
const struct pci_func *pci_bus_find(const struct pci_bus_info *b, uint16_t seg, uint16_t rid);

/* Reads the configuration space of f, one of b's functions, through b's
 * accessors. */
uint32_t pci_cfg_read(const struct pci_bus_info *b, const struct pci_func *f, uint16_t off,
		      unsigned size);

/* Pure: fills *out for virtual function vf_num (1-based) of pf, at
 * requester id rid: Vendor ID from the PF, Device ID vf_device (the SR-IOV
 * capability's; the VF itself reads 0xFFFF), class, capabilities and FLR
 * from the VF's own configuration space, BAR i at vf_bar[i].addr +
 * (vf_num - 1) x vf_bar[i].size (vf_bar: the PF's VF BARs, addr VF 1's,
 * size per VF). -ERR_NODEV when the VF does not answer (class all ones). */
int pci_vf_fill(const struct pci_cfg_ops *cfg, const struct pci_func *pf, int pf_index,
		uint16_t rid, unsigned vf_num, uint16_t vf_device,
		const struct pci_bar vf_bar[PCI_NUM_BARS], struct pci_func *out);

/* Where a function's MSI-X table and PBA are, from its MSI-X capability. */
struct pci_msix_info {
	unsigned entries;
	uint8_t table_bar, pba_bar;
	uint32_t table_off, pba_off;
};
/* From the capability's Message Control, Table and PBA registers
 * (sriov/pci_report.c). */
void pci_msix_decode(uint16_t ctrl, uint32_t table, uint32_t pba, struct pci_msix_info *out);
/* Reads f's MSI-X capability; false when it has none. */
bool pci_msix_read(const struct pci_cfg_ops *cfg, const struct pci_func *f,
		   struct pci_msix_info *out);

/* A short name for a class code ("nvme", "ethernet", "pci-bridge"...). */
const char *pci_class_name(uint32_t class_code);

/* One line for argon's boot table: address, ids, class, BARs, MSI-X,
 * SR-IOV, FLR. Returns the length it wanted, as snprintf. */
int pci_describe(const struct pci_bus_info *b, const struct pci_func *f, char *buf, size_t size);

/* The machine's functions, enumerated once at boot from the MCFG. */
int pci_init(const struct boot_info *bi);
const struct pci_bus_info *pci_host(void);
struct pci_func *pci_find(uint16_t seg, uint16_t rid);
/* Appends VF vf (filled by pci_vf_fill) to the machine's table, or
 * returns the entry that already has its requester id; NULL when the table
 * is full. */
struct pci_func *pci_add_vf(const struct pci_func *vf);
/* At boot, before any guest starts: drops the entries added after the
 * table had count of them (the VFs of a PF whose setup failed). */
void pci_truncate(unsigned count);
/* VF vf_num of the PF at seg:pf_rid, once pci_add_vf added it; or NULL. */
struct pci_func *pci_find_vf(uint16_t seg, uint16_t pf_rid, unsigned vf_num);
/* The PF of a VF. */
const struct pci_func *pci_vf_pf(const struct pci_func *vf);
uint32_t pci_read(const struct pci_func *f, uint16_t off, unsigned size);
void pci_write(const struct pci_func *f, uint16_t off, unsigned size, uint32_t val);

/* Resets the function so that it forgets everything a guest did: FLR
 * where offered (see sriov/pci_reset.c for functions without it), then
 * the BARs as firmware assigned them and memory decoding on, bus master
 * off, INTx disabled. Waits as the specification requires. 0, or
 * -ERR_NOTSUP when the function has no reset argon trusts, -ERR_IO when
 * it did not come back from its reset. */
int pci_reset(struct pci_func *f);

/* Makes sure f decodes its BARs at the addresses firmware assigned:
 * when a BAR moved or decoding is off (a reset argon did not do), writes
 * them back with decoding off, checks them and turns decoding on (bus
 * master as it was). 0 when in place, -ERR_IO when the function does not
 * answer or a BAR does not take its address (decoding then stays off). */
int pci_restore_bars(const struct pci_func *f);
int pci_restore_bars_cfg(const struct pci_cfg_ops *cfg, const struct pci_func *f);

/* How argon resets a function (sriov/pci_reset.c says why). */
enum pci_reset_method {
	PCI_RESET_NONE, /* none that clears its state: not assignable */
	PCI_RESET_FLR,	/* PCIe function-level reset */
	PCI_RESET_PM,	/* D3hot -> D0 with No_Soft_Reset clear */
};
enum pci_reset_method pci_reset_method(const struct pci_cfg_ops *cfg, const struct pci_func *f);
const char *pci_reset_method_name(enum pci_reset_method m);

/* Time for pci_reset_cfg: a clock in microseconds and a busy wait. */
struct pci_wait_ops {
	uint64_t (*now_us)(void *ctx);
	void (*delay_us)(void *ctx, uint64_t us);
	void *ctx;
};

/* pci_reset() over any accessors and clock (host tests use fakes). */
int pci_reset_cfg(const struct pci_cfg_ops *cfg, const struct pci_wait_ops *w,
		  const struct pci_func *f);

#endif
