/* SR-IOV physical functions whose VFs argon creates, and the one small
 * interface behind which the PFs that need more than the SR-IOV
 * capability get their driver. A generic PF ([sriov.NAME] naming a PF no
 * driver matches) needs nothing but the capability: argon enables its VFs
 * and hands them out like whole functions. A driver is picked by the PF's
 * ids; NVMe (nvme/nvme_pf.c) is one, configured by a table of its own. */
#ifndef ARGON_SRIOV_PF_DRIVER_H
#define ARGON_SRIOV_PF_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/config.h"
#include "sriov/pci.h"
#include "sriov/pf_kind.h"
#include "sriov/sriov.h"

struct sriov_pf;

/* Told on the console CPU when a posted VF job ends (rc: 0, or a negative
 * code after logging); returns false to be told again at the next work
 * call (the caller's lock was held). */
typedef bool (*pf_done_fn)(void *ctx, uint32_t tag, int rc);

/* Every hook but match is optional. Hooks after boot (vf_prepare,
 * vf_release, poll) may run on any CPU; the caller serializes them per PF
 * (struct sriov_pf's lock). The _later hooks and work serialize
 * themselves. */
struct pf_driver {
	/* Its kind: the ids it drives and what the config check needs to
	 * know (sriov/pf_kind.h). */
	const struct pf_kind *kind;
	/* At boot, before the VFs are enabled: whether the PF can do what is
	 * asked (nvfs VFs); 0, or a negative code with msg saying why. */
	int (*probe)(struct sriov_pf *pf, char *msg, size_t size);
	/* At boot, once the VFs are enabled and in argon's PCI table: what
	 * the PF must do before a VF is usable. 0, or a negative code after
	 * logging; the PF's VFs are then not handed out. */
	int (*vfs_ready)(struct sriov_pf *pf);
	/* After each reset of VF vf (1-based) that argon does or a guest
	 * asks for: whatever the VF needs from the PF to start clean. */
	int (*vf_prepare)(struct sriov_pf *pf, unsigned vf);
	/* When the guest of VF vf stops for good, after the VF was reset and
	 * detached from the guest's IOMMU domain. */
	int (*vf_release)(struct sriov_pf *pf, unsigned vf);
	/* Posted forms of vf_prepare and vf_release, for a driver whose VF
	 * work may wait on the device (admin commands with timeouts), which
	 * no guest's exit path does: 1 when posted for work (vf_prepare_later
	 * then tells done(ctx, tag, rc) from the console CPU), otherwise run
	 * at once (no worker): 0 or a negative code, done not called. A
	 * driver without them has vf_prepare and vf_release run at once. */
	int (*vf_prepare_later)(struct sriov_pf *pf, unsigned vf, pf_done_fn done, void *ctx,
				uint32_t tag);
	int (*vf_release_later)(struct sriov_pf *pf, unsigned vf);
	/* The driver's posted jobs, all its PFs', from the console CPU. */
	void (*work)(void);
	/* Whether a posted job has not ended (argon powers off only after). */
	bool (*busy)(void);
	/* Whether a CPU runs work from now on; told before guests start. */
	void (*set_worker)(bool present);
	/* Periodic work, from the console CPU's loop (every tick, 10 ms
	 * when idle). */
	void (*poll)(struct sriov_pf *pf);
};

/* A PF whose VFs argon created. */
struct sriov_pf {
	char name[CONFIG_PCI_ADDR_LEN];	 /* "SSSS:BB:DD.F" */
	char table[CONFIG_NAME_MAX + 8]; /* "[sriov.NAME]", "[nvme.NAME]" */
	struct pci_func *f;
	const struct pf_driver *drv;	      /* NULL: generic */
	const struct argon_sriov_config *cfg; /* its [sriov.NAME]; NULL for [nvme.NAME] */
	unsigned nvfs;
	struct sriov_info sr; /* the capability as the VFs were enabled */
	void *priv;	      /* the driver's */
};

/* The drivers (each in its device's folder). */
extern const struct pf_driver nvme_pf_driver; /* nvme/nvme_pf_driver.c */
extern const struct pf_driver igb_pf_driver;  /* nic/igb_pf.c */

/* The driver that matches f, or NULL (generic). */
const struct pf_driver *pf_driver_find(const struct pci_func *f);

/* Creates the VFs of one [sriov.NAME]: the driver's probe, the SR-IOV
 * enable sequence, the VFs into argon's PCI table, the driver's
 * vfs_ready. 0, or a negative code after logging why; its VFs are then
 * not handed out. */
int sriov_pf_setup(const struct argon_sriov_config *s);

/* Registers a PF whose VFs a driver created by itself (NVMe: its
 * controller's steps include the enable), so that its VFs are handed out
 * and its hooks run. 0, or -ERR_NOSPC. */
/* The SR-IOV enable (and disable) request for nvfs VFs of pf, with what
 * the port above it forwards; VF BARs that firmware left empty placed in
 * the bridge window above it (pci_place_vf_bars). */
void sriov_pf_enable_req(struct pci_func *pf, unsigned nvfs, struct sriov_enable_req *out);

/* VF vf_num of pf, enabled, at requester id rid, filled from sr and added
 * to argon's PCI table as an assignable function; errors logged under
 * name. */
int sriov_pf_add_vf(const char *name, const struct pci_func *pf, const struct sriov_info *sr,
		    unsigned vf_num, uint16_t rid);

int sriov_pf_register(struct pci_func *pf, const struct pf_driver *drv, const char *table,
		      unsigned nvfs);

/* Whether VF vf is one that argon created and set up (may be given to a
 * guest). */
bool sriov_pf_vf_ready(const struct pci_func *vf);

/* The driver hooks for a VF (no-ops for a generic PF's VFs): after a
 * reset, and at the final stop. 0, or a negative code after logging. */
int sriov_pf_vf_prepare(const struct pci_func *vf);
int sriov_pf_vf_release(const struct pci_func *vf);

/* The posted forms (the hooks' _later): after a reset while the VF's
 * guest runs, and at its final stop. 1 when posted (done follows for a
 * prepare), else as above. */
int sriov_pf_vf_prepare_later(const struct pci_func *vf, pf_done_fn done, void *ctx, uint32_t tag);
int sriov_pf_vf_release_later(const struct pci_func *vf);

/* Tells the drivers whether a CPU calls sriov_pf_work (before guests
 * start). */
void sriov_pf_set_worker(bool present);

/* The console CPU's work for the PFs: each driver's posted jobs, then
 * each PF's poll. */
void sriov_pf_work(void);

/* Whether a driver's posted job has not ended. */
bool sriov_pf_busy(void);

#endif
