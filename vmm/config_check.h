/* What argon.conf asks against what a machine has: the CPUs exist, guests
 * share no core's hyperthreads (unless allowed), the files it names can be
 * read, the memory fits, and the PCI functions and SR-IOV PFs it names
 * can be given out. Pure: argon runs it at boot on what it found, argonctl on
 * what Linux (or a captured dump) shows, so both report the same errors
 * at the same places in the file. */
#ifndef ARGON_VMM_CONFIG_CHECK_H
#define ARGON_VMM_CONFIG_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/config.h"
#include "sriov/pci.h"

struct config_machine {
	unsigned ncpus;			     /* CPUs 0..ncpus-1 exist */
	const struct config_cpu_core *cores; /* by CPU index */
	unsigned max_guest_cpus;	     /* vCPUs one guest may have */
	uint64_t free_bytes;		     /* RAM argon can give to guests */
	const char *dir;		     /* the config's folder, as messages show it */
	/* NULL when the file (named as in the config, relative to dir) can
	 * be read, else why not ("not found"). */
	const char *(*file_problem)(void *ctx, const char *name);
	void *ctx;
	const struct pci_bus_info *pci; /* NULL: no PCI configuration space */
	/* Whether an IOMMU unit translates seg:rid; NULL: not checked. */
	bool (*covers)(uint16_t seg, uint16_t rid);
};

/* Adds every problem to diags at its place in the file; returns how many. */
unsigned config_check_machine(const struct argon_config *cfg, const struct config_machine *m,
			      struct config_diags *diags);

/* Whether cfg leaves one of CPUs 0..ncpus-1 to no guest: the console CPU,
 * which runs the PF drivers' polling and posted work. */
bool config_console_cpu_left(const struct argon_config *cfg, unsigned ncpus);

#endif
