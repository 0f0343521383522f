/* NVMe virtualization management read through nvme-cli (optional). */
#ifndef ARGONCTL_NVME_CLI_H
#define ARGONCTL_NVME_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "nvme/nvme_cmd.h"
#include "nvme/nvme_plan.h"
#include "sriov/pci.h"

#define NVME_SURVEY_MAX_NS 1024

struct nvme_survey {
	bool ok;       /* Identify Controller read */
	char dev[64];  /* /dev/nvmeN */
	char why[128]; /* when not ok */
	struct nvme_id_ctrl id;
	struct nvme_pri_caps caps;
	struct nvme_sec_ctrl sec[NVME_SCL_MAX];
	unsigned nsec;
	uint32_t ns[NVME_SURVEY_MAX_NS];
	unsigned nns;
};

/* Reads what argon's NVMe PF driver reads at boot (nvme/nvme_pf.c,
 * survey) from the controller at f, through nvme-cli. 0, or -1 with
 * s->why saying why not. */
int nvme_cli_survey(const struct pci_func *f, const char *sysfs, struct nvme_survey *s);

#endif
