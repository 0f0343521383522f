/* The igb PF driver's answers to VF mailbox messages, as Linux's igbvf
 * sends them, and the pool settings that follow. */
#include <stdint.h>

#include "nic/igb_mbx.h"
#include "tests/unit/check.h"

static const uint8_t mac1[6] = {0x02, 0x00, 0x00, 0x00, 0x05, 0x01};

static struct igb_vf fresh(void)
{
	struct igb_vf vf = {0};

	for (unsigned i = 0; i < 6; i++)
		vf.mac[i] = mac1[i];
	return vf;
}

static void test_default_mac(void)
{
	const uint8_t pf[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x05};
	uint8_t m[6];

	igb_vf_default_mac(m, pf, 1);
	CHECK(!memcmp(m, mac1, 6));
	CHECK_EQ(m[0] & 3, 2); /* locally administered, not multicast */
	igb_vf_default_mac(m, pf, 7);
	CHECK_EQ(m[5], 7);
	CHECK_EQ(igb_mac_lo(mac1), 0x00000002);
	CHECK_EQ(igb_mac_hi(mac1), 0x0105);
}

static void test_reset(void)
{
	struct igb_vf vf = fresh();
	struct igb_msg_result r;
	uint32_t msg[1] = {IGB_VF_RESET};

	vf.nmc = 3;
	igb_vf_msg(&vf, msg, 1, &r);
	CHECK(vf.cts);
	CHECK_EQ(vf.nmc, 0);
	CHECK_EQ(r.nreply, 3);
	CHECK_EQ(r.reply[0], IGB_VF_RESET | IGB_MSG_ACK); /* exactly: igbvf compares it */
	CHECK_EQ(r.reply[1], igb_mac_lo(mac1));
	CHECK_EQ(r.reply[2], igb_mac_hi(mac1));
	CHECK_EQ(r.changed, IGB_CHG_FILTER | IGB_CHG_MC | IGB_CHG_POOL);
	CHECK(!r.refused);
}

static void test_before_reset(void)
{
	struct igb_vf vf = fresh();
	struct igb_msg_result r;
	uint32_t msg[2] = {IGB_VF_SET_LPE, 1518};

	igb_vf_msg(&vf, msg, 2, &r);
	CHECK_EQ(r.nreply, 1);
	CHECK_EQ(r.reply[0], IGB_VF_SET_LPE | IGB_MSG_NACK);
	CHECK(r.refused != NULL);
	CHECK_EQ(r.changed, 0);
	CHECK_EQ(vf.max_frame, 0);
}

static void test_lpe(void)
{
	struct igb_vf vf = fresh();
	struct igb_msg_result r;
	uint32_t ok[2] = {IGB_VF_SET_LPE, 1518}, big[2] = {IGB_VF_SET_LPE, 9729};

	vf.cts = true;
	igb_vf_msg(&vf, ok, 2, &r);
	CHECK_EQ(r.reply[0], IGB_VF_SET_LPE | IGB_MSG_ACK | IGB_MSG_CTS);
	CHECK_EQ(vf.max_frame, 1518);
	CHECK_EQ(igb_vmolr(&vf) & IGB_VMOLR_RLPML_MASK, 1522);
	CHECK(igb_vmolr(&vf) & IGB_VMOLR_LPE);
	igb_vf_msg(&vf, big, 2, &r);
	CHECK_EQ(r.reply[0], IGB_VF_SET_LPE | IGB_MSG_NACK | IGB_MSG_CTS);
	CHECK_EQ(vf.max_frame, 1518);
	igb_vf_msg(&vf, ok, 1, &r); /* no size word */
	CHECK(r.refused != NULL);
}

