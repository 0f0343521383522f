/* Whether the functions argon.conf assigns can be given to guests on this
 * machine: each must exist, be an endpoint (not a bridge, whose devices
 * and windows serve others), have a reset argon trusts, reach the IOMMU
 * with a requester id no other guest's function uses, be covered by an
 * IOMMU unit, and be unable to reach another owner's function peer to
 * peer without passing the IOMMU: every root or switch downstream port on
 * its path has ACS redirect on, and a function of a multi-function device
 * without ACS goes to the guest that has all its other functions. Pure:
 * errors go to the config diagnostics at the address's place in the
 * file. */
#include "sriov/pci_check.h"

#include "sriov/pci_regs.h"

static const char *bridge_kind(const struct pci_func *f)
{
	switch (f->class_code >> 8) {
	case PCI_CLASS_BRIDGE_HOST:
		return "a host bridge";
	case PCI_CLASS_BRIDGE_ISA:
		return "an ISA bridge";
	case PCI_CLASS_BRIDGE_PCI:
	case 0x0609: /* semi-transparent PCI-to-PCI */
		return "a PCI-to-PCI bridge";
	default:
		return f->is_bridge && f->pcie_type != PCI_EXP_TYPE_NONE ? "a PCIe port"
									 : "a bridge";
	}
}

static bool is_bridge(const struct pci_func *f)
{
	return f->class_code >> 16 == PCI_CLASS_BRIDGE || f->header_type != PCI_HEADER_NORMAL;
}

/* The index of the guest that argon.conf gives f to, -1 if none. */
static int owner(const struct argon_config *cfg, const struct pci_func *f)
{
	for (unsigned i = 0; i < cfg->nguests; i++)
		for (unsigned k = 0; k < cfg->guests[i].ndevices; k++)
			if (cfg->guests[i].devices[k].seg == f->seg &&
			    cfg->guests[i].devices[k].rid == f->rid)
				return (int)i;
	return -1;
}

/* PCIe-to-PCI and conventional bridges alias their functions' ids, which
 * the alias check covers; upstream ports are inside the switch. */
const struct pci_func *pci_port_without_acs(const struct pci_bus_info *b, const struct pci_func *f)
{
	for (int p = f->parent; p >= 0; p = b->f[p].parent) {
		const struct pci_func *br = &b->f[p];

		if ((br->pcie_type == PCI_EXP_TYPE_ROOT_PORT ||
		     br->pcie_type == PCI_EXP_TYPE_DOWNSTREAM) &&
		    !pci_acs_isolates(b, br))
			return br;
	}
	return NULL;
}

/* Reports f (guest gi) when another function o of a group that the IOMMU
 * cannot split (same DMA id when alias, else same multi-function device
 * without ACS on both) belongs to another guest or to none. A pair of
 * guests is reported once, at the later guest. Returns 1 if it reported. */
static unsigned check_group(const struct argon_config *cfg, const struct pci_bus_info *b,
			    unsigned gi, const struct pci_func *f, bool alias, struct config_pos at,
			    struct config_diags *diags)
{
	uint16_t rid = pci_dma_rid(b, f);
	bool f_acs = pci_acs_isolates(b, f);

	for (unsigned i = 0; i < b->count; i++) {
		const struct pci_func *o = &b->f[i];
		char name[CONFIG_PCI_ADDR_LEN], oname[CONFIG_PCI_ADDR_LEN],
			rname[CONFIG_PCI_ADDR_LEN];
		int j;

		if (o == f || is_bridge(o) || o->seg != f->seg)
			continue;
		if (alias ? pci_dma_rid(b, o) != rid
			  : !pci_same_device(f, o) || (f_acs && pci_acs_isolates(b, o)))
			continue;
		j = owner(cfg, o);
		if (j == (int)gi || j > (int)gi)
			continue;
		config_format_pci_addr(name, sizeof(name),
				       (struct config_pci_addr){f->seg, f->rid});
		config_format_pci_addr(oname, sizeof(oname),
				       (struct config_pci_addr){o->seg, o->rid});
		config_format_pci_addr(rname, sizeof(rname), (struct config_pci_addr){f->seg, rid});
		if (alias && j >= 0)
			config_diag_add(diags, at,
					"PCI function %s shares DMA id %s with %s of guest '%s'",
					name, rname, oname, cfg->guests[j].name);
		else if (alias)
			config_diag_add(diags, at,
					"PCI function %s shares DMA id %s with %s, which no guest "
					"has",
					name, rname, oname);
		else if (j >= 0)
			config_diag_add(diags, at,
					"PCI function %s shares a device without ACS with %s of "
					"guest '%s' (peer-to-peer DMA)",
					name, oname, cfg->guests[j].name);
		else
			config_diag_add(
				diags, at,
				"PCI function %s shares a device without ACS with %s, which "
				"no guest has (peer-to-peer DMA)",
				name, oname);
		return 1;
	}
	return 0;
}

