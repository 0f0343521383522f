/* From what an NVMe primary controller offers and what argon.conf asks of
 * it, the exact steps that create the secondary controllers (one per VF),
 * give them queue and interrupt resources, set them online and attach
 * each its namespace; or the reason it cannot, naming the capability or
 * resource that is missing. Pure: nvme/nvme_pf.c carries the steps out. */
#ifndef ARGON_NVME_NVME_PLAN_H
#define ARGON_NVME_NVME_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "nvme/nvme_cmd.h"

#define NVME_MAX_VFS 64 /* per PF, as argon.conf accepts */

enum nvme_step_kind {
	NVME_STEP_VIRT_MGMT,  /* Virtualization Management: act, rt, cntlid, nr */
	NVME_STEP_PF_RESET,   /* function-level reset of the PF, admin queue again */
	NVME_STEP_ENABLE_VFS, /* the SR-IOV enable sequence with nr VFs */
	NVME_STEP_NS_ATTACH,  /* attach nsid to controller cntlid only */
};

struct nvme_step {
	enum nvme_step_kind kind;
	uint8_t act, rt;
	uint16_t cntlid;
	uint16_t nr;
	uint32_t nsid;
};

/* Offline every online secondary, give up the primary's flexible
 * resources (2), reset the PF, reclaim the unused secondaries' resources
 * (2 each), enable the VFs, then per VF assign VQ, VI, online and attach. */
#define NVME_PLAN_MAX_STEPS (NVME_SCL_MAX + 2 + 1 + 2 * NVME_SCL_MAX + 1 + 4 * NVME_MAX_VFS)

/* The controller as argon found it. */
struct nvme_plan_ctrl {
	const struct nvme_id_ctrl *id;
	const struct nvme_pri_caps *caps;
	const struct nvme_sec_ctrl *sec; /* the secondary controller list */
	unsigned nsec;
	const uint32_t *ns; /* allocated namespace ids */
	unsigned nns;
	uint16_t total_vfs; /* the PF's SR-IOV TotalVFs */
};

/* What the config asks: VF i (1-based) gets nsids[i-1]. */
struct nvme_plan_ask {
	const char *pf; /* "SSSS:BB:DD.F", for messages */
	unsigned vfs, queues_per_vf, vectors_per_vf;
	const uint32_t *nsids;
	unsigned nnsids;
};

struct nvme_plan {
	unsigned nsteps;
	struct nvme_step step[NVME_PLAN_MAX_STEPS];
	uint16_t scid[NVME_MAX_VFS]; /* secondary controller of VF i+1 */
	bool pf_reset;		     /* the PF is reset on the way */
};

/* 0 and the steps in p, or -ERR_NOTSUP (a capability is missing) /
 * -ERR_RANGE (not enough of a resource) / -ERR_INVAL (the ask itself is
 * wrong) with msg saying which, prefixed with the PF. */
int nvme_plan_make(const struct nvme_plan_ctrl *c, const struct nvme_plan_ask *a,
		   struct nvme_plan *p, char *msg, size_t msgsize);

/* Which of the controllers attached to namespace nsid (ids[0..n), from
 * Identify CNS 12h) argon detaches: every secondary controller of the
 * primary (sec[0..nsec)) but the VFs that the config gives this namespace
 * (VF i+1 gets nsids[i], i < nvfs). Other primaries of the subsystem and
 * controllers the primary does not list are left alone. Writes them to
 * out (at most max) and returns how many. Pure. */
unsigned nvme_ns_strays(uint32_t nsid, const uint16_t *ids, unsigned n,
			const struct nvme_sec_ctrl *sec, unsigned nsec, const uint32_t *nsids,
			unsigned nvfs, uint16_t *out, unsigned max);

/* One line for logs and tests, e.g. "assign VQ 4 to controller 1". */
int nvme_step_fmt(char *buf, size_t size, const struct nvme_step *s);

#endif
