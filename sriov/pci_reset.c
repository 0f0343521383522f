/* Function reset, so that a function handed from one guest (or one boot
 * of a guest) to the next keeps nothing of what the last one did: its
 * queues, its DMA addresses, its interrupt messages. Pure over struct
 * pci_cfg_ops and struct pci_wait_ops; pci_reset() in sriov/ecam.c runs it
 * on the machine with the TSC as clock.
 *
 * Policy:
 * - Function-level reset (FLR) where the PCIe Device Capabilities offer it
 *   (PCIe 4.0, 6.6.2): bus master off, wait for Transactions Pending to
 *   clear (bounded: after PENDING_WAIT_US any completion would have timed
 *   out under the default completion timeout range), Initiate FLR, wait
 *   the 100 ms the specification requires before any access, then poll
 *   until the function answers configuration reads again (up to 1 s,
 *   the time a function may answer with Configuration Request Retry).
 * - Without FLR, the PCI Power Management transition D3hot -> D0, but only
 *   when the PM capability's No_Soft_Reset bit is 0: then the function
 *   returns to D0uninitialized, its state lost (PCI PM 1.2, 5.3.1.4), after
 *   the 10 ms recovery time each way.
 * - Otherwise argon knows no reset that clears the function (a secondary
 *   bus reset would hit every function behind the bridge, and a D3hot
 *   transition with No_Soft_Reset=1 keeps its state by definition), so
 *   such a function cannot be assigned: the boot check says so at the
 *   function's place in argon.conf.
 * After either reset the BARs are written back as firmware assigned them
 * (a reset clears them), memory and I/O decoding are turned on as those
 * BARs need, bus mastering stays off (the guest's driver turns it on
 * through its virtual command register) and INTx is disabled: argon
 * delivers only MSI and MSI-X. */
#include "lib/err.h"
#include "sriov/pci.h"
#include "sriov/pci_regs.h"

#define PENDING_WAIT_US 100000u
#define FLR_WAIT_US 100000u
#define READY_WAIT_US 1000000u
#define READY_POLL_US 1000u
#define PM_RECOVERY_US 10000u

/* A Vendor ID of 0x0001 is the Configuration Request Retry Status answer
 * of a function that is not ready yet (with CRS Software Visibility on). */
#define PCI_VENDOR_CRS 0x0001

static uint32_t rd(const struct pci_cfg_ops *cfg, const struct pci_func *f, uint16_t off,
		   unsigned size)
{
	return cfg->read(cfg->ctx, f->seg, f->rid, off, size);
}

static void wr(const struct pci_cfg_ops *cfg, const struct pci_func *f, uint16_t off, unsigned size,
	       uint32_t val)
{
	cfg->write(cfg->ctx, f->seg, f->rid, off, size, val);
}

enum pci_reset_method pci_reset_method(const struct pci_cfg_ops *cfg, const struct pci_func *f)
{
	if (f->flr)
		return PCI_RESET_FLR;
	if (f->cap_pm && !(rd(cfg, f, f->cap_pm + PCI_PM_CTRL, 2) & PCI_PM_CTRL_NO_SOFT_RESET))
		return PCI_RESET_PM;
	return PCI_RESET_NONE;
}

const char *pci_reset_method_name(enum pci_reset_method m)
{
	switch (m) {
	case PCI_RESET_FLR:
		return "FLR";
	case PCI_RESET_PM:
		return "D3hot->D0";
	default:
		return "none";
	}
}

static int do_flr(const struct pci_cfg_ops *cfg, const struct pci_wait_ops *w,
		  const struct pci_func *f)
{
	uint16_t devctl = f->cap_pcie + PCI_EXP_DEVCTL, devsta = f->cap_pcie + PCI_EXP_DEVSTA;
	uint64_t start = w->now_us(w->ctx);

	for (;;) {
		uint32_t sta = rd(cfg, f, devsta, 2);

		/* All ones: the function does not answer; nothing to drain. */
		if (!(sta & PCI_EXP_DEVSTA_TRPND) || sta == 0xffff ||
		    w->now_us(w->ctx) - start >= PENDING_WAIT_US)
			break;
		w->delay_us(w->ctx, READY_POLL_US);
	}
	wr(cfg, f, devctl, 2, rd(cfg, f, devctl, 2) | PCI_EXP_DEVCTL_BCR_FLR);
	w->delay_us(w->ctx, FLR_WAIT_US);
	return 0;
}

static int do_pm(const struct pci_cfg_ops *cfg, const struct pci_wait_ops *w,
		 const struct pci_func *f)
{
	uint16_t pmcsr = f->cap_pm + PCI_PM_CTRL;
	uint32_t v = rd(cfg, f, pmcsr, 2) & ~PCI_PM_CTRL_STATE_MASK;

	wr(cfg, f, pmcsr, 2, v | PCI_PM_D3HOT);
	w->delay_us(w->ctx, PM_RECOVERY_US);
	wr(cfg, f, pmcsr, 2, v | PCI_PM_D0);
	w->delay_us(w->ctx, PM_RECOVERY_US);
	return (rd(cfg, f, pmcsr, 2) & PCI_PM_CTRL_STATE_MASK) == PCI_PM_D0 ? 0 : -ERR_IO;
}

/* Polls until the function answers with its own Vendor ID. */
static int wait_ready(const struct pci_cfg_ops *cfg, const struct pci_wait_ops *w,
		      const struct pci_func *f)
{
	uint64_t start = w->now_us(w->ctx);

	for (;;) {
		uint32_t vendor = rd(cfg, f, PCI_VENDOR_ID, 2);

		if (vendor == f->vendor)
			return 0;
		if (w->now_us(w->ctx) - start >= READY_WAIT_US)
			return -ERR_IO;
		w->delay_us(w->ctx, READY_POLL_US);
	}
}

static int restore(const struct pci_cfg_ops *cfg, const struct pci_func *f)
{
	uint16_t cmd = PCI_COMMAND_INTX_DISABLE;

	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *b = &f->bar[i];
		uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);

		if (!b->size)
			continue;
		wr(cfg, f, off, 4, (uint32_t)b->addr);
		if (b->is_64)
			wr(cfg, f, (uint16_t)(off + 4), 4, (uint32_t)(b->addr >> 32));
		if ((rd(cfg, f, off, 4) &
		     (b->is_io ? PCI_BAR_IO_ADDR_MASK : PCI_BAR_MEM_ADDR_MASK)) !=
			    (uint32_t)b->addr ||
		    (b->is_64 && rd(cfg, f, (uint16_t)(off + 4), 4) != (uint32_t)(b->addr >> 32)))
			return -ERR_IO;
		cmd |= b->is_io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
	}
	wr(cfg, f, PCI_COMMAND, 2, cmd);
	return 0;
}

int pci_reset_cfg(const struct pci_cfg_ops *cfg, const struct pci_wait_ops *w,
		  const struct pci_func *f)
{
	enum pci_reset_method m = pci_reset_method(cfg, f);
	uint32_t cmd;
	int err;

	if (m == PCI_RESET_NONE)
		return -ERR_NOTSUP;
	/* No new DMA or interrupts from here on. */
	cmd = rd(cfg, f, PCI_COMMAND, 2);
	wr(cfg, f, PCI_COMMAND, 2, (cmd & ~PCI_COMMAND_MASTER) | PCI_COMMAND_INTX_DISABLE);
	err = m == PCI_RESET_FLR ? do_flr(cfg, w, f) : do_pm(cfg, w, f);
	if (!err)
		err = wait_ready(cfg, w, f);
	if (!err)
		err = restore(cfg, f);
	return err;
}
