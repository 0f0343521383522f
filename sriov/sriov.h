/* SR-IOV on a physical function (PCIe base spec, "Single Root I/O
 * Virtualization and Sharing"): reading the extended capability, sizing
 * the VF BARs, and the sequence that creates the virtual functions.
 * Everything here goes through struct pci_cfg_ops, so host tests run it
 * on captured or synthetic configuration spaces. */
#ifndef ARGON_SRIOV_SRIOV_H
#define ARGON_SRIOV_SRIOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sriov/pci.h"

#define PCI_ECAP_ID_SRIOV 0x0010

/* Registers, as offsets from the capability's header. */
#define SRIOV_CAPS 0x04 /* 32: SR-IOV Capabilities */
#define SRIOV_CAPS_ARI_PRESERVED (1u << 1)
#define SRIOV_CTRL 0x08		    /* 16: SR-IOV Control */
#define SRIOV_CTRL_VFE (1u << 0)    /* VF Enable */
#define SRIOV_CTRL_VF_MSE (1u << 3) /* VF Memory Space Enable */
#define SRIOV_CTRL_ARI (1u << 4)    /* ARI Capable Hierarchy */
#define SRIOV_STATUS 0x0a	    /* 16 */
#define SRIOV_INITIAL_VFS 0x0c	    /* 16 */
#define SRIOV_TOTAL_VFS 0x0e	    /* 16 */
#define SRIOV_NUM_VFS 0x10	    /* 16; read-only while VF Enable is set */
#define SRIOV_FUNC_LINK 0x12	    /* 8 */
#define SRIOV_VF_OFFSET 0x14	    /* 16: First VF Offset, depends on NumVFs and ARI */
#define SRIOV_VF_STRIDE 0x16	    /* 16: VF Stride, likewise */
#define SRIOV_VF_DEVICE 0x1a	    /* 16: VF Device ID */
#define SRIOV_SUP_PGSZ 0x1c	    /* 32: bit n set: page size 2^(n+12) supported */
#define SRIOV_SYS_PGSZ 0x20	    /* 32: one bit, the page size in use */
#define SRIOV_VF_BAR0 0x24	    /* 6 x 32 */
#define SRIOV_CAP_LEN 0x40

/* PCIe capability: Device Control 2 of a downstream port. */
#define PCIE_DEVCTL2 0x28
#define PCIE_DEVCTL2_ARI_FWD (1u << 5)

/* Microsecond waits the enable sequence makes (spec: 1 s after clearing
 * VF Enable, 100 ms after setting it before any VF is touched). */
#define SRIOV_DISABLE_WAIT_US 1000000u
#define SRIOV_ENABLE_WAIT_US 100000u

struct sriov_info {
	uint16_t pos; /* of the capability in the PF's config space */
	uint32_t caps;
	uint16_t ctrl;
	uint16_t initial_vfs, total_vfs, num_vfs;
	uint16_t offset, stride; /* valid for num_vfs as last read */
	uint16_t vf_device;
	uint32_t sup_pgsz, sys_pgsz;
	/* VF BARs: addr is VF 0's (VF i is at addr + i x size), size is per
	 * VF (0 until sriov_size_bars, or when not implemented). The upper
	 * half of a 64-bit BAR reads as size 0 and is_64 false. */
	struct pci_bar vf_bar[PCI_NUM_BARS];
};

/* Reads the capability at pos without changing anything. -ERR_NODEV if
 * pos does not hold an SR-IOV capability. VF BAR sizes stay 0. */
int sriov_read(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t rid, uint16_t pos,
	       struct sriov_info *out);

/* Sizes each VF BAR (all ones, read back, restore). Only while VF Memory
 * Space Enable is off (-ERR_BUSY otherwise), so no VF decodes a moving
 * window. Sizes depend on the system page size: size after setting it. */
int sriov_size_bars(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t rid,
		    struct sriov_info *s);

/* Writes the VF BAR addresses of s back (a PF's function-level reset
 * clears them, on QEMU at least), for BARs that had one. */
void sriov_restore_bars(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t rid,
			const struct sriov_info *s);

/* The smallest supported page size of at least 4 KiB, as the one-bit
 * value System Page Size takes; 0 if none is supported. */
uint32_t sriov_pick_page_size(uint32_t supported);

/* Requester id of VF i (0-based): PF + offset + i x stride, carrying from
 * the function number into the bus number. -ERR_RANGE past bus 255. */
int sriov_vf_rid(uint16_t pf_rid, uint16_t offset, uint16_t stride, unsigned i, uint16_t *rid);

/* Address of VF vf's (0-based) copy of VF BAR bar. */
uint64_t sriov_vf_bar_addr(const struct sriov_info *s, unsigned bar, unsigned vf);

/* Whether every implemented VF BAR holds a window for nvfs VFs: assigned
 * (firmware may leave VF BARs empty), aligned to the per-VF size, and
 * inside the BAR's reach. 0, or -ERR_NOTSUP / -ERR_RANGE with the reason
 * in msg, naming the PF as SSSS:BB:DD.F. */
int sriov_check_bars(const struct sriov_info *s, uint16_t seg, uint16_t pf_rid, unsigned nvfs,
		     char *msg, size_t msgsize);

/* Whether a downstream port forwards ARI (Device Control 2), given the
 * offset of its PCIe capability; false with none. */
bool sriov_port_ari_forwarding(const struct pci_cfg_ops *cfg, uint16_t seg, uint16_t port_rid,
			       uint8_t cap_pcie);

struct sriov_enable_req {
	uint16_t seg, rid, pos; /* the PF and its SR-IOV capability */
	uint16_t num_vfs;
	/* The port above the PF forwards ARI (sriov_port_ari_forwarding);
	 * false for a PF on a root bus. */
	bool ari_forwarding;
	/* Highest bus number that reaches the PF's VFs: the upstream
	 * bridge's subordinate bus, or the segment's last bus. */
	uint8_t bus_max;
	void (*delay_us)(void *ctx, uint64_t us);
	void *delay_ctx;
	/* Gives addresses to the VF BARs that firmware left empty (those of
	 * s with a size and address 0), for num_vfs VFs: 0, or a negative
	 * code with the reason in msg. NULL: such BARs are refused. */
	int (*place)(void *ctx, struct sriov_info *s, unsigned num_vfs, char *msg, size_t msgsize);
	void *place_ctx;
};

/* Creates req->num_vfs VFs: VF Enable cleared first if set (and waited
 * for), ARI Capable Hierarchy only under a port forwarding ARI, System
 * Page Size, VF BARs sized, empty ones placed (req->place), written and
 * read back, all checked, NumVFs, offset and stride read
 * again, the VFs' requester ids checked against bus_max, then VF Enable
 * with VF MSE and the 100 ms wait. out holds the capability as it ends.
 * On failure VF Enable stays off and msg says why, naming the PF. */
int sriov_enable(const struct pci_cfg_ops *cfg, const struct sriov_enable_req *req,
		 struct sriov_info *out, char *msg, size_t msgsize);

/* Clears VF Enable and VF MSE (and waits) and sets NumVFs to 0. */
void sriov_disable(const struct pci_cfg_ops *cfg, const struct sriov_enable_req *req);

#endif
