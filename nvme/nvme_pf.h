/* argon's own driver for an NVMe physical function ([nvme.NAME] in
 * argon.conf): polled admin queue in argon's memory, reachable by the PF
 * only through its own IOMMU domain; Identify; then the steps of
 * nvme/nvme_plan.h that create the VFs and their secondary controllers.
 * Runs on the boot CPU while argon plans the machine. */
#ifndef ARGON_NVME_NVME_PF_H
#define ARGON_NVME_NVME_PF_H

#include <stdbool.h>
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

/* Before VF vf's guest first starts (after argon's reset of it):
 * detaches from its controller every namespace but its own. 0, or a
 * negative code after logging. Runs the admin commands at once. */
int nvme_pf_vf_isolate(const struct pci_func *vf);

/* Told on the console CPU when a posted job ends (rc: 0, or a negative
 * code after logging); returns false to be told again at the next call
 * (its lock was held). */
typedef bool (*nvme_pf_done_fn)(void *ctx, uint32_t tag, int rc);

/* After a reset of VF vf while its guest lives (asked by the guest, or
 * its restart): every namespace but its own detached from its controller
 * again, each one found reported as a stray. Posted for nvme_pf_work:
 * returns 1, and done(ctx, tag, rc) follows; the caller keeps the VF
 * from mastering until then. Without a worker it runs at once and
 * returns 0 or a negative code (done is not called). The posts of one VF
 * made before the work runs are run once, done told with the last tag. */
int nvme_pf_vf_isolate_later(const struct pci_func *vf, nvme_pf_done_fn done, void *ctx,
			     uint32_t tag);

/* When the guest of VF vf stops for good, after the VF is reset and
 * detached (quiesced): strays detached and reported as above, then its
 * secondary controller offline and its queue and interrupt resources
 * back with the primary (Virtualization Management: offline, then assign
 * 0 VQ and 0 VI). Posted (1) or run at once (0 or a negative code), as
 * above. */
int nvme_pf_vf_release_later(const struct pci_func *vf);

/* Whether a CPU calls nvme_pf_work from now on (the console CPU); set
 * before guests start. */
void nvme_pf_set_worker(bool present);

/* Runs the posted jobs; the console CPU calls it between ticks. */
void nvme_pf_work(void);

/* Whether a posted job has not ended: argon powers off only after. */
bool nvme_pf_busy(void);

/* When argon goes down (every guest stopped, before power-off or halt):
 * each PF argon drives is left as a later boot expects to find it. The
 * controllers of VFs that no guest released go offline with their
 * resources back with the primary, the primary gets a normal shutdown
 * (CC.SHN, CSTS.SHST), VF Enable goes off and the PF stops mastering. */
void nvme_pf_shutdown(void);

#endif
