/* Intel 82576 (igb) registers that argon's PF driver uses, as offsets in
 * BAR0, and the PF/VF mailbox protocol (82576 datasheet, sections 7.8
 * "Virtualization" and 8 "Register descriptions"; the messages as Linux's
 * igbvf sends them). */
#ifndef ARGON_NIC_IGB_HW_H
#define ARGON_NIC_IGB_HW_H

#include <stdint.h>

#define IGB_VENDOR 0x8086
#define IGB_DEV_82576 0x10c9 /* copper; QEMU's igb */
#define IGB_DEV_82576_FIBER 0x10e6
#define IGB_DEV_82576_SERDES 0x10e7
#define IGB_DEV_82576_QUAD 0x10e8
#define IGB_DEV_82576_QUAD_ET2 0x1526
#define IGB_DEV_82576_NS 0x150a
#define IGB_DEV_82576_NS_SERDES 0x1518
#define IGB_DEV_82576_SERDES_QUAD 0x150d

#define IGB_BAR0_SIZE 0x20000 /* 128 KiB of registers */
/* 8 pools; 7 VFs, the most Linux's igb PF driver enables (it keeps a pool
 * for the PF). The PF of argon moves no data, but 8 VFs are untested. */
#define IGB_MAX_VFS 7

/* General. */
#define IGB_CTRL 0x0000
#define IGB_STATUS 0x0008
#define IGB_STATUS_LU (1u << 1)
#define IGB_CTRL_EXT 0x0018
#define IGB_CTRL_EXT_PFRSTD (1u << 14) /* PF reset done: VFs may talk */
#define IGB_MDIC 0x0020
#define IGB_MDIC_REG_OFF 16
#define IGB_MDIC_PHY_OFF 21
#define IGB_MDIC_OP_WRITE (1u << 26)
#define IGB_MDIC_READY (1u << 28)
#define IGB_MDIC_ERROR (1u << 30)
#define IGB_PHY_ADDR 1
#define IGB_PHY_BMCR 0 /* MII control */
#define IGB_BMCR_RESTART_AN (1u << 9)
#define IGB_BMCR_AN_ENABLE (1u << 12)
#define IGB_BMCR_FULL_DUPLEX (1u << 8)
#define IGB_BMCR_SPEED_1000 (1u << 6)

/* Interrupts: argon polls, so the PF's own are masked; MSI-X mode is
 * what lets each VF's queues and mailbox interrupt it through its own
 * MSI-X vectors. */
#define IGB_IMC 0x00d8
#define IGB_EIMC 0x01528
#define IGB_GPIE 0x01514
#define IGB_GPIE_NSICR (1u << 0)
#define IGB_GPIE_MSIX_MODE (1u << 4)
#define IGB_GPIE_PBA (1u << 31)

/* Receive and transmit, global. */
#define IGB_RCTL 0x0100
#define IGB_RCTL_EN (1u << 1)
#define IGB_RCTL_BAM (1u << 15)
#define IGB_RCTL_SECRC (1u << 26)
#define IGB_TCTL 0x0400
#define IGB_TCTL_EN (1u << 1)

/* Receive address filters: 16 entries at RAL/RAH(i), 8 more at 0x54e0. */
/* Receive addresses: entries 0-15, then 16-23 in a second block. */
#define IGB_RAL(i) ((i) < 16 ? 0x5400u + 8u * (i) : 0x54e0u + 8u * ((i)-16))
#define IGB_RAH(i) ((i) < 16 ? 0x5404u + 8u * (i) : 0x54e4u + 8u * ((i)-16))
#define IGB_RAR_ENTRIES 24
#define IGB_RAH_POOL_MASK (0xffu << 18)
#define IGB_RAH_AV (1u << 31)
#define IGB_RAH_POOL_OFF 18		/* one bit per pool */
#define IGB_MTA(i) (0x5200u + 4u * (i)) /* 128 x 32 bits of multicast hash */
#define IGB_MTA_WORDS 128

