/* argon's own driver for an NVMe physical function ([nvme.NAME] in
 * argon.conf): polled admin queue in argon's memory, reachable by the PF
 * only through its own IOMMU domain; Identify; then the steps of
 * nvme/nvme_plan.h that create the VFs and their secondary controllers.
 * Runs on the boot CPU while argon plans the machine. */
#ifndef ARGON_NVME_NVME_PF_H
#define ARGON_NVME_NVME_PF_H

#include <stdint.h>

#include "lib/config.h"
#include "sriov/pci.h"
#include "nvme/nvme_plan.h"

/* What one PF ended up with, for the boot report and for assigning VFs. */
struct nvme_pf_vf {
	uint16_t rid;  /* the VF's requester id */
	uint16_t scid; /* its secondary controller */
	uint32_t nsid; /* the namespace attached to it */
	uint16_t nvq, nvi;
};

struct nvme_pf_result {
	uint16_t seg, rid; /* the PF */
	uint16_t cntlid;   /* the primary controller */
	unsigned nvfs;
	struct nvme_pf_vf vf[NVME_MAX_VFS];
};

/* Brings up the PF that n names and creates its VFs as configured. 0, or
 * a negative code after logging, prefixed with the PF, what failed: the
 * function missing or without SR-IOV, a capability or resource the
 * controller lacks (nvme_plan_make's message), or the command that failed
 * with its decoded status. */
int nvme_pf_setup(const struct argon_nvme_config *n, struct nvme_pf_result *out);

/* What nvme_pf_setup gave VF vf (a function pci_add_vf added), or NULL if
 * no PF driven by argon has it. */
const struct nvme_pf_vf *nvme_pf_vf_info(const struct pci_func *vf);

/* After a reset of VF vf: detaches from its controller every namespace
 * but its own (a controller may attach shared namespaces to itself when it
 * comes up again). 0, or a negative code after logging. Any CPU. */
int nvme_pf_vf_isolate(const struct pci_func *vf);

/* When the guest of VF vf stops for good, after the VF is reset and
 * detached (quiesced): its secondary controller offline and its queue and
 * interrupt resources back with the primary (Virtualization Management:
 * offline, then assign 0 VQ and 0 VI). 0, or a negative code after
 * logging the failed command. Any CPU; one PF's commands at a time. */
int nvme_pf_vf_release(const struct pci_func *vf);

#endif
