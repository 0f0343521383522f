/* A guest's PCI bus: segment 0, bus 0 of its ECAM (ARGON_GUEST_ECAM_BASE),
 * with a host bridge at 00:00.0 and each function assigned to the guest at
 * 00:NN.0, NN = 1, 2, ... in the order of the guest's `devices` list.
 * Every other bus, device and function reads all ones.
 *
 * The configuration space of an assigned function is virtual (see
 * docs/passthrough.md for the table): IDs, class, subsystem and status
 * read through from the device; BARs are argon's, placed in the guest's
 * MMIO window; the command register passes memory decode and bus master
 * to the device and keeps INTx disabled; the capability list shows only
 * PCI Express, MSI-X and power management, the extended list only ARI and
 * AER (read-only). A write the guest may not make is ignored and counted.
 *
 * Pure: the device is reached through struct pci_cfg_ops, and what the
 * model cannot do itself (move a BAR's mapping, reset the function, act on
 * MSI-X enable and mask) goes through struct vpci_hooks, so host tests run
 * it on a fake function. The caller serializes calls per bus. */
#ifndef ARGON_VMM_DEV_VPCI_H
#define ARGON_VMM_DEV_VPCI_H

#include <stdbool.h>
#include <stdint.h>

#include "sriov/pci.h"
#include "vmm/guest_abi.h"

#define VPCI_MAX_DEVS 8 /* guest devices 00:01.0 .. 00:08.0 */
#define VPCI_MAX_CAPS 8

/* The host bridge at 00:00.0 (vmm/guest_abi.h): Linux treats it as a
 * plain host bridge and nothing binds to it. */
#define VPCI_HOST_VENDOR ARGON_GUEST_PCI_HOST_VENDOR
#define VPCI_HOST_DEVICE ARGON_GUEST_PCI_HOST_DEVICE
#define VPCI_HOST_CLASS ARGON_GUEST_PCI_HOST_CLASS

/* Smallest piece of guest-physical space a BAR takes: a page of its own,
 * so that mapping it never exposes a neighbour. */
#define VPCI_BAR_MIN_ALIGN 0x1000u

struct vpci_dev;

struct vpci_hooks {
	/* Moves BAR bar of d from old_gpa to new_gpa in the guest's address
	 * space (the nested tables and the trapped MSI-X pages). Non-zero:
	 * the BAR stays where it was. */
	int (*bar_move)(void *ctx, struct vpci_dev *d, unsigned bar, uint64_t old_gpa,
			uint64_t new_gpa);
	/* The guest asked for a function-level reset (PCIe Device Control
	 * bit 15): reset the function and bring back what argon keeps in it
	 * (BARs as firmware assigned them, masked MSI-X entries). */
	void (*flr)(void *ctx, struct vpci_dev *d);
	/* The guest turned memory decoding of d on (already in the device):
	 * what argon wrote to the device's registers while it was off may
	 * have been dropped. */
	void (*memory_on)(void *ctx, struct vpci_dev *d);
	/* MSI-X enable or function mask changed (already in the device). */
	void (*msix_control)(void *ctx, struct vpci_dev *d, bool enable, bool masked);
	/* A refused write, for a debug log line. */
	void (*refused)(void *ctx, const struct vpci_dev *d, uint16_t off, unsigned size,
			uint32_t val, const char *what);
	void *ctx;
};

struct vpci_bar {
	uint64_t size; /* 0: the guest sees no BAR here */
	uint64_t gpa;  /* where the guest has it */
	uint64_t hpa;  /* where it is on the host */
	bool is_64, prefetch;
	bool sizing_lo, sizing_hi; /* the guest wrote all ones: it reads the size */
};

struct vpci_cap {
	uint16_t off; /* in the device's and the guest's configuration space */
	uint16_t len;
	uint16_t id;
};

struct vpci_dev {
	uint8_t slot; /* guest device number */
	const struct pci_func *f;
	const struct pci_cfg_ops *host;
	struct vpci_bar bar[PCI_NUM_BARS];
	uint16_t cmd; /* the guest's view of the command register */
	/* argon has work to finish on the function after resetting it:
	 * until vpci_dev_ready, the guest finds it as a function that has
	 * not come back from its reset (its configuration space reads all
	 * ones, writes go nowhere), so its bus mastering stays off. */
	bool not_ready;
	uint8_t cache_line, latency, int_line;
	struct vpci_cap cap[VPCI_MAX_CAPS], ecap[VPCI_MAX_CAPS];
	unsigned ncaps, necaps;
	uint64_t refused; /* writes ignored because the guest may not make them */
	void *priv;	  /* the caller's (MSI-X state) */
};

struct vpci_bus {
	struct vpci_dev dev[VPCI_MAX_DEVS];
	unsigned ndevs;
	uint64_t mmio32_base, mmio32_size;
	uint64_t mmio64_base, mmio64_size; /* size 0: no 64-bit window */
	const struct vpci_hooks *hooks;
	uint64_t refused; /* writes to the host bridge and empty slots */
};

/* An empty bus with the guest's BAR windows. */
void vpci_init(struct vpci_bus *b, uint64_t mmio32_base, uint64_t mmio32_size, uint64_t mmio64_base,
	       uint64_t mmio64_size, const struct vpci_hooks *hooks);

/* Adds host function f (reached through host) at the next device number
 * and takes its capability lists and BAR sizes; NULL when the bus is full.
 * I/O BARs are not offered (the guest has no port I/O to devices), nor
 * memory BARs that firmware left without an address. */
struct vpci_dev *vpci_add(struct vpci_bus *b, const struct pci_func *f,
			  const struct pci_cfg_ops *host);

/* Places every memory BAR of every function in the windows, naturally
 * aligned (at least VPCI_BAR_MIN_ALIGN), largest first: the 32-bit window
 * first, then, for 64-bit BARs that do not fit there, the 64-bit one.
 * -ERR_NOSPC when they do not fit. */
int vpci_place_bars(struct vpci_bus *b);

/* The guest's state of d back to power-on (command 0, scratch registers
 * cleared; the BARs stay where they are, as firmware would leave them):
 * after a reset of the function, on a guest restart. */
void vpci_reset_dev(struct vpci_bus *b, struct vpci_dev *d);

/* Ends d's not_ready: the guest reaches its configuration space again,
 * bus mastering in the function follows the guest's view. */
void vpci_dev_ready(struct vpci_bus *b, struct vpci_dev *d);

/* An access of 1, 2 or 4 bytes (8: two 4-byte ones), naturally aligned,
 * at offset off of the guest's ECAM (bus << 20 | dev << 15 | fn << 12 |
 * register). */
uint64_t vpci_read(struct vpci_bus *b, uint64_t off, unsigned size);
void vpci_write(struct vpci_bus *b, uint64_t off, unsigned size, uint64_t val);

/* The guest's MSI-X table and PBA of d, from its MSI-X capability:
 * false if it has none. */
bool vpci_msix_info(const struct vpci_dev *d, struct pci_msix_info *out);

/* Total of refused writes on the bus. */
uint64_t vpci_refused(const struct vpci_bus *b);

#endif
