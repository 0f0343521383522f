/* Whether the functions argon.conf assigns can be given to guests on this
 * machine: each must exist, be an endpoint (not a bridge, whose devices
 * and windows serve others), have a reset argon trusts, reach the IOMMU
 * with a requester id no other guest's function uses, and be covered by
 * an IOMMU unit. Pure: errors go to the config diagnostics at the
 * address's place in the file. */
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
			bool shared = false;
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
			/* Against the functions of earlier guests, so each pair
			 * is reported once, at the second. */
			rid = pci_dma_rid(b, f);
			for (unsigned j = 0; j < i && !shared; j++) {
				const struct argon_guest_config *h = &cfg->guests[j];

				for (unsigned m = 0; m < h->ndevices && !shared; m++) {
					const struct pci_func *o = pci_bus_find(
						b, h->devices[m].seg, h->devices[m].rid);
					char oname[CONFIG_PCI_ADDR_LEN], rname[CONFIG_PCI_ADDR_LEN];

					if (!o || is_bridge(o) || o->seg != f->seg ||
					    pci_dma_rid(b, o) != rid)
						continue;
					config_format_pci_addr(oname, sizeof(oname), h->devices[m]);
					config_format_pci_addr(
						rname, sizeof(rname),
						(struct config_pci_addr){f->seg, rid});
					config_diag_add(
						diags, at,
						"PCI function %s shares DMA id %s with %s of "
						"guest '%s'",
						name, rname, oname, h->name);
					found++;
					shared = true;
				}
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
