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

#include "lib/err.h"
#include "lib/fmt.h"
#include "sriov/pci_regs.h"
#include "sriov/pf_kind.h"
#include "sriov/sriov.h"

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

/* The function VF vf (1-based) of PF pf will be once enabled, enough for
 * the checks (its requester id and place in the hierarchy), from the
 * PF's SR-IOV capability (First VF Offset and VF Stride as the PF shows
 * them now). 0, or a negative code. */
static int vf_func(const struct pci_bus_info *b, const struct pci_func *pf, unsigned vf,
		   struct pci_func *out)
{
	struct sriov_info sr;
	uint16_t rid;
	int rc;

	if (!pf->ecap_sriov || vf == 0)
		return -ERR_NODEV;
	rc = sriov_read(b->cfg, pf->seg, pf->rid, pf->ecap_sriov, &sr);
	if (!rc)
		rc = sriov_vf_rid(pf->rid, sr.offset, sr.stride, vf - 1, &rid);
	if (rc)
		return rc;
	*out = *pf;
	out->rid = rid;
	out->is_vf = true;
	out->vf_num = (uint16_t)vf;
	return 0;
}

/* The requester id the IOMMU sees for guest gi's k-th VF, and whether it
 * could be built. */
static bool vf_dma_rid(const struct argon_config *cfg, const struct pci_bus_info *b, unsigned gi,
		       unsigned k, uint16_t *seg, uint16_t *rid)
{
	const struct config_vf_ref *r = &cfg->guests[gi].dev_vfs[k];
	const struct pci_func *pf = pci_bus_find(b, r->pf.seg, r->pf.rid);
	struct pci_func vf;

	if (!pf || vf_func(b, pf, r->vf, &vf))
		return false;
	*seg = vf.seg;
	*rid = pci_dma_rid(b, &vf);
	return true;
}

/* Guest gi's k-th VF, given as "PF/vfN": the checks of a whole function
 * that its PF's place decides. Its path to the root isolated (the PF's),
 * its requester id (and the id a bridge replaces it with) covered by an
 * IOMMU, that id used by no other guest's function or VF, and its PF's
 * ACS isolation on when the PF offers ACS (the VFs of a device that
 * routes peer-to-peer between its functions share its ACS; a device
 * without the capability routes none, PCIe 6.0, 6.12.1.2). A PF that
 * does not exist or has no SR-IOV is reported by the [nvme]/[sriov]
 * checks. Returns how many it reported. */
static unsigned check_vf(const struct argon_config *cfg, const struct pci_bus_info *b, unsigned gi,
			 unsigned k, bool (*covers)(uint16_t seg, uint16_t rid),
			 struct config_diags *diags)
{
	const struct argon_guest_config *g = &cfg->guests[gi];
	const struct config_vf_ref *r = &g->dev_vfs[k];
	struct config_pos at = g->dev_vfs_at[k];
	const struct pci_func *pf, *port;
	char name[CONFIG_PCI_ADDR_LEN + 12], pfname[CONFIG_PCI_ADDR_LEN];
	struct pci_func vf;
	unsigned found = 0;
	uint16_t rid;

