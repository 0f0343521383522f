/* The PF kinds argon drives, by their ids (sriov/pf_kind.h). */
#include "sriov/pf_kind.h"

#include "lib/bits.h"
#include "nic/igb_hw.h"

#define CLASS_NVME 0x010802

static bool nvme_match(const struct pci_func *f)
{
	return f->class_code == CLASS_NVME && f->ecap_sriov && !f->is_vf;
}

static bool igb_match(const struct pci_func *f)
{
	static const uint16_t ids[] = {
		IGB_DEV_82576,		 IGB_DEV_82576_FIBER,	    IGB_DEV_82576_SERDES,
		IGB_DEV_82576_QUAD,	 IGB_DEV_82576_QUAD_ET2,    IGB_DEV_82576_NS,
		IGB_DEV_82576_NS_SERDES, IGB_DEV_82576_SERDES_QUAD,
	};

	if (f->vendor != IGB_VENDOR || f->is_vf)
		return false;
	for (unsigned i = 0; i < ARRAY_SIZE(ids); i++)
		if (f->device == ids[i])
			return true;
	return false;
}

const struct pf_kind pf_kind_nvme = {
	.name = "nvme",
	.match = nvme_match,
	.table = "nvme",
};

const struct pf_kind pf_kind_igb = {
	.name = "igb",
	.match = igb_match,
	.assigns_macs = true,
	.max_vfs = IGB_MAX_VFS,
	.polls = true,
};

const struct pf_kind *pf_kind_find(const struct pci_func *f)
{
	static const struct pf_kind *const kinds[] = {&pf_kind_nvme, &pf_kind_igb};

	for (unsigned i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i]->match(f))
			return kinds[i];
	return NULL;
}
