#include "sriov/pf_driver.h"

#include "lib/bits.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "sriov/vf_bars.h"
#include "vmm/host/smp.h"
#include "vmm/log.h"
#include "vmm/spinlock.h"

#define PCI_SUBORDINATE_BUS 0x1a
#define MAX_PFS (ARGON_MAX_SRIOV + ARGON_MAX_NVME)

/* The drivers argon has, tried in order; a PF none matches is generic. */
static const struct pf_driver *const drivers[] = {
	&nvme_pf_driver,
	&igb_pf_driver,
};

/* The PFs whose VFs argon created; a slot is filled once, at boot, before
 * any guest starts, and read afterwards. Each PF's hooks run under its
 * lock (guests stop and reset their VFs on any CPU). */
static struct sriov_pf pfs[MAX_PFS];
static struct spinlock pf_locks[MAX_PFS];
static unsigned npfs;

const struct pf_driver *pf_driver_find(const struct pci_func *f)
{
	for (unsigned i = 0; i < ARRAY_SIZE(drivers); i++)
		if (drivers[i]->kind->match(f))
			return drivers[i];
	return NULL;
}

static void sriov_wait(void *ctx, uint64_t us)
{
	(void)ctx;
	udelay(us);
}

void sriov_pf_enable_req(struct pci_func *pf, unsigned nvfs, struct sriov_enable_req *out)
{
	const struct pci_bus_info *host = pci_host();
	const struct pci_func *up = pf->parent >= 0 ? &host->f[pf->parent] : NULL;
	struct sriov_enable_req req = {
		.seg = pf->seg,
		.rid = pf->rid,
		.pos = pf->ecap_sriov,
		.num_vfs = (uint16_t)nvfs,
		.bus_max = 0xff,
		.delay_us = sriov_wait,
		/* VF BARs that firmware left empty go in the bridge window
		 * above the PF. */
		.place = pci_place_vf_bars,
		.place_ctx = pf,
	};

	if (up) {
		req.ari_forwarding =
			sriov_port_ari_forwarding(host->cfg, up->seg, up->rid, up->cap_pcie);
		req.bus_max = (uint8_t)pci_read(up, PCI_SUBORDINATE_BUS, 1);
	}
	*out = req;
}

/* The SR-IOV enable sequence on p's PF. */
static int enable_vfs(struct sriov_pf *p)
{
	struct sriov_enable_req req;
	char msg[320];
	int rc;

	sriov_pf_enable_req(p->f, p->nvfs, &req);
	rc = sriov_enable(pci_host()->cfg, &req, &p->sr, msg, sizeof(msg));
	if (rc)
		pr_err("%s\n", msg);
	return rc;
}

/* After a failure past the enable: VF Enable and VF MSE off again and
 * the VFs out of argon's PCI table (back to count entries), so that
 * nothing of a PF that is not set up stays decoding or assignable. */
static void undo_vfs(struct sriov_pf *p, unsigned count)
{
	struct sriov_enable_req req;

	sriov_pf_enable_req(p->f, p->nvfs, &req);
	sriov_disable(pci_host()->cfg, &req);
	pci_truncate(count);
	pr_err("%s: %s: VFs disabled again\n", p->name, p->table);
}

int sriov_pf_add_vf(const char *name, const struct pci_func *pf, const struct sriov_info *sr,
		    unsigned vf_num, uint16_t rid)
{
	const struct pci_bus_info *host = pci_host();
	struct pci_func vf;
	int rc = pci_vf_fill(host->cfg, pf, (int)(pf - host->f), rid, vf_num, sr->vf_device,
			     sr->vf_bar, &vf);

	if (rc) {
		pr_err("%s: VF %u (%02x:%02x.%x) does not answer\n", name, vf_num, rid >> 8,
		       (rid >> 3) & 0x1f, rid & 7);
		return trace_err(rc);
	}
	if (!pci_add_vf(&vf)) {
		pr_err("%s: VF %u: no room in the PCI table\n", name, vf_num);
		return trace_err(-ERR_NOSPC);
	}
	return 0;
}

/* VF vf_num, enabled, as an assignable function in the PCI table. */
static int add_vf(const struct sriov_pf *p, unsigned vf_num)
{
	const struct pci_func *vf;
	uint16_t rid;
	int rc = sriov_vf_rid(p->f->rid, p->sr.offset, p->sr.stride, vf_num - 1, &rid);

	if (rc) {
		pr_err("%s: VF %u has no requester id\n", p->name, vf_num);
		return trace_err(rc);
	}
	rc = sriov_pf_add_vf(p->name, p->f, &p->sr, vf_num, rid);
	if (rc)
		return rc;
	vf = pci_find(p->f->seg, rid);
	pr_info("%s: VF %u is %04x:%02x:%02x.%x %04x:%04x\n", p->name, vf_num, p->f->seg, rid >> 8,
		(rid >> 3) & 0x1f, rid & 7, vf ? vf->vendor : 0xffff, vf ? vf->device : 0xffff);
	return 0;
}

