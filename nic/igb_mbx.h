/* What argon's igb PF driver answers to a VF's mailbox message, and the
 * filter and pool settings that follow from every VF's state. Pure: the
 * driver (nic/igb_pf.c) moves the words and writes the registers.
 *
 * A VF only ever gets what argon decided for it: the MAC argon gave it
 * (it cannot take another or add unicast filters), multicast hashes and a
 * longest frame of its own, no VLAN filters, no promiscuous mode. Every
 * message is checked; one that is refused gets a NACK and a reason. */
#ifndef ARGON_NIC_IGB_MBX_H
#define ARGON_NIC_IGB_MBX_H

#include <stdbool.h>
#include <stdint.h>

#include "nic/igb_hw.h"

#define IGB_DEFAULT_FRAME 1518 /* a 1500-byte MTU with the Ethernet header and FCS */
#define IGB_VLAN_TAG 4

/* One VF as the PF driver keeps it. */
struct igb_vf {
	uint8_t mac[6]; /* the address argon gives it */
	bool cts;	/* it reset through the mailbox: its filters are on */
	uint16_t mc[IGB_VF_MC_MAX];
	unsigned nmc;
	uint16_t max_frame; /* asked by SET_LPE; 0: IGB_DEFAULT_FRAME */
};

/* What changed for the driver to write out. */
#define IGB_CHG_FILTER (1u << 0) /* its address filter and its enables */
#define IGB_CHG_MC (1u << 1)	 /* the shared multicast table */
#define IGB_CHG_POOL (1u << 2)	 /* its pool's offload register */

struct igb_msg_result {
	uint32_t reply[IGB_MBX_WORDS];
	unsigned nreply; /* words; 0: nothing to send */
	unsigned changed;
	const char *refused; /* why it got a NACK; NULL otherwise */
};

/* Handles the message msg (len words, as read from the VF's buffer). */
void igb_vf_msg(struct igb_vf *vf, const uint32_t *msg, unsigned len, struct igb_msg_result *r);

/* After a reset of the VF (its own, an FLR, the end of its guest): no
 * filters, not clear to send, nothing received or sent until it resets
 * through the mailbox again. Its MAC stays. */
void igb_vf_forget(struct igb_vf *vf);

/* The locally administered address of VF vf (1-based) of a PF whose own
 * address is pf_mac: 02 and the PF's last four bytes, then vf. */
void igb_vf_default_mac(uint8_t mac[6], const uint8_t pf_mac[6], unsigned vf);

/* RAL / RAH of an address (RAH without its valid and pool bits). */
uint32_t igb_mac_lo(const uint8_t mac[6]);
uint32_t igb_mac_hi(const uint8_t mac[6]);

/* Pool n's offload register for VF vf. */
uint32_t igb_vmolr(const struct igb_vf *vf);

/* The multicast table: every hash that a VF clear to send asked for. */
void igb_mta_build(uint32_t mta[IGB_MTA_WORDS], const struct igb_vf *vfs, unsigned nvfs);

#endif
