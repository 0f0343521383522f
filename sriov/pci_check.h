/* The boot-time checks of the PCI functions argon.conf assigns. */
#ifndef ARGON_SRIOV_PCI_CHECK_H
#define ARGON_SRIOV_PCI_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/config.h"
#include "sriov/pci.h"

/* Reports to diags, at each address's place in argon.conf, every assigned
 * function that does not exist in b (NULL: the machine has no ECAM), is a
 * bridge, has no reset argon trusts, reaches the IOMMU with the same
 * requester id as another guest's function, or (when covers is not NULL)
 * is not covered by an IOMMU unit. Returns how many it reported. */
unsigned pci_check_assignments(const struct argon_config *cfg, const struct pci_bus_info *b,
			       bool (*covers)(uint16_t seg, uint16_t rid),
			       struct config_diags *diags);

/* The first root or switch downstream port above f without ACS isolation;
 * NULL if the path is isolated, as for an endpoint integrated in the root
 * complex. */
const struct pci_func *pci_port_without_acs(const struct pci_bus_info *b, const struct pci_func *f);

/* Reports at its pf key each [nvme.NAME] whose PF is not in b (NULL: no
 * PCI configuration space), not an NVMe controller, or without SR-IOV.
 * Returns how many it reported. */
unsigned pci_check_nvme_pfs(const struct argon_config *cfg, const struct pci_bus_info *b,
			    struct config_diags *diags);

/* Reports each [sriov.NAME] whose PF is not in b (NULL: no PCI
 * configuration space) or has no SR-IOV capability, that asks more VFs
 * than TotalVFs or than its driver drives, whose PF belongs in another
 * table ([nvme.NAME]), that lists MACs for a PF whose driver gives none,
 * or whose driver polls (sriov/pf_kind.h) when console_cpu is false
 * (every CPU runs a guest). Errors at the pf, vfs or macs key. Returns
 * how many it reported. */
unsigned pci_check_sriov_pfs(const struct argon_config *cfg, const struct pci_bus_info *b,
			     bool console_cpu, struct config_diags *diags);

#endif
