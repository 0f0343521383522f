/* A guest's trapped MMIO regions: guest-physical ranges that are not in
 * its nested page tables, so that each access exits (a nested page fault
 * or EPT violation), and the device that answers there. The IOAPIC is
 * one; the virtual PCI bus's ECAM and the MSI-X tables of assigned
 * functions plug in the same way. */
#ifndef ARGON_VMM_MMIO_H
#define ARGON_VMM_MMIO_H

#include <stdint.h>

#include "vmm/vcpu.h"

#include "sriov/pci.h"
#include "vmm/dev/vpci.h"

/* The IOAPIC, the ECAM, and per assigned function one region per BAR. */
#define GUEST_MAX_MMIO (2 + PCI_NUM_BARS * VPCI_MAX_DEVS)

#define MMIO_LOG_BURST 32
#define MMIO_LOG_WINDOW_US 1000000

/* Accesses of 1, 2, 4 or 8 bytes at offset off of the region, which the
 * access never crosses. The handlers take their own locks. */
struct mmio_ops {
	const char *name; /* the device, in argon's debug log of accesses */
	uint64_t (*read)(struct vcpu *v, void *dev, uint64_t off, unsigned size);
	void (*write)(struct vcpu *v, void *dev, uint64_t off, unsigned size, uint64_t val);
};

struct mmio_region {
	uint64_t gpa, size;
	const struct mmio_ops *ops;
	void *dev;
};

/* Adds a region; -ERR_EXIST if it overlaps the guest's memory map or
 * another region, -ERR_NOSPC if the guest has GUEST_MAX_MMIO already. */
int mmio_register(struct guest *g, uint64_t gpa, uint64_t size, const struct mmio_ops *ops,
		  void *dev);

/* The region holding gpa, or NULL. */
const struct mmio_region *mmio_find(const struct guest *g, uint64_t gpa);

/* Emulates the instruction at the guest's RIP, which faulted on region r
 * at e->npf.gpa, and moves RIP past it. An instruction argon cannot
 * emulate stops the guest with a message that names it. With log =
 * "debug", each access is logged (device, direction, size, address, RIP),
 * at most MMIO_LOG_BURST a second per guest, and how many were not. */
void mmio_emulate(struct vcpu *v, const struct vm_exit *e, const struct mmio_region *r);

#endif