unsigned pci_check_assignments(const struct argon_config *cfg, const struct pci_bus_info *b,
			       bool (*covers)(uint16_t seg, uint16_t rid),
			       struct config_diags *diags)
{
	unsigned found = 0;

	for (unsigned i = 0; i < cfg->nguests; i++) {
		const struct argon_guest_config *g = &cfg->guests[i];

		for (unsigned k = 0; k < g->ndevices; k++) {
			struct config_pci_addr a = g->devices[k];
			struct config_pos at = g->devices_at[k];
			const struct pci_func *f = NULL;
			char name[CONFIG_PCI_ADDR_LEN];
			const struct pci_func *port;
			uint16_t rid;

			config_format_pci_addr(name, sizeof(name), a);
			if (b)
				f = pci_bus_find(b, a.seg, a.rid);
			if (!f) {
				config_diag_add(
					diags, at, "PCI function %s does not exist%s", name,
					b ? " on this machine"
					  : " (this machine has no PCI configuration space: "
					    "no ACPI MCFG)");
				found++;
				continue;
			}
			if (is_bridge(f)) {
				config_diag_add(
					diags, at,
					"PCI function %s is %s (class %06x): bridges cannot be "
					"assigned",
					name, bridge_kind(f), f->class_code);
				found++;
				continue;
			}
			if (pci_reset_method(b->cfg, f) == PCI_RESET_NONE) {
				config_diag_add(
					diags, at,
					"PCI function %s cannot be reset (no FLR, no D3hot->D0 "
					"reset): it cannot be assigned",
					name);
				found++;
			}
			rid = pci_dma_rid(b, f);
			/* Functions the IOMMU cannot tell apart, or that reach
			 * each other inside their device, go to one guest. */
			if (check_group(cfg, b, i, f, true, at, diags))
				found++;
			else if (check_group(cfg, b, i, f, false, at, diags))
				found++;
			port = pci_port_without_acs(b, f);
			if (port) {
				char pname[CONFIG_PCI_ADDR_LEN];

				config_format_pci_addr(
					pname, sizeof(pname),
					(struct config_pci_addr){port->seg, port->rid});
				config_diag_add(
					diags, at,
					"PCI function %s is behind PCIe port %s without ACS: its "
					"peer-to-peer DMA could bypass the IOMMU",
					name, pname);
				found++;
			}
			/* Both the id the function sends and the one the IOMMU
			 * sees when a bridge replaces it. */
			if (covers && (!covers(f->seg, f->rid) || !covers(f->seg, rid))) {
				config_diag_add(
					diags, at,
					"no IOMMU covers PCI function %s: its DMA could not be "
					"confined to the guest's memory",
					name);
				found++;
			}
		}
	}
	return found;
}

unsigned pci_check_nvme_pfs(const struct argon_config *cfg, const struct pci_bus_info *b,
			    struct config_diags *diags)
{
	unsigned found = 0;

	for (unsigned i = 0; i < cfg->nnvme; i++) {
		const struct argon_nvme_config *n = &cfg->nvme[i];
		const struct pci_func *f;
		char name[CONFIG_PCI_ADDR_LEN];

		if (!n->pf_at.line)
			continue;
		config_format_pci_addr(name, sizeof(name), n->pf);
		f = b ? pci_bus_find(b, n->pf.seg, n->pf.rid) : NULL;
		if (!f)
			config_diag_add(diags, n->pf_at, "no PCI function %s on this machine",
					name);
		else if (f->class_code != PCI_CLASS_NVME)
			config_diag_add(diags, n->pf_at,
					"PCI function %s is not an NVMe controller (class %06x)",
					name, f->class_code);
		else if (!f->ecap_sriov)
			config_diag_add(diags, n->pf_at, "PCI function %s has no SR-IOV capability",
					name);
		else
			continue;
		found++;
	}
	return found;
}