int sriov_pf_setup(const struct argon_sriov_config *s)
{
	struct sriov_pf *p;
	unsigned count;
	char msg[200];
	int rc;

	if (npfs == MAX_PFS)
		return trace_err(-ERR_NOSPC);
	p = &pfs[npfs];
	memset(p, 0, sizeof(*p));
	config_format_pci_addr(p->name, sizeof(p->name), s->pf);
	fmt_snprintf(p->table, sizeof(p->table), "[sriov.%s]", s->name);
	p->f = pci_find(s->pf.seg, s->pf.rid);
	if (!p->f || !p->f->ecap_sriov) {
		pr_err("%s: %s: no such function with SR-IOV\n", p->name, p->table);
		return -ERR_NODEV;
	}
	p->nvfs = s->vfs;
	p->cfg = s;
	p->drv = pf_driver_find(p->f);
	if (p->drv && p->drv->kind->table) {
		pr_err("%s: %s: the PF takes [%s.NAME]\n", p->name, p->table, p->drv->kind->table);
		return -ERR_NOTSUP;
	}
	if (p->drv && p->drv->probe) {
		rc = p->drv->probe(p, msg, sizeof(msg));
		if (rc) {
			pr_err("%s: %s\n", p->name, msg);
			return rc;
		}
	}
	rc = enable_vfs(p);
	if (rc)
		return rc;
	count = pci_host()->count;
	for (unsigned vf = 1; vf <= p->nvfs && !rc; vf++)
		rc = add_vf(p, vf);
	if (!rc && p->drv && p->drv->vfs_ready)
		rc = p->drv->vfs_ready(p);
	if (rc) {
		undo_vfs(p, count);
		return rc;
	}
	pr_info("%s: %s: %u VFs enabled, %s\n", p->name, p->table, p->nvfs,
		p->drv ? p->drv->kind->name : "generic: no PF driver needed");
	npfs++;
	return 0;
}

int sriov_pf_register(struct pci_func *pf, const struct pf_driver *drv, const char *table,
		      unsigned nvfs)
{
	struct sriov_pf *p;

	if (npfs == MAX_PFS)
		return trace_err(-ERR_NOSPC);
	p = &pfs[npfs];
	memset(p, 0, sizeof(*p));
	fmt_snprintf(p->name, sizeof(p->name), "%04x:%02x:%02x.%x", pf->seg, pf->rid >> 8,
		     (pf->rid >> 3) & 0x1f, pf->rid & 7);
	fmt_snprintf(p->table, sizeof(p->table), "%s", table);
	p->f = pf;
	p->drv = drv;
	p->nvfs = nvfs;
	sriov_read(pci_host()->cfg, pf->seg, pf->rid, pf->ecap_sriov, &p->sr);
	npfs++;
	return 0;
}

/* The PF entry of VF vf, or NULL. */
static struct sriov_pf *pf_of(const struct pci_func *vf, unsigned *idx)
{
	const struct pci_func *pf;

	if (!vf->is_vf)
		return NULL;
	pf = pci_vf_pf(vf);
	for (unsigned i = 0; i < npfs; i++)
		if (pfs[i].f == pf && vf->vf_num >= 1 && vf->vf_num <= pfs[i].nvfs) {
			*idx = i;
			return &pfs[i];
		}
	return NULL;
}

bool sriov_pf_vf_ready(const struct pci_func *vf)
{
	unsigned i;

	return pf_of(vf, &i) != NULL;
}

int sriov_pf_vf_prepare(const struct pci_func *vf)
{
	unsigned i;
	struct sriov_pf *p = pf_of(vf, &i);
	int rc = 0;

	if (!p)
		return -ERR_NOENT;
	if (p->drv && p->drv->vf_prepare) {
		spin_lock(&pf_locks[i]);
		rc = p->drv->vf_prepare(p, vf->vf_num);
		spin_unlock(&pf_locks[i]);
	}
	return rc;
}

int sriov_pf_vf_release(const struct pci_func *vf)
{
	unsigned i;
	struct sriov_pf *p = pf_of(vf, &i);
	int rc = 0;

	if (!p)
		return -ERR_NOENT;
	if (p->drv && p->drv->vf_release) {
		spin_lock(&pf_locks[i]);
		rc = p->drv->vf_release(p, vf->vf_num);
		spin_unlock(&pf_locks[i]);
	}
	return rc;
}

int sriov_pf_vf_prepare_later(const struct pci_func *vf, pf_done_fn done, void *ctx, uint32_t tag)
{
	unsigned i;
	struct sriov_pf *p = pf_of(vf, &i);

	if (!p)
		return -ERR_NOENT;
	if (p->drv && p->drv->vf_prepare_later)
		return p->drv->vf_prepare_later(p, vf->vf_num, done, ctx, tag);
	return sriov_pf_vf_prepare(vf);
}

int sriov_pf_vf_release_later(const struct pci_func *vf)
{
	unsigned i;
	struct sriov_pf *p = pf_of(vf, &i);

	if (!p)
		return -ERR_NOENT;
	if (p->drv && p->drv->vf_release_later)
		return p->drv->vf_release_later(p, vf->vf_num);
	return sriov_pf_vf_release(vf);
}

void sriov_pf_set_worker(bool present)
{
	for (unsigned i = 0; i < ARRAY_SIZE(drivers); i++)
		if (drivers[i]->set_worker)
			drivers[i]->set_worker(present);
}

bool sriov_pf_busy(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(drivers); i++)
		if (drivers[i]->busy && drivers[i]->busy())
			return true;
	return false;
}

static void sriov_pf_poll(void)
{
	for (unsigned i = 0; i < npfs; i++) {
		if (!pfs[i].drv || !pfs[i].drv->poll)
			continue;
		/* A hook already running elsewhere finishes this PF's work. */
		if (!spin_trylock(&pf_locks[i]))
			continue;
		pfs[i].drv->poll(&pfs[i]);
		spin_unlock(&pf_locks[i]);
	}
}

void sriov_pf_work(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(drivers); i++)
		if (drivers[i]->work)
			drivers[i]->work();
	sriov_pf_poll();
}
