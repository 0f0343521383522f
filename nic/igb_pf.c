/* argon's PF driver for the Intel 82576 (igb), behind sriov/pf_driver.h:
 * pools and switching set up once, then the PF/VF mailbox answered by
 * polling from the console CPU. The PF itself moves no data: its bus
 * mastering stays off and its register window is all argon touches. */
#include "lib/bits.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/ratelimit.h"
#include "lib/string.h"
#include "nic/igb_hw.h"
#include "nic/igb_mbx.h"
#include "sriov/pf_driver.h"
#include "vmm/host/smp.h"
#include "vmm/host/tsc.h"
#include "vmm/log.h"
#include "vmm/x86.h"
#include "vmm/page_alloc.h"

#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)
#define MDIC_TIMEOUT_US 10000u
#define WARN_BURST 12
#define WARN_WINDOW_US 60000000ull

struct igb {
	struct sriov_pf *pf;
	volatile uint8_t *regs;
	unsigned nvfs;
	uint8_t mac[6];
	uint32_t pending; /* VFs whose request waits for their buffer */
	uint32_t live;	  /* VFs given to a running guest */
	uint32_t unsent;  /* VFs whose answer waits for their buffer */
	struct {
		uint32_t w[IGB_MBX_WORDS];
		unsigned n;
	} answer[IGB_MAX_VFS];
	struct igb_vf vf[IGB_MAX_VFS];
	struct ratelimit warn[IGB_MAX_VFS];
};

static struct igb igbs[ARGON_MAX_SRIOV];
static unsigned nigbs;

static uint32_t rd(const struct igb *n, unsigned off)
{
	return *(volatile const uint32_t *)(n->regs + off);
}

static void wr(const struct igb *n, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(n->regs + off) = v;
}

/* A VF's guest causes these lines as often as it likes (resets, refused
 * messages): a few a minute per VF, and how many were not logged. */
static bool vf_may_log(struct igb *n, unsigned vf)
{
	uint64_t dropped;

	if (!ratelimit_ok(&n->warn[vf], tsc_to_us(rdtsc()), WARN_BURST, WARN_WINDOW_US, &dropped))
		return false;
	if (dropped)
		pr_warn("%s: VF %u: %llu more lines about it were not logged\n", n->pf->name,
			vf + 1, (unsigned long long)dropped);
	return true;
}

static void vf_warn(struct igb *n, unsigned vf, const char *what, const char *why)
{
	if (vf_may_log(n, vf))
		pr_warn("%s: VF %u: %s refused: %s\n", n->pf->name, vf + 1, what, why);
}

static int igb_probe(struct sriov_pf *pf, char *msg, size_t size)
{
	const struct pci_bar *bar = &pf->f->bar[0];
	struct igb *n;

	if (pf->nvfs > IGB_MAX_VFS) {
		fmt_snprintf(msg, size, "igb: asks %u VFs, argon's igb driver offers %u", pf->nvfs,
			     IGB_MAX_VFS);
		return -ERR_RANGE;
	}
	if (bar->is_io || !bar->addr || bar->size < IGB_BAR0_SIZE) {
		fmt_snprintf(msg, size, "igb: BAR0 is not an assigned memory BAR of 128 KiB");
		return -ERR_NODEV;
	}
	if (nigbs == ARRAY_SIZE(igbs)) {
		fmt_snprintf(msg, size, "igb: more than %u PFs", (unsigned)ARRAY_SIZE(igbs));
		return -ERR_NOSPC;
	}
	n = &igbs[nigbs];
	memset(n, 0, sizeof(*n));
	n->pf = pf;
	n->nvfs = pf->nvfs;
	pf->priv = n;
	return 0;
}

/* The VF's address filter, pool offloads and enables as its state says. */
static void vf_apply(struct igb *n, unsigned vf, unsigned changed)
{
	const struct igb_vf *v;
	uint32_t bit = 1u << vf;

	if (vf >= IGB_MAX_VFS)
		return;
	v = &n->vf[vf];

	if (changed & IGB_CHG_FILTER) {
		/* Entry 0 is the PF's own address; VF v has entry v + 1. */
		wr(n, IGB_RAH(vf + 1), 0);
		if (v->cts) {
			wr(n, IGB_RAL(vf + 1), igb_mac_lo(v->mac));
			wr(n, IGB_RAH(vf + 1),
			   igb_mac_hi(v->mac) | IGB_RAH_AV | 1u << (IGB_RAH_POOL_OFF + vf));
		} else {
			wr(n, IGB_RAL(vf + 1), 0);
		}
		wr(n, IGB_VFRE, v->cts ? rd(n, IGB_VFRE) | bit : rd(n, IGB_VFRE) & ~bit);
		wr(n, IGB_VFTE, v->cts ? rd(n, IGB_VFTE) | bit : rd(n, IGB_VFTE) & ~bit);
	}
	if (changed & IGB_CHG_POOL)
		wr(n, IGB_VMOLR(vf), igb_vmolr(v));
	if (changed & IGB_CHG_MC) {
		uint32_t mta[IGB_MTA_WORDS];

		igb_mta_build(mta, n->vf, n->nvfs);
		for (unsigned i = 0; i < IGB_MTA_WORDS; i++)
			wr(n, IGB_MTA(i), mta[i]);
	}
}