/* Pools (VMDq) and SR-IOV. */
#define IGB_MRQC 0x5818
#define IGB_MRQC_VMDQ 0x3u
#define IGB_VT_CTL 0x581c
#define IGB_VT_CTL_DIS_DEF_POOL (1u << 29) /* no default pool for unmatched frames */
#define IGB_VMOLR(n) (0x5ad0u + 4u * (n))
#define IGB_VMOLR_RLPML_MASK 0x3fffu /* longest frame the pool takes */
#define IGB_VMOLR_LPE (1u << 16)
#define IGB_VMOLR_AUPE (1u << 24)  /* untagged frames */
#define IGB_VMOLR_ROMPE (1u << 25) /* multicast by the hash table */
#define IGB_VMOLR_BAM (1u << 27)   /* broadcast */
#define IGB_VMOLR_STRCRC (1u << 31)
#define IGB_POOLS 8			 /* VMDq pools: one per VF, the last the PF's */
#define IGB_VFTA(i) (0x5600u + 4u * (i)) /* VLAN filter table, 128 words */
#define IGB_VFTA_WORDS 128
#define IGB_VLVF(i) (0x5d00u + 4u * (i)) /* VLAN-to-pool filters */
#define IGB_VLVF_ENTRIES 32
#define IGB_UTA(i) (0xa000u + 4u * (i)) /* unicast hash table, 128 words */
#define IGB_UTA_WORDS 128
#define IGB_VMVIR(n) (0x3700u + 4u * (n)) /* per pool VLAN insertion */
#define IGB_VMVIR_VLANA_NEVER (1u << 31)  /* no tag inserted on transmit */
#define IGB_DTXSWC 0x3500
#define IGB_DTXSWC_MAC_SPOOF_OFF 0     /* one bit per pool */
#define IGB_DTXSWC_VLAN_SPOOF_OFF 8    /* one bit per pool */
#define IGB_DTXSWC_LOOPBACK (1u << 31) /* pool-to-pool switching */

/* The mailbox, PF side. */
#define IGB_VMBMEM(n) (0x0800u + 64u * (n)) /* 16 words per VF */
#define IGB_P2VMAILBOX(n) (0x0c00u + 4u * (n))
#define IGB_P2V_STS (1u << 0) /* message for the VF */
#define IGB_P2V_ACK (1u << 1) /* the VF's message received */
#define IGB_P2V_VFU (1u << 2) /* the VF holds the buffer */
#define IGB_P2V_PFU (1u << 3) /* the PF holds the buffer */
#define IGB_MBVFICR 0x0c80    /* write 1 to clear */
#define IGB_MBVFICR_REQ(n) (1u << (n))
#define IGB_MBVFICR_ACK(n) (1u << (16 + (n)))
#define IGB_MBVFIMR 0x0c84
#define IGB_VFLRE 0x0c88 /* a VF was reset; write 1 to clear */
#define IGB_VFRE 0x0c8c	 /* receive enable per pool */
#define IGB_VFTE 0x0c90	 /* transmit enable per pool */

/* Messages: word 0 is the type (bits 15:0), extra info (23:16) and, in
 * replies, ACK / NACK / CTS. */
#define IGB_MBX_WORDS 16
#define IGB_MSG_TYPE(w) ((w)&0xffffu)
#define IGB_MSG_INFO(w) (((w) >> 16) & 0xffu)
#define IGB_MSG_ACK (1u << 31)
#define IGB_MSG_NACK (1u << 30)
#define IGB_MSG_CTS (1u << 29) /* the VF is clear to send: it has reset */
#define IGB_VF_RESET 0x01
#define IGB_VF_SET_MAC 0x02 /* info 1: clear filters, 2: add one */
#define IGB_VF_MAC_FILTER_CLR 1
#define IGB_VF_MAC_FILTER_ADD 2
#define IGB_VF_SET_MULTICAST 0x03 /* info: count; 16-bit hashes from word 1 */
#define IGB_VF_SET_VLAN 0x04
#define IGB_VF_SET_LPE 0x05 /* word 1: the longest frame */
#define IGB_VF_SET_PROMISC 0x06
#define IGB_VF_MC_MAX 30 /* hashes one message carries */
#define IGB_MAX_FRAME 9728

#endif
