/* The NVMe PF driver behind sriov/pf_driver.h. Its PFs are configured by
 * [nvme.NAME] and set up by nvme_pf_setup, whose controller steps include
 * the SR-IOV enable; the hooks here are what each VF needs afterwards. */
#include "lib/err.h"
#include "nvme/nvme_pf.h"
#include "sriov/pf_driver.h"

static int nvme_vf_prepare(struct sriov_pf *pf, unsigned vf)
{
	const struct pci_func *f = pci_find_vf(pf->f->seg, pf->f->rid, vf);

	return f ? nvme_pf_vf_isolate(f) : -ERR_NOENT;
}

static int nvme_vf_prepare_later(struct sriov_pf *pf, unsigned vf, pf_done_fn done, void *ctx,
				 uint32_t tag)
{
	const struct pci_func *f = pci_find_vf(pf->f->seg, pf->f->rid, vf);

	return f ? nvme_pf_vf_isolate_later(f, done, ctx, tag) : -ERR_NOENT;
}

static int nvme_vf_release_later(struct sriov_pf *pf, unsigned vf)
{
	const struct pci_func *f = pci_find_vf(pf->f->seg, pf->f->rid, vf);

	return f ? nvme_pf_vf_release_later(f) : -ERR_NOENT;
}

const struct pf_driver nvme_pf_driver = {
	.kind = &pf_kind_nvme,
	.vf_prepare = nvme_vf_prepare,
	.vf_prepare_later = nvme_vf_prepare_later,
	.vf_release_later = nvme_vf_release_later,
	.work = nvme_pf_work,
	.busy = nvme_pf_busy,
	.set_worker = nvme_pf_set_worker,
};