static void vf_reset(struct igb *n, unsigned vf)
{
	n->pending &= ~(1u << vf);
	n->unsent &= ~(1u << vf);
	igb_vf_forget(&n->vf[vf]);
	vf_apply(n, vf, IGB_CHG_FILTER | IGB_CHG_MC | IGB_CHG_POOL);
}

/* Takes VF vf's buffer for the PF; false while the VF holds it. */
static bool take(const struct igb *n, unsigned vf)
{
	wr(n, IGB_P2VMAILBOX(vf), IGB_P2V_PFU);
	return (rd(n, IGB_P2VMAILBOX(vf)) & IGB_P2V_PFU) != 0;
}

/* Sends VF vf's kept answer if its buffer is the PF's now; false while
 * the VF holds it (the answer stays kept for the next poll: the PF's lock
 * is not held waiting on a guest). */
static bool send_answer(struct igb *n, unsigned vf)
{
	if (!take(n, vf))
		return false;
	for (unsigned i = 0; i < n->answer[vf].n; i++)
		wr(n, IGB_VMBMEM(vf) + 4 * i, n->answer[vf].w[i]);
	wr(n, IGB_P2VMAILBOX(vf), IGB_P2V_STS);
	n->unsent &= ~(1u << vf);
	return true;
}

/* One message from VF vf: read, acknowledged, answered (or the answer
 * kept until its buffer is free). False when its buffer was busy (the
 * request stays pending for the next poll). */
static bool vf_message(struct igb *n, unsigned vf)
{
	static const char *const names[] = {"message",	"RESET",   "SET_MAC_ADDR", "SET_MULTICAST",
					    "SET_VLAN", "SET_LPE", "SET_PROMISC"};
	uint32_t msg[IGB_MBX_WORDS];
	struct igb_msg_result r;
	unsigned type;

	if (!take(n, vf))
		return false;
	for (unsigned i = 0; i < IGB_MBX_WORDS; i++)
		msg[i] = rd(n, IGB_VMBMEM(vf) + 4 * i);
	wr(n, IGB_P2VMAILBOX(vf), IGB_P2V_ACK); /* received; the buffer back */
	igb_vf_msg(&n->vf[vf], msg, IGB_MBX_WORDS, &r);
	if (r.changed)
		vf_apply(n, vf, r.changed);
	type = IGB_MSG_TYPE(msg[0]);
	if (r.refused)
		vf_warn(n, vf, type < ARRAY_SIZE(names) ? names[type] : names[0], r.refused);
	else if (type == IGB_VF_RESET && r.nreply && vf_may_log(n, vf))
		pr_info("%s: VF %u reset: MAC %02x:%02x:%02x:%02x:%02x:%02x, receive and "
			"transmit on\n",
			n->pf->name, vf + 1, n->vf[vf].mac[0], n->vf[vf].mac[1], n->vf[vf].mac[2],
			n->vf[vf].mac[3], n->vf[vf].mac[4], n->vf[vf].mac[5]);
	if (!r.nreply)
		return true;
	/* The VF waits for the answer; it released the buffer with its
	 * request, so this only fails if it took it back meanwhile. */
	memcpy(n->answer[vf].w, r.reply, r.nreply * sizeof(r.reply[0]));
	n->answer[vf].n = r.nreply;
	n->unsent |= 1u << vf;
	send_answer(n, vf);
	return true;
}