	pf = b ? pci_bus_find(b, r->pf.seg, r->pf.rid) : NULL;
	if (!pf || vf_func(b, pf, r->vf, &vf))
		return 0;
	config_format_pci_addr(pfname, sizeof(pfname), r->pf);
	fmt_snprintf(name, sizeof(name), "%s/vf%u", pfname, r->vf);
	rid = pci_dma_rid(b, &vf);
	port = pci_port_without_acs(b, pf);
	if (port) {
		char pname[CONFIG_PCI_ADDR_LEN];

		config_format_pci_addr(pname, sizeof(pname),
				       (struct config_pci_addr){port->seg, port->rid});
		config_diag_add(diags, at,
				"VF %s is behind PCIe port %s without ACS: its peer-to-peer DMA "
				"could bypass the IOMMU",
				name, pname);
		found++;
	}
	if (pf->ecap_acs && !pci_acs_isolates(b, pf)) {
		config_diag_add(diags, at,
				"VF %s: its PF's ACS isolation is off: peer-to-peer DMA between "
				"its functions could bypass the IOMMU",
				name);
		found++;
	}
	if (covers && (!covers(vf.seg, vf.rid) || !covers(vf.seg, rid))) {
		config_diag_add(diags, at,
				"no IOMMU covers VF %s (requester id %02x:%02x.%x): its DMA could "
				"not be confined to the guest's memory",
				name, vf.rid >> 8, (vf.rid >> 3) & 0x1f, vf.rid & 7);
		found++;
	}
	/* Another guest's function (any guest: the whole-function check sees
	 * no VFs) or VF (a pair reported at the later guest) seen with the
	 * same id. */
	for (unsigned j = 0; j < cfg->nguests; j++) {
		const struct argon_guest_config *o = &cfg->guests[j];
		bool clash = false;

		if (j == gi)
			continue;
		for (unsigned d = 0; d < o->ndevices && !clash; d++) {
			const struct pci_func *f =
				pci_bus_find(b, o->devices[d].seg, o->devices[d].rid);

			clash = f && f->seg == vf.seg && pci_dma_rid(b, f) == rid;
		}
		for (unsigned d = 0; j < gi && d < o->ndev_vfs && !clash; d++) {
			uint16_t oseg, orid;

			clash = vf_dma_rid(cfg, b, j, d, &oseg, &orid) && oseg == vf.seg &&
				orid == rid;
		}
		if (clash) {
			config_diag_add(diags, at,
					"VF %s reaches the IOMMU as %02x:%02x.%x, as a function of "
					"guest '%s' does",
					name, rid >> 8, (rid >> 3) & 0x1f, rid & 7, o->name);
			found++;
			break;
		}
	}
	return found;
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
		for (unsigned k = 0; k < g->ndev_vfs; k++)
			found += check_vf(cfg, b, i, k, covers, diags);
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

unsigned pci_check_sriov_pfs(const struct argon_config *cfg, const struct pci_bus_info *b,
			     bool console_cpu, struct config_diags *diags)
{
	unsigned before = diags->count + diags->dropped;

	for (unsigned i = 0; i < cfg->nsriov; i++) {
		const struct argon_sriov_config *s = &cfg->sriov[i];
		const struct pf_kind *kind;
		const struct pci_func *f;
		char name[CONFIG_PCI_ADDR_LEN];
		struct sriov_info sr;

		if (!s->pf_at.line)
			continue;
		config_format_pci_addr(name, sizeof(name), s->pf);
		f = b ? pci_bus_find(b, s->pf.seg, s->pf.rid) : NULL;
		if (!f) {
			config_diag_add(diags, s->pf_at, "no PCI function %s on this machine",
					name);
			continue;
		}
		if (!f->ecap_sriov || sriov_read(b->cfg, f->seg, f->rid, f->ecap_sriov, &sr)) {
			config_diag_add(diags, s->pf_at,
					"PCI function %s has no SR-IOV capability (class %06x)",
					name, f->class_code);
			continue;
		}
		kind = pf_kind_find(f);
		if (kind && kind->table) {
			config_diag_add(
				diags, s->pf_at,
				"PCI function %s is a PF of argon's %s driver: configure it "
				"in [%s.NAME]",
				name, kind->name, kind->table);
			continue;
		}
		if (s->vfs_at.line && s->vfs > sr.total_vfs)
			config_diag_add(diags, s->vfs_at,
					"vfs = %u, but PCI function %s offers %u VFs (TotalVFs)",
					s->vfs, name, sr.total_vfs);
		else if (s->vfs_at.line && kind && kind->max_vfs && s->vfs > kind->max_vfs)
			config_diag_add(diags, s->vfs_at,
					"vfs = %u, but argon's %s driver drives at most %u VFs of "
					"PCI function %s",
					s->vfs, kind->name, kind->max_vfs, name);
		/* Its VFs talk to a driver that only the console CPU's loop
		 * hears. */
		if (kind && kind->polls && !console_cpu)
			config_diag_add(diags, s->pf_at,
					"PCI function %s: its %s driver polls on the console CPU, "
					"but every CPU runs a guest",
					name, kind->name);
		if (s->nmacs && (!kind || !kind->assigns_macs))
			config_diag_add(diags, s->macs_at[0],
					"PCI function %s has no PF driver that gives VFs MACs "
					"(macs is for igb PFs)",
					name);
	}
	return diags->count + diags->dropped - before;
}
