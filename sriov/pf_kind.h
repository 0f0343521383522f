/* The kinds of SR-IOV physical function that argon has a driver for, told
 * apart by their ids alone: what argon's config check and argonctl need to
 * know about a PF's driver without running it. Pure. */
#ifndef ARGON_SRIOV_PF_KIND_H
#define ARGON_SRIOV_PF_KIND_H

#include <stdbool.h>

#include "sriov/pci.h"

struct pf_kind {
	const char *name; /* "nvme", for messages */
	/* Whether f is a PF of this kind (by its ids or class). */
	bool (*match)(const struct pci_func *f);
	/* The config table its PFs take, when not [sriov.NAME] ("nvme" for
	 * [nvme.NAME]); NULL: [sriov.NAME]. */
	const char *table;
	/* Its driver gives each VF a MAC: [sriov.NAME] may list them. */
	bool assigns_macs;
	/* The most VFs per PF its driver drives (below TotalVFs); 0: TotalVFs. */
	unsigned max_vfs;
	/* Its driver polls the PF from the console CPU's loop (struct
	 * pf_driver's poll), which then must exist. */
	bool polls;
};

extern const struct pf_kind pf_kind_nvme;
extern const struct pf_kind pf_kind_igb;

/* The kind that f is, or NULL: a generic PF, whose VFs need no driver. */
const struct pf_kind *pf_kind_find(const struct pci_func *f);

#endif