static void test_multicast(void)
{
	struct igb_vf vfs[2] = {fresh(), fresh()};
	struct igb_msg_result r;
	uint32_t msg[16] = {IGB_VF_SET_MULTICAST | 3u << 16, 0x0abc0123, 0x0fff}, mta[128];
	uint32_t too_many[16] = {IGB_VF_SET_MULTICAST | 31u << 16};

	vfs[0].cts = true;
	CHECK_EQ(igb_vmolr(&vfs[0]) & IGB_VMOLR_ROMPE, 0);
	igb_vf_msg(&vfs[0], msg, 3, &r);
	CHECK_EQ(r.reply[0], (IGB_VF_SET_MULTICAST | 3u << 16) | IGB_MSG_ACK | IGB_MSG_CTS);
	CHECK_EQ(vfs[0].nmc, 3);
	CHECK_EQ(vfs[0].mc[0], 0x123);
	CHECK_EQ(vfs[0].mc[1], 0xabc);
	CHECK_EQ(vfs[0].mc[2], 0xfff);
	CHECK(igb_vmolr(&vfs[0]) & IGB_VMOLR_ROMPE);
	igb_mta_build(mta, vfs, 2);
	CHECK_EQ(mta[0x123 >> 5], 1u << (0x123 & 31));
	CHECK_EQ(mta[0xabc >> 5], 1u << (0xabc & 31));
	CHECK_EQ(mta[127], 1u << 31);
	/* A VF that has not reset adds nothing. */
	vfs[1].nmc = 1;
	vfs[1].mc[0] = 0;
	igb_mta_build(mta, vfs, 2);
	CHECK_EQ(mta[0], 0);

	igb_vf_msg(&vfs[0], too_many, 16, &r);
	CHECK(r.refused != NULL);
	CHECK(r.reply[0] & IGB_MSG_NACK);
	CHECK_EQ(vfs[0].nmc, 3);
	igb_vf_msg(&vfs[0], msg, 2, &r); /* 3 hashes need 2 words after the first */
	CHECK(r.refused != NULL);
}

static void test_refused(void)
{
	struct igb_vf vf = fresh();
	struct igb_msg_result r;
	uint32_t own[3] = {IGB_VF_SET_MAC, igb_mac_lo(mac1), igb_mac_hi(mac1)};
	uint32_t other[3] = {IGB_VF_SET_MAC, 0x00005452, 0x0101};
	uint32_t add[3] = {IGB_VF_SET_MAC | 2u << 16, igb_mac_lo(mac1), igb_mac_hi(mac1)};
	uint32_t clr[1] = {IGB_VF_SET_MAC | 1u << 16};
	uint32_t vlan[2] = {IGB_VF_SET_VLAN | 1u << 16, 5};
	uint32_t promisc[1] = {IGB_VF_SET_PROMISC | 2u << 16};
	uint32_t unknown[1] = {0x77};
	uint32_t reply_typed[1] = {IGB_VF_RESET | IGB_MSG_ACK};

	vf.cts = true;
	igb_vf_msg(&vf, own, 3, &r);
	CHECK_EQ(r.reply[0], IGB_VF_SET_MAC | IGB_MSG_ACK | IGB_MSG_CTS);
	igb_vf_msg(&vf, other, 3, &r);
	CHECK_EQ(r.reply[0], IGB_VF_SET_MAC | IGB_MSG_NACK | IGB_MSG_CTS);
	CHECK(!memcmp(vf.mac, mac1, 6));
	igb_vf_msg(&vf, add, 3, &r);
	CHECK(r.reply[0] & IGB_MSG_NACK);
	igb_vf_msg(&vf, clr, 1, &r); /* igbvf clears its extra filters when it opens */
	CHECK_EQ(r.reply[0], (IGB_VF_SET_MAC | 1u << 16) | IGB_MSG_ACK | IGB_MSG_CTS);
	igb_vf_msg(&vf, vlan, 2, &r);
	CHECK_EQ(r.reply[0], (IGB_VF_SET_VLAN | 1u << 16) | IGB_MSG_NACK | IGB_MSG_CTS);
	igb_vf_msg(&vf, promisc, 1, &r);
	CHECK(r.reply[0] & IGB_MSG_NACK);
	igb_vf_msg(&vf, unknown, 1, &r);
	CHECK_EQ(r.reply[0], 0x77 | IGB_MSG_NACK | IGB_MSG_CTS);
	CHECK_EQ(r.changed, 0);
	igb_vf_msg(&vf, reply_typed, 1, &r);
	CHECK_EQ(r.nreply, 0);
	igb_vf_msg(&vf, unknown, 0, &r);
	CHECK_EQ(r.nreply, 0);
}

static void test_forget(void)
{
	struct igb_vf vf = fresh();

	vf.cts = true;
	vf.nmc = 2;
	vf.max_frame = 9000;
	igb_vf_forget(&vf);
	CHECK(!vf.cts);
	CHECK_EQ(vf.nmc, 0);
	CHECK_EQ(igb_vmolr(&vf) & IGB_VMOLR_RLPML_MASK, 1522);
	CHECK_EQ(igb_vmolr(&vf) & IGB_VMOLR_ROMPE, 0);
	CHECK(!memcmp(vf.mac, mac1, 6));
}

CHECK_MAIN(test_default_mac, test_reset, test_before_reset, test_lpe, test_multicast, test_refused,
	   test_forget)
