/* The boot report of a function assigned to a guest (a whole function or
 * an SR-IOV VF): one line for people, one JSON object per line for tools.
 * docs/sriov.md documents the JSON schema. Pure. */
#ifndef ARGON_SRIOV_PCI_REPORT_H
#define ARGON_SRIOV_PCI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sriov/pci.h"

struct pci_report_bar {
	uint64_t size; /* 0: none */
	uint64_t host, guest;
	bool is_64, prefetch;
};

struct pci_report {
	const char *guest; /* a config name: letters, digits, '-', '_' */
	uint8_t slot;	   /* the guest's device number, 00:NN.0 */
	uint16_t seg, rid;
	bool is_vf;
	uint16_t pf_rid; /* a VF's PF */
	unsigned vf_num; /* a VF's number, 1-based */
	bool present;	 /* it answers configuration reads now */
	uint16_t vendor, device;
	uint32_t class_code;
	struct pci_report_bar bar[PCI_NUM_BARS];
	bool msix;
	unsigned msix_entries;
	uint8_t msix_bar;
	uint32_t msix_off;
	bool msix_alone; /* see pci_msix_alone */
	bool flr;
	const char *reset; /* pci_reset_method_name */
	int iommu_unit;	   /* -1: none covers it */
	uint64_t iommu_base;
	bool irq_remap;
	bool nvme; /* an NVMe secondary controller that argon set up */
	uint16_t cntlid, queues, vectors;
	uint32_t nsid;
};

/* Whether the MSI-X table (entries x 16 bytes at table_off of its BAR)
 * starts on a page boundary, lies within the BAR, and the PBA is not on
 * its pages: then trapping the table's pages traps nothing else that the
 * device tells of. */
bool pci_msix_alone(uint64_t bar_size, uint8_t table_bar, uint32_t table_off, unsigned entries,
		    uint8_t pba_bar, uint32_t pba_off);

/* Whether the MSI-X table of mi (entries x 16 bytes) lies inside its BAR
 * of bar_size bytes: argon traps its pages there. */
bool pci_msix_in_bar(uint64_t bar_size, const struct pci_msix_info *mi);

/* The human line (without "argon: ") and the JSON object (one line, no
 * newline). Return the length they wanted, as snprintf. */
int pci_report_line(const struct pci_report *r, char *buf, size_t size);
int pci_report_json(const struct pci_report *r, char *buf, size_t size);

#endif