static void igb_poll(struct sriov_pf *pf)
{
	struct igb *n = pf->priv;
	uint32_t mask = (1u << n->nvfs) - 1, flr, icr;

	/* Resets first: a reset that came before a request is seen with it. */
	flr = rd(n, IGB_VFLRE) & mask;
	if (flr) {
		wr(n, IGB_VFLRE, flr);
		for (unsigned vf = 0; vf < n->nvfs; vf++)
			if (flr & (1u << vf))
				vf_reset(n, vf);
	}
	icr = rd(n, IGB_MBVFICR);
	/* Acknowledgements of argon's answers need nothing more. */
	if (icr & (mask << 16))
		wr(n, IGB_MBVFICR, icr & (mask << 16));
	if (icr & mask) {
		wr(n, IGB_MBVFICR, icr & mask);
		n->pending |= icr & mask;
	}
	/* A VF that no guest holds has nothing to say (a message its last
	 * guest left behind is dropped). */
	n->pending &= n->live;
	n->unsent &= n->live;
	/* An answer kept from an earlier poll goes before the VF's next
	 * request is read. */
	for (unsigned vf = 0; vf < n->nvfs; vf++)
		if (n->unsent & (1u << vf))
			send_answer(n, vf);
	for (unsigned vf = 0; vf < n->nvfs; vf++)
		if ((n->pending & ~n->unsent & (1u << vf)) && vf_message(n, vf))
			n->pending &= ~(1u << vf);
}

/* Starts autonegotiation when the link is down (the PHY's control
 * register through MDIC). */
static void link_up(const struct igb *n)
{
	uint32_t v = (IGB_BMCR_AN_ENABLE | IGB_BMCR_RESTART_AN | IGB_BMCR_FULL_DUPLEX |
		      IGB_BMCR_SPEED_1000) |
		     IGB_PHY_BMCR << IGB_MDIC_REG_OFF | IGB_PHY_ADDR << IGB_MDIC_PHY_OFF |
		     IGB_MDIC_OP_WRITE;

	if (rd(n, IGB_STATUS) & IGB_STATUS_LU)
		return;
	wr(n, IGB_MDIC, v);
	for (unsigned us = 0; us < MDIC_TIMEOUT_US; us += 10) {
		uint32_t m = rd(n, IGB_MDIC);

		if (m & IGB_MDIC_READY) {
			if (m & IGB_MDIC_ERROR)
				pr_warn("%s: igb: the PHY refused autonegotiation\n", n->pf->name);
			return;
		}
		udelay(10);
	}
	pr_warn("%s: igb: no answer from the PHY\n", n->pf->name);
}

