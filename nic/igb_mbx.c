#include "nic/igb_mbx.h"

#include "lib/string.h"

static const uint32_t reply_bits = IGB_MSG_ACK | IGB_MSG_NACK | IGB_MSG_CTS;

static void answer(struct igb_msg_result *r, const struct igb_vf *vf, uint32_t word0,
		   const char *refused)
{
	r->reply[0] = (word0 & ~reply_bits) | (refused ? IGB_MSG_NACK : IGB_MSG_ACK) |
		      (vf->cts ? IGB_MSG_CTS : 0);
	r->nreply = 1;
	r->refused = refused;
}

static void reset(struct igb_vf *vf, struct igb_msg_result *r)
{
	igb_vf_forget(vf);
	vf->cts = true;
	/* The reply to a reset carries no CTS: the VF compares the word. */
	r->reply[0] = IGB_VF_RESET | IGB_MSG_ACK;
	r->reply[1] = igb_mac_lo(vf->mac);
	r->reply[2] = igb_mac_hi(vf->mac);
	r->nreply = 3;
	r->changed = IGB_CHG_FILTER | IGB_CHG_MC | IGB_CHG_POOL;
}

static const char *set_mac(const struct igb_vf *vf, const uint32_t *msg, unsigned len)
{
	/* Clearing the extra filters a VF has clears none: it has none. */
	if (IGB_MSG_INFO(msg[0]) == IGB_VF_MAC_FILTER_CLR)
		return NULL;
	if (IGB_MSG_INFO(msg[0]))
		return "extra unicast filters are not offered";
	if (len < 3)
		return "SET_MAC_ADDR without an address";
	if (msg[1] != igb_mac_lo(vf->mac) || (msg[2] & 0xffffu) != igb_mac_hi(vf->mac))
		return "a VF keeps the MAC address argon gave it";
	return NULL;
}

static const char *set_multicast(struct igb_vf *vf, const uint32_t *msg, unsigned len,
				 struct igb_msg_result *r)
{
	unsigned n = IGB_MSG_INFO(msg[0]);

	if (n > IGB_VF_MC_MAX)
		return "more than 30 multicast hashes";
	if (1 + (n + 1) / 2 > len)
		return "multicast hashes past the message";
	for (unsigned i = 0; i < n; i++)
		vf->mc[i] = (uint16_t)((msg[1 + i / 2] >> (16 * (i % 2))) & 0xfffu);
	vf->nmc = n;
	r->changed |= IGB_CHG_MC | IGB_CHG_POOL;
	return NULL;
}

static const char *set_lpe(struct igb_vf *vf, const uint32_t *msg, unsigned len,
			   struct igb_msg_result *r)
{
	if (len < 2)
		return "SET_LPE without a size";
	if (msg[1] < 64 || msg[1] > IGB_MAX_FRAME)
		return "frame size out of range (64-9728)";
	vf->max_frame = (uint16_t)msg[1];
	r->changed |= IGB_CHG_POOL;
	return NULL;
}

void igb_vf_msg(struct igb_vf *vf, const uint32_t *msg, unsigned len, struct igb_msg_result *r)
{
	const char *why = NULL;

	memset(r, 0, sizeof(*r));
	if (!len)
		return;
	/* A reply-typed word is not a request: nothing to answer. */
	if (msg[0] & (IGB_MSG_ACK | IGB_MSG_NACK))
		return;
	if (IGB_MSG_TYPE(msg[0]) == IGB_VF_RESET) {
		reset(vf, r);
		return;
	}
	if (!vf->cts) {
		answer(r, vf, msg[0], "a VF must reset through the mailbox first");
		return;
	}
	switch (IGB_MSG_TYPE(msg[0])) {
	case IGB_VF_SET_MAC:
		why = set_mac(vf, msg, len);
		break;
	case IGB_VF_SET_MULTICAST:
		why = set_multicast(vf, msg, len, r);
		break;
	case IGB_VF_SET_LPE:
		why = set_lpe(vf, msg, len, r);
		break;
	case IGB_VF_SET_VLAN:
		why = "VLAN filters are not offered";
		break;
	case IGB_VF_SET_PROMISC:
		why = "promiscuous modes are not offered";
		break;
	default:
		why = "unknown message type";
		break;
	}
	answer(r, vf, msg[0], why);
}

void igb_vf_forget(struct igb_vf *vf)
{
	vf->cts = false;
	vf->nmc = 0;
	vf->max_frame = 0;
}

void igb_vf_default_mac(uint8_t mac[6], const uint8_t pf_mac[6], unsigned vf)
{
	mac[0] = 0x02; /* locally administered, unicast */
	mac[1] = pf_mac[2];
	mac[2] = pf_mac[3];
	mac[3] = pf_mac[4];
	mac[4] = pf_mac[5];
	mac[5] = (uint8_t)vf;
}

uint32_t igb_mac_lo(const uint8_t mac[6])
{
	return (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 |
	       (uint32_t)mac[3] << 24;
}

uint32_t igb_mac_hi(const uint8_t mac[6])
{
	return (uint32_t)mac[4] | (uint32_t)mac[5] << 8;
}

uint32_t igb_vmolr(const struct igb_vf *vf)
{
	uint32_t frame = (vf->max_frame ? vf->max_frame : IGB_DEFAULT_FRAME) + IGB_VLAN_TAG;

	if (frame > IGB_VMOLR_RLPML_MASK)
		frame = IGB_VMOLR_RLPML_MASK;
	return IGB_VMOLR_AUPE | IGB_VMOLR_BAM | IGB_VMOLR_STRCRC | IGB_VMOLR_LPE | frame |
	       (vf->cts && vf->nmc ? IGB_VMOLR_ROMPE : 0);
}

void igb_mta_build(uint32_t mta[IGB_MTA_WORDS], const struct igb_vf *vfs, unsigned nvfs)
{
	memset(mta, 0, IGB_MTA_WORDS * sizeof(mta[0]));
	for (unsigned v = 0; v < nvfs; v++) {
		if (!vfs[v].cts)
			continue;
		for (unsigned i = 0; i < vfs[v].nmc && i < IGB_VF_MC_MAX; i++)
			mta[(vfs[v].mc[i] >> 5) & 0x7fu] |= 1u << (vfs[v].mc[i] & 0x1fu);
	}
}
