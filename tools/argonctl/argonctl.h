/* argonctl: the operator's tool for argon, run on Linux (or on captured
 * data) before argon boots the machine. docs/argonctl.md. */
#ifndef ARGONCTL_H
#define ARGONCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "iommu/vtd/dmar.h"
#include "lib/config.h"
#include "sriov/pci.h"

/* Where the machine's description comes from. */
struct source_opts {
	const char *pci_dump; /* `lspci -xxxx` output, or NULL: this machine */
	const char *dmar;     /* a DMAR table (binary or xxd), or NULL */
	bool no_dmar;	      /* offline without a DMAR: coverage unknown */
	int cpus;	      /* --cpus N (offline), -1: this machine's */
	int threads;	      /* --threads T per core with --cpus */
	uint64_t memory;      /* --memory SIZE (offline), 0: this machine's */
	const char *sysfs;    /* root of /sys (tests point it elsewhere) */
	bool no_nvme_cli;     /* never run nvme-cli */
};

/* The machine as argon would find it at boot. */
struct machine {
	struct pci_bus_info bus; /* functions, VFs that are enabled appended */
	unsigned nphys;		 /* functions before the VFs */
	bool have_pci;
	bool live;	/* read from this machine's sysfs, not a dump */
	bool bar_sizes; /* BAR sizes known (not in an lspci dump) */
	/* The ACPI DMAR, when found. */
	bool have_dmar;
	struct dmar_info dmar;
	char dmar_from[512];
	bool dmar_live; /* this machine's own (sysfs), not a file */
	/* Per unit: its cap/ecap registers as Linux shows them, when it does. */
	bool unit_regs[DMAR_MAX_UNITS];
	uint64_t unit_cap[DMAR_MAX_UNITS], unit_ecap[DMAR_MAX_UNITS];
	/* Why argon would not bring the IOMMU up ("" when it would). */
	char iommu_why[800];
	/* CPUs and memory. */
	unsigned ncpus;
	struct config_cpu_core cores[1024];
	uint64_t ram_bytes;
	bool have_memmap;
	struct boot_info *memmap; /* usable ranges, for RMRR checks */
};

extern struct machine mach;

/* Loads mach from this machine or the files in o. 0, or -1 with a message
 * on stderr. */
int machine_load(const struct source_opts *o);
/* Whether an IOMMU unit argon can use covers seg:rid. */
bool machine_covers(uint16_t seg, uint16_t rid);
/* The unit that covers seg:rid, -1 if none. */
int machine_unit_for(uint16_t seg, uint16_t rid);
struct sriov_info;
/* pf's SR-IOV capability, with the per-VF sizes of its VF BARs where Linux
 * sized them (sysfs); 0, or -1 without one. */
int machine_sriov(const struct pci_func *pf, struct sriov_info *sr);
/* dmar_scope_rid and dmar_scope_covers through the machine's bridges. */
int machine_scope_rid(const struct dmar_scope *s, uint16_t seg, uint16_t *rid);
bool machine_scope_covers(const struct dmar_scope *s, uint16_t seg, uint16_t rid);
/* The vendor and device names (pci.ids through libpci), "" if unknown. */
const char *machine_names(const struct pci_func *f, char *buf, size_t size);
/* RAM argon would have for guests. */
uint64_t machine_free_bytes(void);

/* The commands. */
int cmd_scan(const struct source_opts *o, bool json);
int cmd_check(const struct source_opts *o, const char *conf);
int cmd_dmar(const struct source_opts *o, const char *file);
int cmd_install(const struct source_opts *o, int argc, char **argv);

/* Reads a whole file (NUL-terminated, *len without it); NULL with errno. */
char *read_file(const char *path, size_t *len);
/* A file as bytes: binary as it is, or an `xxd` dump turned back into
 * bytes. */
uint8_t *read_table(const char *path, size_t *len);

#endif
