/* PCI(e) configuration-space registers that argon reads or writes (PCI
 * Local Bus 3.0, PCI-to-PCI Bridge 1.2, PCIe Base 4.0 chapter 7). Offsets
 * are from the start of the function's configuration space, or from the
 * start of the capability for PCI_*_CAP_* names. */
#ifndef ARGON_SRIOV_PCI_REGS_H
#define ARGON_SRIOV_PCI_REGS_H

#include "lib/bits.h"

/* Common header. */
#define PCI_VENDOR_ID 0x00 /* 16 bits; 0xffff: no function */
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO BIT(0)
#define PCI_COMMAND_MEMORY BIT(1)
#define PCI_COMMAND_MASTER BIT(2)
#define PCI_COMMAND_INTX_DISABLE BIT(10)
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST BIT(4)
#define PCI_CLASS_REVISION 0x08 /* class code in bits 31:8 */
#define PCI_HEADER_TYPE 0x0e
#define PCI_HEADER_TYPE_MASK 0x7f
#define PCI_HEADER_MULTI_FUNC BIT(7)
#define PCI_HEADER_NORMAL 0
#define PCI_HEADER_BRIDGE 1
#define PCI_HEADER_CARDBUS 2
#define PCI_BAR0 0x10 /* BAR n at PCI_BAR0 + 4 * n */
#define PCI_CAP_PTR 0x34
#define PCI_CARDBUS_CAP_PTR 0x14

/* Type 1 (bridge) header. */
#define PCI_PRIMARY_BUS 0x18
#define PCI_SECONDARY_BUS 0x19
#define PCI_SUBORDINATE_BUS 0x1a
#define PCI_BRIDGE_NUM_BARS 2

/* Base address registers. */
#define PCI_BAR_IO BIT(0)
#define PCI_BAR_MEM_TYPE_OFF 1
#define PCI_BAR_MEM_TYPE_LEN 2
#define PCI_BAR_MEM_TYPE_64 2
#define PCI_BAR_PREFETCH BIT(3)
#define PCI_BAR_IO_ADDR_MASK (~0x3u)
#define PCI_BAR_MEM_ADDR_MASK (~0xfu)

/* Class codes (base << 16 | sub << 8 | prog-if), as bases and base << 8 | sub. */
#define PCI_CLASS_BRIDGE 0x06
#define PCI_CLASS_BRIDGE_HOST 0x0600
#define PCI_CLASS_BRIDGE_ISA 0x0601
#define PCI_CLASS_BRIDGE_PCI 0x0604
#define PCI_CLASS_NVME 0x010802 /* class, subclass and prog-if: NVM Express */

/* Standard capability list: id at +0, next pointer at +1. */
#define PCI_CAP_ID_PM 0x01
#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_PCIE 0x10
#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_FIRST 0x40  /* capabilities live after the 64-byte header */
#define PCI_CAP_MAX_WALK 48 /* (256 - 64) / 4: more links than that is a loop */

/* Extended capabilities: header id 15:0, version 19:16, next 31:20. */
#define PCI_ECAP_FIRST 0x100
#define PCI_ECAP_NEXT(hdr) (((hdr) >> 20) & 0xffcu)
#define PCI_ECAP_ID(hdr) ((hdr)&0xffffu)
#define PCI_ECAP_MAX_WALK 480 /* (4096 - 256) / 8 */
#define PCI_ECAP_ID_ACS 0x000d
#define PCI_ECAP_ID_ARI 0x000e
#define PCI_ECAP_ID_SRIOV 0x0010

/* ACS extended capability (PCIe 6.0, 7.7.11): capability and control. */
#define PCI_ACS_CAP 0x04
#define PCI_ACS_CTRL 0x06
#define PCI_ACS_SV 0x0001 /* source validation */
#define PCI_ACS_TB 0x0002 /* translation blocking */
#define PCI_ACS_RR 0x0004 /* P2P request redirect */
#define PCI_ACS_CR 0x0008 /* P2P completion redirect */
#define PCI_ACS_UF 0x0010 /* upstream forwarding */
/* What isolation needs: requests and completions between functions go up
 * to the root complex (and its IOMMU), with a requester id the port
 * checked. */
#define PCI_ACS_ISOLATE (PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF)
#define PCI_CFG_SPACE_SIZE 256
#define PCI_CFG_SPACE_EXP_SIZE 4096

/* Power management capability. */
#define PCI_PM_CTRL 0x04
#define PCI_PM_CTRL_STATE_MASK 0x3u
#define PCI_PM_D0 0u
#define PCI_PM_D3HOT 3u
#define PCI_PM_CTRL_NO_SOFT_RESET BIT(3)

/* MSI-X capability. */
#define PCI_MSIX_CTRL 0x02
#define PCI_MSIX_CTRL_SIZE_MASK 0x7ffu /* table size - 1 */
#define PCI_MSIX_TABLE 0x04	       /* BIR 2:0, offset 31:3 */
#define PCI_MSIX_PBA 0x08
#define PCI_MSIX_BIR_MASK 0x7u

/* PCI Express capability. */
#define PCI_EXP_FLAGS 0x02
#define PCI_EXP_FLAGS_TYPE_OFF 4
#define PCI_EXP_FLAGS_TYPE_LEN 4
#define PCI_EXP_DEVCAP 0x04
#define PCI_EXP_DEVCAP_FLR BIT(28)
#define PCI_EXP_DEVCTL 0x08
#define PCI_EXP_DEVCTL_BCR_FLR BIT(15)
#define PCI_EXP_DEVSTA 0x0a
#define PCI_EXP_DEVSTA_TRPND BIT(5)

/* PCIe capability device/port types. */
#define PCI_EXP_TYPE_ENDPOINT 0x0
#define PCI_EXP_TYPE_LEG_END 0x1
#define PCI_EXP_TYPE_ROOT_PORT 0x4
#define PCI_EXP_TYPE_UPSTREAM 0x5
#define PCI_EXP_TYPE_DOWNSTREAM 0x6
#define PCI_EXP_TYPE_PCI_BRIDGE 0x7  /* PCIe to PCI/PCI-X bridge */
#define PCI_EXP_TYPE_PCIE_BRIDGE 0x8 /* PCI/PCI-X to PCIe bridge */
#define PCI_EXP_TYPE_RC_END 0x9	     /* root complex integrated endpoint */
#define PCI_EXP_TYPE_RC_EC 0xa
#define PCI_EXP_TYPE_NONE 0xff /* argon's mark: no PCIe capability */

#endif