static int igb_vfs_ready(struct sriov_pf *pf)
{
	struct igb *n = pf->priv;
	uint32_t ral, rah, cmd;
	int rc;

	rc = host_paging_map_mmio(pf->f->bar[0].addr, IGB_BAR0_SIZE);
	if (rc)
		return trace_err(rc);
	n->regs = phys_to_virt(pf->f->bar[0].addr);
	/* Registers only: no DMA of its own. */
	cmd = pci_read(pf->f, PCI_COMMAND, 2);
	pci_write(pf->f, PCI_COMMAND, 2, (cmd | PCI_COMMAND_MEMORY) & ~PCI_COMMAND_MASTER);
	if (rd(n, IGB_STATUS) == 0xffffffffu) {
		pr_err("%s: igb: registers read all ones\n", pf->name);
		return trace_err(-ERR_IO);
	}
	wr(n, IGB_IMC, 0xffffffffu); /* polled */
	wr(n, IGB_EIMC, 0xffffffffu);
	wr(n, IGB_GPIE, IGB_GPIE_MSIX_MODE | IGB_GPIE_NSICR | IGB_GPIE_PBA);
	wr(n, IGB_MBVFIMR, 0);

	ral = rd(n, IGB_RAL(0));
	rah = rd(n, IGB_RAH(0));
	n->mac[0] = (uint8_t)ral;
	n->mac[1] = (uint8_t)(ral >> 8);
	n->mac[2] = (uint8_t)(ral >> 16);
	n->mac[3] = (uint8_t)(ral >> 24);
	n->mac[4] = (uint8_t)rah;
	n->mac[5] = (uint8_t)(rah >> 8);
	if (!(rah & IGB_RAH_AV)) {
		/* No address from the EEPROM: one from the PF's location. */
		n->mac[2] = (uint8_t)(pf->f->seg >> 8);
		n->mac[3] = (uint8_t)pf->f->seg;
		n->mac[4] = (uint8_t)(pf->f->rid >> 8);
		n->mac[5] = (uint8_t)pf->f->rid;
	}

	/* Nothing passes until a VF resets through the mailbox, and nothing
	 * that firmware or an earlier kernel (kexec) left in the tables steers
	 * frames to a pool: every receive address but the PF's own gone and
	 * the PF's in no pool, no VLAN filters, no unicast hash, every pool's
	 * offloads off (a VF's are set at its reset). */
	wr(n, IGB_VFRE, 0);
	wr(n, IGB_VFTE, 0);
	wr(n, IGB_RAH(0), rah & ~IGB_RAH_POOL_MASK);
	for (unsigned i = 1; i < IGB_RAR_ENTRIES; i++) {
		wr(n, IGB_RAH(i), 0);
		wr(n, IGB_RAL(i), 0);
	}
	for (unsigned i = 0; i < IGB_VLVF_ENTRIES; i++)
		wr(n, IGB_VLVF(i), 0);
	for (unsigned i = 0; i < IGB_VFTA_WORDS; i++)
		wr(n, IGB_VFTA(i), 0);
	for (unsigned i = 0; i < IGB_UTA_WORDS; i++)
		wr(n, IGB_UTA(i), 0);
	/* A VF's frames leave untagged: the card inserts no tag for it
	 * (VMVIR), and a tag the guest writes into a frame is a VLAN its pool
	 * does not have (no VLVF entry): anti-spoofing drops it (DTXSWC). */
	for (unsigned i = 0; i < IGB_POOLS; i++) {
		wr(n, IGB_VMOLR(i), 0);
		wr(n, IGB_VMVIR(i), i < n->nvfs ? IGB_VMVIR_VLANA_NEVER : 0);
	}
	for (unsigned vf = 0; vf < n->nvfs; vf++) {
		if (pf->cfg && vf < pf->cfg->nmacs)
			memcpy(n->vf[vf].mac, pf->cfg->macs[vf], 6);
		else
			igb_vf_default_mac(n->vf[vf].mac, n->mac, vf + 1);
		vf_reset(n, vf);
	}
	/* Pools by destination address, no default pool (an unmatched frame
	 * goes to no VF), frames between pools switched inside the card, a
	 * VF's frames sent only with its own source address and without a
	 * VLAN tag. */
	wr(n, IGB_MRQC, IGB_MRQC_VMDQ);
	wr(n, IGB_VT_CTL, IGB_VT_CTL_DIS_DEF_POOL);
	wr(n, IGB_DTXSWC,
	   IGB_DTXSWC_LOOPBACK | ((1u << n->nvfs) - 1) << IGB_DTXSWC_MAC_SPOOF_OFF |
		   ((1u << n->nvfs) - 1) << IGB_DTXSWC_VLAN_SPOOF_OFF);
	wr(n, IGB_RCTL, rd(n, IGB_RCTL) | IGB_RCTL_EN | IGB_RCTL_BAM | IGB_RCTL_SECRC);
	wr(n, IGB_TCTL, rd(n, IGB_TCTL) | IGB_TCTL_EN);
	link_up(n);
	wr(n, IGB_VFLRE, 0xffu);
	wr(n, IGB_MBVFICR, 0xffffffffu);
	/* The VFs may talk now. */
	wr(n, IGB_CTRL_EXT, rd(n, IGB_CTRL_EXT) | IGB_CTRL_EXT_PFRSTD);
	pr_info("%s: igb: %u VFs in their own pools, switched inside the card, mailbox "
		"polled\n",
		pf->name, n->nvfs);
	for (unsigned vf = 0; vf < n->nvfs; vf++)
		pr_info("%s: igb: VF %u MAC %02x:%02x:%02x:%02x:%02x:%02x (%s)\n", pf->name, vf + 1,
			n->vf[vf].mac[0], n->vf[vf].mac[1], n->vf[vf].mac[2], n->vf[vf].mac[3],
			n->vf[vf].mac[4], n->vf[vf].mac[5],
			pf->cfg && vf < pf->cfg->nmacs ? "macs" : "derived");
	nigbs++;
	return 0;
}

/* Before a guest gets VF vf (1-based), at its restarts and after its FLRs:
 * the VF starts with no filters and nothing enabled until it resets
 * through the mailbox. */
static int igb_vf_prepare(struct sriov_pf *pf, unsigned vf)
{
	struct igb *n = pf->priv;

	if (vf < 1 || vf > n->nvfs)
		return -ERR_RANGE;
	n->live |= 1u << (vf - 1);
	vf_reset(n, vf - 1);
	return 0;
}

/* Its guest stopped for good: filters and enables off, messages ignored. */
static int igb_vf_release(struct sriov_pf *pf, unsigned vf)
{
	struct igb *n = pf->priv;

	if (vf < 1 || vf > n->nvfs)
		return -ERR_RANGE;
	n->live &= ~(1u << (vf - 1));
	vf_reset(n, vf - 1);
	return 0;
}

const struct pf_driver igb_pf_driver = {
	.kind = &pf_kind_igb,
	.probe = igb_probe,
	.vfs_ready = igb_vfs_ready,
	.vf_prepare = igb_vf_prepare,
	.vf_release = igb_vf_release,
	.poll = igb_poll,
};
