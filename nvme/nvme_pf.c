#include "nvme/nvme_pf.h"

#include "iommu/iommu.h"
#include "lib/bits.h"
#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "nvme/nvme_cmd.h"
#include "sriov/pci.h"
#include "sriov/pci_regs.h"
#include "sriov/pf_driver.h"
#include "sriov/sriov.h"
#include "sriov/vf_bars.h"
#include "vmm/host/smp.h"
#include "vmm/log.h"
#include "vmm/page_alloc.h"
#include "vmm/spinlock.h"

#define ADMIN_ENTRIES 32 /* SQ and CQ each fit one page */
#define ADMIN_TIMEOUT_US 5000000u
#define POLL_US 10u

_Static_assert(ADMIN_ENTRIES * sizeof(struct nvme_sqe) <= PAGE_SIZE, "admin SQ in one page");

/* Namespaces argon keeps off the VFs' controllers, per PF. */
#define PF_MAX_NS 64

struct pf {
	char name[CONFIG_PCI_ADDR_LEN];
	struct pci_func *f;
	volatile uint8_t *regs;
	uint64_t cap;
	unsigned dstrd;
	struct nvme_sqe *sq;
	struct nvme_cqe *cq;
	uint8_t *data; /* Identify data and controller lists */
	uint16_t sq_tail, cq_head, cid;
	bool phase;
	struct nvme_pf_result result; /* once set up */
	uint32_t ns[PF_MAX_NS];	      /* the allocated namespaces */
	unsigned nns;
};

/* The PFs set up; after boot only nvme_pf_vf_release uses their admin
 * queues, under pf_lock (guests stop on any CPU). */
static struct pf pfs[ARGON_MAX_NVME];
static unsigned npfs;
static struct spinlock pf_lock;

static uint32_t rd32(const struct pf *p, unsigned off)
{
	return *(volatile const uint32_t *)(p->regs + off);
}

static void wr32(const struct pf *p, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(p->regs + off) = v;
}

/* 64-bit registers as two 32-bit accesses, low half first, which every
 * controller accepts. */
static uint64_t rd64(const struct pf *p, unsigned off)
{
	uint64_t lo = rd32(p, off);

	return lo | (uint64_t)rd32(p, off + 4) << 32;
}

static void wr64(const struct pf *p, unsigned off, uint64_t v)
{
	wr32(p, off, (uint32_t)v);
	wr32(p, off + 4, (uint32_t)(v >> 32));
}

/* CAP.TO is in 500 ms units; 0 would mean no wait at all. */
static uint64_t ready_timeout_us(const struct pf *p)
{
	uint64_t to = bit_extract(p->cap, NVME_CAP_TO_OFF, NVME_CAP_TO_LEN);

	return (to ? to : 1) * 500000u;
}

static int wait_ready(const struct pf *p, bool ready)
{
	uint64_t waited = 0, limit = ready_timeout_us(p);

	for (;;) {
		uint32_t csts = rd32(p, NVME_REG_CSTS);

		if (csts == 0xffffffffu) {
			pr_err("%s: controller registers read all ones\n", p->name);
			return trace_err(-ERR_IO);
		}
		if (csts & NVME_CSTS_CFS) {
			pr_err("%s: controller fatal status (CSTS 0x%x)\n", p->name, csts);
			return trace_err(-ERR_IO);
		}
		if (!!(csts & NVME_CSTS_RDY) == ready)
			return 0;
		if (waited >= limit) {
			pr_err("%s: CSTS.RDY stays %u after %llu ms (CAP.TO)\n", p->name, !ready,
			       (unsigned long long)(limit / 1000));
			return trace_err(-ERR_IO);
		}
		udelay(POLL_US * 100);
		waited += POLL_US * 100;
	}
}

static int ctrl_disable(struct pf *p)
{
	uint32_t cc = rd32(p, NVME_REG_CC);

	if (cc & NVME_CC_EN)
		wr32(p, NVME_REG_CC, cc & ~NVME_CC_EN);
	return wait_ready(p, false);
}

/* A fresh admin queue pair and CC.EN: 4 KiB pages, NVM command set,
 * 64-byte SQ and 16-byte CQ entries. */
static int ctrl_enable(struct pf *p)
{
	int rc = ctrl_disable(p);

	if (rc)
		return rc;
	memset(p->sq, 0, PAGE_SIZE);
	memset(p->cq, 0, PAGE_SIZE);
	p->sq_tail = 0;
	p->cq_head = 0;
	p->phase = true;
	wr32(p, NVME_REG_INTMS, 0xffffffffu); /* polled: no interrupts */
	wr32(p, NVME_REG_AQA, (ADMIN_ENTRIES - 1) << 16 | (ADMIN_ENTRIES - 1));
	wr64(p, NVME_REG_ASQ, virt_to_phys(p->sq));
	wr64(p, NVME_REG_ACQ, virt_to_phys(p->cq));
	wr32(p, NVME_REG_CC, NVME_CC_EN | 6u << NVME_CC_IOSQES_OFF | 4u << NVME_CC_IOCQES_OFF);
	return wait_ready(p, true);
}

/* Submits one admin command and polls for its completion. 0, or -ERR_IO
 * with the status as SCT << 8 | SC in *code (0xffff: no completion). */
static int admin(struct pf *p, struct nvme_sqe *e, uint32_t *dw0, uint16_t *code)
{
	uint64_t waited = 0;
	volatile struct nvme_cqe *c;
	uint16_t cid = ++p->cid;

	*code = 0xffff;
	nvme_sqe_set_cid(e, cid);
	p->sq[p->sq_tail] = *e;
	p->sq_tail = (uint16_t)((p->sq_tail + 1) % ADMIN_ENTRIES);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the entry before the doorbell */
	wr32(p, NVME_REG_DBS, p->sq_tail);

	c = &p->cq[p->cq_head];
	while ((c->status & NVME_CQE_PHASE) != (p->phase ? 1u : 0u)) {
		if (waited >= ADMIN_TIMEOUT_US)
			return -ERR_IO;
		udelay(POLL_US);
		waited += POLL_US;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*code = nvme_status_code(c->status);
	if (dw0)
		*dw0 = c->dw0;
	if (c->cid != cid)
		*code = 0xfffe;
	p->cq_head = (uint16_t)((p->cq_head + 1) % ADMIN_ENTRIES);
	if (!p->cq_head)
		p->phase = !p->phase;
	wr32(p, NVME_REG_DBS + (4u << p->dstrd), p->cq_head);
	return *code ? -ERR_IO : 0;
}

static void log_failure(const struct pf *p, const char *what, uint16_t code)
{
	char st[96];

	if (code == 0xffff)
		pr_err("%s: %s: no completion within %u ms\n", p->name, what,
		       ADMIN_TIMEOUT_US / 1000);
	else if (code == 0xfffe)
		pr_err("%s: %s: completion for another command id\n", p->name, what);
	else {
		nvme_status_fmt(st, sizeof(st), code);
		pr_err("%s: %s: %s\n", p->name, what, st);
	}
}

static int identify(struct pf *p, uint8_t cns, uint16_t cntid, const char *what)
{
	struct nvme_sqe e;
	uint16_t code;
	int rc;

	memset(p->data, 0, PAGE_SIZE);
	nvme_cmd_identify(&e, cns, cntid, 0, virt_to_phys(p->data));
	rc = admin(p, &e, NULL, &code);
	if (rc)
		log_failure(p, what, code);
	return rc;
}

/* The PF's queue and data pages, reachable by the PF alone, 1:1. */
static int map_dma(struct pf *p)
{
	struct iommu_domain *d;
	uint64_t pages[3];
	uint16_t alias;
	int rc;

	if (!iommu_ready()) {
		pr_warn("%s: no IOMMU: the PF reaches all memory\n", p->name);
		return 0;
	}
	d = iommu_domain_create("argon");
	if (!d)
		return trace_err(-ERR_NOMEM);
	pages[0] = virt_to_phys(p->sq);
	pages[1] = virt_to_phys(p->cq);
	pages[2] = virt_to_phys(p->data);
	for (unsigned i = 0; i < ARRAY_SIZE(pages); i++) {
		rc = iommu_domain_map(d, pages[i], pages[i], PAGE_SIZE);
		if (rc)
			return trace_err(rc);
	}
	/* Its own id and, behind a bridge that replaces it, the bridge's. */
	alias = pci_dma_rid(pci_host(), p->f);
	rc = iommu_attach(d, p->f->seg, p->f->rid);
	if (!rc && alias != p->f->rid)
		rc = iommu_attach(d, p->f->seg, alias);
	if (rc)
		pr_err("%s: cannot attach the PF to argon's IOMMU domain (%s)\n", p->name,
		       err_str(rc));
	return rc;
}

static void bus_master_on(const struct pf *p)
{
	uint32_t cmd = pci_read(p->f, PCI_COMMAND, 2);

	pci_write(p->f, PCI_COMMAND, 2, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static int pf_open(struct pf *p)
{
	const struct pci_bar *bar = &p->f->bar[0];
	int rc;

	if (bar->is_io || !bar->addr || bar->size < 0x2000) {
		pr_err("%s: BAR0 is not an assigned memory BAR of 8 KiB at least\n", p->name);
		return trace_err(-ERR_NODEV);
	}
	rc = host_paging_map_mmio(bar->addr, bar->size);
	if (rc)
		return trace_err(rc);
	p->regs = phys_to_virt(bar->addr);
	p->sq = page_alloc();
	p->cq = page_alloc();
	p->data = page_alloc();
	if (!p->sq || !p->cq || !p->data)
		return trace_err(-ERR_NOMEM);
	rc = map_dma(p);
	if (rc)
		return rc;
	bus_master_on(p);
	p->cap = rd64(p, NVME_REG_CAP);
	p->dstrd = (unsigned)bit_extract(p->cap, NVME_CAP_DSTRD_OFF, NVME_CAP_DSTRD_LEN);
	if (!(p->cap & NVME_CAP_CSS_NVM) ||
	    bit_extract(p->cap, NVME_CAP_MPSMIN_OFF, NVME_CAP_MPSMIN_LEN) != 0) {
		pr_err("%s: controller lacks the NVM command set or 4 KiB pages (CAP 0x%llx)\n",
		       p->name, (unsigned long long)p->cap);
		return trace_err(-ERR_NOTSUP);
	}
	return ctrl_enable(p);
}

/* What argon reads before planning. */
struct found {
	struct nvme_id_ctrl id;
	struct nvme_pri_caps caps;
	struct nvme_sec_ctrl sec[NVME_SCL_MAX];
	unsigned nsec;
	uint32_t ns[1024];
	unsigned nns;
};

static int read_caps(struct pf *p, struct found *f)
{
	int rc = identify(p, NVME_CNS_PRI_CAPS, 0, "Identify Primary Controller Capabilities");

	if (!rc)
		nvme_parse_pri_caps(p->data, &f->caps);
	return rc;
}

static int survey(struct pf *p, struct found *f)
{
	int rc = identify(p, NVME_CNS_CTRL, 0, "Identify Controller");

	if (rc)
		return rc;
	nvme_parse_id_ctrl(p->data, &f->id);
	pr_info("%s: NVMe %s, serial %s, firmware %s, controller %u, OACS 0x%x\n", p->name,
		f->id.mn, f->id.sn, f->id.fr, f->id.cntlid, f->id.oacs);
	/* Without Virtualization Management the planner says so. */
	if (!(f->id.oacs & NVME_OACS_VIRT_MGMT))
		return 0;
	rc = read_caps(p, f);
	if (rc)
		return rc;
	rc = identify(p, NVME_CNS_SEC_LIST, 0, "Identify Secondary Controller List");
	if (rc)
		return rc;
	f->nsec = nvme_parse_sec_list(p->data, f->sec, NVME_SCL_MAX);
	/* Without Namespace Management the planner says so. */
	if (f->id.oacs & NVME_OACS_NS_MGMT) {
		rc = identify(p, NVME_CNS_ALLOC_NS, 0, "Identify Allocated Namespace List");
		if (rc)
			return rc;
		f->nns = nvme_parse_ns_list(p->data, f->ns, ARRAY_SIZE(f->ns));
		if (f->nns > ARRAY_SIZE(f->ns))
			f->nns = ARRAY_SIZE(f->ns);
	}
	pr_info("%s: flexible queues %u (primary %u, secondaries %u, at most %u each), "
		"vectors %u (primary %u, secondaries %u, at most %u each), %u secondary "
		"controllers, %u namespaces\n",
		p->name, f->caps.vqfrt, f->caps.vqrfap, f->caps.vqrfa, f->caps.vqfrsm,
		f->caps.vifrt, f->caps.virfap, f->caps.virfa, f->caps.vifrsm, f->nsec, f->nns);
	return 0;
}

static int enable_vfs(struct pf *p, unsigned nvfs, struct sriov_info *s)
{
	struct sriov_enable_req req;
	char msg[320];
	int rc;

	sriov_pf_enable_req(p->f, nvfs, &req);
	rc = sriov_enable(pci_host()->cfg, &req, s, msg, sizeof(msg));
	if (rc)
		pr_err("%s\n", msg);
	return rc;
}

/* After the PF's function-level reset: the VF BARs as firmware left them
 * (the reset clears them), the admin queue again, and the primary's new
 * allocation checked. */
static int after_reset(struct pf *p, struct found *f, const struct sriov_info *sr)
{
	int rc;

	sriov_restore_bars(pci_host()->cfg, p->f->seg, p->f->rid, sr);
	bus_master_on(p);
	rc = ctrl_enable(p);
	if (rc)
		return rc;
	rc = read_caps(p, f);
	if (rc)
		return rc;
	if (f->caps.vqrfap || f->caps.virfap) {
		pr_err("%s: the primary still holds %u queue and %u interrupt resources after its "
		       "reset\n",
		       p->name, f->caps.vqrfap, f->caps.virfap);
		return trace_err(-ERR_IO);
	}
	return 0;
}

static int run_step(struct pf *p, struct found *f, const struct nvme_step *s, struct sriov_info *sr)
{
	char what[96];
	struct nvme_sqe e;
	uint16_t code;
	int rc;

	nvme_step_fmt(what, sizeof(what), s);
	pr_debug("%s: %s\n", p->name, what);
	switch (s->kind) {
	case NVME_STEP_PF_RESET:
		rc = pci_reset(p->f);
		if (rc) {
			pr_err("%s: %s failed (%s)\n", p->name, what, err_str(rc));
			return rc;
		}
		return after_reset(p, f, sr);
	case NVME_STEP_ENABLE_VFS:
		return enable_vfs(p, s->nr, sr);
	case NVME_STEP_NS_ATTACH:
		rc = nvme_ctrl_list_build(p->data, &s->cntlid, 1);
		if (rc)
			return trace_err(rc);
		nvme_cmd_ns_attach(&e, s->nsid, NVME_NS_ATTACH_SEL_ATTACH, virt_to_phys(p->data));
		rc = admin(p, &e, NULL, &code);
		/* Attachments persist across resets: one from an earlier boot
		 * is what the config asks for. */
		if (rc && code == NVME_SC_NS_ALREADY_ATTACHED) {
			pr_info("%s: namespace %u was already attached to controller %u\n", p->name,
				s->nsid, s->cntlid);
			return 0;
		}
		break;
	case NVME_STEP_VIRT_MGMT:
		nvme_cmd_virt_mgmt(&e, s->act, s->rt, s->cntlid, s->nr);
		rc = admin(p, &e, NULL, &code);
		break;
	default:
		return trace_err(-ERR_INVAL);
	}
	if (rc)
		log_failure(p, what, code);
	return rc;
}

/* VF vf's controller (0-based VF, controller scid) sees the namespace nsid
 * alone: every other allocated namespace attached to it is detached. A
 * controller may get shared namespaces attached behind argon's back (QEMU
 * attaches them when it brings a VF's controller up), so this runs after
 * the VFs are set up and again after each reset of a VF. */
static int isolate_vf(struct pf *p, unsigned vf, uint16_t scid, uint32_t nsid, const char *when)
{
	for (unsigned i = 0; i < p->nns; i++) {
		uint16_t ids[16], code;
		struct nvme_sqe e;
		unsigned count;
		bool attached = false;
		int rc;

		if (p->ns[i] == nsid)
			continue;
		memset(p->data, 0, PAGE_SIZE);
		nvme_cmd_identify(&e, NVME_CNS_NS_CTRLS, scid, p->ns[i], virt_to_phys(p->data));
		rc = admin(p, &e, NULL, &code);
		if (rc) {
			log_failure(p, "Identify Namespace Attached Controller List", code);
			return rc;
		}
		count = nvme_parse_ctrl_list(p->data, ids, ARRAY_SIZE(ids));
		for (unsigned c = 0; c < count && c < ARRAY_SIZE(ids); c++)
			attached |= ids[c] == scid;
		if (!attached)
			continue;
		rc = nvme_ctrl_list_build(p->data, &scid, 1);
		if (rc)
			return trace_err(rc);
		nvme_cmd_ns_attach(&e, p->ns[i], NVME_NS_ATTACH_SEL_DETACH, virt_to_phys(p->data));
		rc = admin(p, &e, NULL, &code);
		if (rc) {
			log_failure(p, "detach a namespace from a VF's controller", code);
			return rc;
		}
		pr_warn("%s: namespace %u was attached to controller %u (VF %u) %s, not by argon: "
			"detached\n",
			p->name, p->ns[i], scid, vf + 1, when);
	}
	return 0;
}

/* Names controller id for a log line: "controller 2 (VF 2)", or "(VF 3,
 * not handed out)" past the VFs the config creates. */
static void ctrl_name(char *buf, size_t size, const struct found *f, unsigned nvfs, uint16_t id)
{
	for (unsigned i = 0; i < f->nsec && i < NVME_SCL_MAX; i++)
		if (f->sec[i].scid == id) {
			fmt_snprintf(buf, size, "controller %u (VF %u%s)", id, f->sec[i].vfn,
				     f->sec[i].vfn > nvfs ? ", not handed out" : "");
			return;
		}
	fmt_snprintf(buf, size, "controller %u", id);
}

/* At setup: every allocated namespace is detached from each secondary
 * controller of this primary but the VF the config gives it, the VFs
 * past vfs included (argon does not hand their controllers out, but
 * they would reach the namespace if those VFs were ever enabled). One
 * Identify (CNS 12h) and at most one Namespace Attachment per namespace. */
static int isolate(struct pf *p, const struct found *f, const struct argon_nvme_config *n)
{
	p->nns = 0;
	for (unsigned i = 0; i < f->nns && i < ARRAY_SIZE(f->ns); i++) {
		if (p->nns == PF_MAX_NS) {
			pr_err("%s: more than %u namespaces: argon cannot keep them off the VFs\n",
			       p->name, PF_MAX_NS);
			return trace_err(-ERR_NOSPC);
		}
		p->ns[p->nns++] = f->ns[i];
	}
	for (unsigned i = 0; i < p->nns; i++) {
		static uint16_t ids[NVME_CTRL_LIST_MAX], strays[NVME_SCL_MAX];
		unsigned count, nstray;
		struct nvme_sqe e;
		uint16_t code;
		int rc;

		memset(p->data, 0, PAGE_SIZE);
		nvme_cmd_identify(&e, NVME_CNS_NS_CTRLS, 0, p->ns[i], virt_to_phys(p->data));
		rc = admin(p, &e, NULL, &code);
		if (rc) {
			log_failure(p, "Identify Namespace Attached Controller List", code);
			return rc;
		}
		count = nvme_parse_ctrl_list(p->data, ids, ARRAY_SIZE(ids));
		nstray = nvme_ns_strays(p->ns[i], ids,
					count < ARRAY_SIZE(ids) ? count : ARRAY_SIZE(ids), f->sec,
					f->nsec < NVME_SCL_MAX ? f->nsec : NVME_SCL_MAX,
					n->namespaces, n->vfs, strays, ARRAY_SIZE(strays));
		if (!nstray)
			continue;
		if (nstray > ARRAY_SIZE(strays))
			nstray = ARRAY_SIZE(strays);
		rc = nvme_ctrl_list_build(p->data, strays, nstray);
		if (rc)
			return trace_err(rc);
		nvme_cmd_ns_attach(&e, p->ns[i], NVME_NS_ATTACH_SEL_DETACH, virt_to_phys(p->data));
		rc = admin(p, &e, NULL, &code);
		if (rc) {
			log_failure(p, "detach a namespace from secondary controllers", code);
			return rc;
		}
		for (unsigned c = 0; c < nstray; c++) {
			char who[48];

			ctrl_name(who, sizeof(who), f, n->vfs, strays[c]);
			pr_info("%s: namespace %u detached from %s: a VF sees its own namespace "
				"alone\n",
				p->name, p->ns[i], who);
		}
	}
	return 0;
}

/* The secondary controllers as the controller now reports them. */
static int verify(struct pf *p, struct found *f, const struct nvme_plan *plan,
		  const struct argon_nvme_config *n)
{
	int rc = identify(p, NVME_CNS_SEC_LIST, 0, "Identify Secondary Controller List");

	if (rc)
		return rc;
	f->nsec = nvme_parse_sec_list(p->data, f->sec, NVME_SCL_MAX);
	for (unsigned vf = 0; vf < n->vfs; vf++) {
		const struct nvme_sec_ctrl *s = NULL;

		for (unsigned i = 0; i < f->nsec && i < NVME_SCL_MAX; i++)
			if (f->sec[i].scid == plan->scid[vf])
				s = &f->sec[i];
		if (!s || !s->online || s->nvq != n->queues_per_vf || s->nvi != n->vectors_per_vf) {
			pr_err("%s: controller %u of VF %u is not online with %u queues and %u "
			       "vectors\n",
			       p->name, plan->scid[vf], vf + 1, n->queues_per_vf,
			       n->vectors_per_vf);
			return trace_err(-ERR_IO);
		}
	}
	for (unsigned vf = 0; vf < n->vfs; vf++) {
		uint16_t ids[16];
		unsigned count, shown, nother = 0;
		bool mine = false;
		char others[64];
		size_t len = 0;
		struct nvme_sqe e;
		uint16_t code;

		memset(p->data, 0, PAGE_SIZE);
		nvme_cmd_identify(&e, NVME_CNS_NS_CTRLS, 0, n->namespaces[vf],
				  virt_to_phys(p->data));
		rc = admin(p, &e, NULL, &code);
		if (rc) {
			log_failure(p, "Identify Namespace Attached Controller List", code);
			return rc;
		}
		count = nvme_parse_ctrl_list(p->data, ids, ARRAY_SIZE(ids));
		shown = count < ARRAY_SIZE(ids) ? count : (unsigned)ARRAY_SIZE(ids);
		others[0] = '\0';
		for (unsigned i = 0; i < shown; i++) {
			if (ids[i] == plan->scid[vf]) {
				mine = true;
				continue;
			}
			if (ids[i] == f->id.cntlid)
				continue; /* argon's own controller; no guest uses it */
			nother++;
			if (len < sizeof(others))
				len += (size_t)fmt_snprintf(others + len, sizeof(others) - len,
							    " %u", ids[i]);
		}
		if (!mine) {
			pr_err("%s: namespace %u is not attached to controller %u of VF %u\n",
			       p->name, n->namespaces[vf], plan->scid[vf], vf + 1);
			return trace_err(-ERR_IO);
		}
		if (nother || count > shown)
			pr_warn("%s: namespace %u of VF %u is also attached to controller(s)%s\n",
				p->name, n->namespaces[vf], vf + 1, others);
	}
	return 0;
}

static struct found found;
static struct nvme_plan plan;

int nvme_pf_setup(const struct argon_nvme_config *n, struct nvme_pf_result *out)
{
	struct nvme_plan_ask ask;
	struct sriov_info sr;
	struct pf *p;
	char msg[200];
	int rc;

	if (npfs == ARGON_MAX_NVME)
		return trace_err(-ERR_NOSPC);
	p = &pfs[npfs];
	memset(p, 0, sizeof(*p));
	memset(out, 0, sizeof(*out));
	memset(&found, 0, sizeof(found));
	config_format_pci_addr(p->name, sizeof(p->name), n->pf);
	p->f = pci_find(n->pf.seg, n->pf.rid);
	if (!p->f) {
		pr_err("%s: [nvme.%s] names a PCI function that does not exist\n", p->name,
		       n->name);
		return -ERR_NOENT;
	}
	if (!p->f->ecap_sriov) {
		pr_err("%s: [nvme.%s]: the function has no SR-IOV capability\n", p->name, n->name);
		return -ERR_NOTSUP;
	}
	if (p->f->class_code != PCI_CLASS_NVME) {
		pr_err("%s: [nvme.%s]: class 0x%06x is not an NVMe controller\n", p->name, n->name,
		       p->f->class_code);
		return -ERR_NOTSUP;
	}
	rc = sriov_read(pci_host()->cfg, p->f->seg, p->f->rid, p->f->ecap_sriov, &sr);
	if (rc)
		return trace_err(rc);
	rc = pf_open(p);
	if (rc)
		return rc;
	rc = survey(p, &found);
	if (rc)
		return rc;

	ask = (struct nvme_plan_ask){.pf = p->name,
				     .vfs = n->vfs,
				     .queues_per_vf = n->queues_per_vf,
				     .vectors_per_vf = n->vectors_per_vf,
				     .nsids = n->namespaces,
				     .nnsids = n->nnamespaces};
	rc = nvme_plan_make(&(struct nvme_plan_ctrl){.id = &found.id,
						     .caps = &found.caps,
						     .sec = found.sec,
						     .nsec = found.nsec < NVME_SCL_MAX
								     ? found.nsec
								     : NVME_SCL_MAX,
						     .ns = found.ns,
						     .nns = found.nns,
						     .total_vfs = sr.total_vfs},
			    &ask, &plan, msg, sizeof(msg));
	if (rc) {
		pr_err("%s\n", msg);
		return rc;
	}
	for (unsigned i = 0; i < plan.nsteps; i++) {
		rc = run_step(p, &found, &plan.step[i], &sr);
		if (rc)
			return rc;
	}
	rc = isolate(p, &found, n);
	if (rc)
		return rc;
	rc = verify(p, &found, &plan, n);
	if (rc)
		return rc;

	out->seg = p->f->seg;
	out->rid = p->f->rid;
	out->cntlid = found.id.cntlid;
	out->nvfs = n->vfs;
	for (unsigned i = 0; i < n->vfs; i++) {
		struct nvme_pf_vf *v = &out->vf[i];

		sriov_vf_rid(p->f->rid, sr.offset, sr.stride, i, &v->rid);
		v->scid = plan.scid[i];
		v->nsid = n->namespaces[i];
		v->nvq = (uint16_t)n->queues_per_vf;
		v->nvi = (uint16_t)n->vectors_per_vf;
		pr_info("%s: VF %u is %04x:%02x:%02x.%x, controller %u, %u queues, %u vectors, "
			"namespace %u\n",
			p->name, i + 1, p->f->seg, v->rid >> 8, (v->rid >> 3) & 0x1f, v->rid & 7,
			v->scid, v->nvq, v->nvi, v->nsid);
		rc = sriov_pf_add_vf(p->name, p->f, &sr, i + 1, v->rid);
		if (rc)
			return rc;
	}
	p->result = *out;
	npfs++;
	return 0;
}

/* The PF that drives VF vf, and its entry; NULL if none. */
static struct pf *pf_of(const struct pci_func *vf, const struct nvme_pf_vf **v)
{
	const struct pci_func *pf = pci_vf_pf(vf);

	for (unsigned i = 0; i < npfs; i++)
		if (pfs[i].f == pf && vf->vf_num >= 1 && vf->vf_num <= pfs[i].result.nvfs) {
			*v = &pfs[i].result.vf[vf->vf_num - 1];
			return &pfs[i];
		}
	return NULL;
}

const struct nvme_pf_vf *nvme_pf_vf_info(const struct pci_func *vf)
{
	const struct nvme_pf_vf *v = NULL;

	return vf->is_vf && pf_of(vf, &v) ? v : NULL;
}

int nvme_pf_vf_isolate(const struct pci_func *vf)
{
	const struct nvme_pf_vf *v = NULL;
	struct pf *p = vf->is_vf ? pf_of(vf, &v) : NULL;
	int rc;

	if (!p)
		return -ERR_NOENT;
	spin_lock(&pf_lock);
	rc = isolate_vf(p, vf->vf_num - 1u, v->scid, v->nsid, "before its guest started");
	spin_unlock(&pf_lock);
	return rc;
}

/* VFs whose controllers release_vf took back. */
static bool vf_released[ARGON_MAX_NVME][NVME_MAX_VFS];

/* Offline, then 0 VQ and 0 VI: the controller's resources back with the
 * primary. Under pf_lock. */
static int release_vf(struct pf *p, unsigned vf_num, const struct nvme_pf_vf *v)
{
	static const struct {
		uint8_t act, rt;
		const char *what;
	} steps[] = {
		{NVME_VM_SEC_OFFLINE, 0, "set controller offline"},
		{NVME_VM_SEC_ASSIGN, NVME_RT_VQ, "take back VQ resources of controller"},
		{NVME_VM_SEC_ASSIGN, NVME_RT_VI, "take back VI resources of controller"},
	};
	int rc = 0;

	for (unsigned i = 0; !rc && i < ARRAY_SIZE(steps); i++) {
		struct nvme_sqe e;
		uint16_t code;
		char what[64];

		nvme_cmd_virt_mgmt(&e, steps[i].act, steps[i].rt, v->scid, 0);
		rc = admin(p, &e, NULL, &code);
		if (rc) {
			fmt_snprintf(what, sizeof(what), "%s %u", steps[i].what, v->scid);
			log_failure(p, what, code);
		}
	}
	if (!rc) {
		vf_released[p - pfs][vf_num - 1] = true;
		pr_info("%s: VF %u: controller %u offline, its %u queues and %u vectors back with "
			"the primary\n",
			p->name, vf_num, v->scid, v->nvq, v->nvi);
	}
	return rc;
}

/* ---- work on a VF's controller after boot ----
 *
 * A VF's reset (asked by its guest, or its guest's restart) and its
 * guest's final stop need admin commands on the PF, each polled with a
 * timeout. They do not run in the guest's exit path: the guest holds its
 * PCI lock there, and pf_lock would let one guest's stuck command hold
 * up every other guest's resets. The exit path posts a job; the console
 * CPU runs it (nvme_pf_work) and then tells the poster (done), who keeps
 * the VF from mastering until then, so that the VF carries no I/O to a
 * namespace that is not its own in between. Without a console CPU the
 * poster runs the job itself. */

enum {
	JOB_ISOLATE = 1u << 0, /* strays detached (after a reset) */
	JOB_RELEASE = 1u << 1, /* strays detached, then offline and reclaimed */
	JOB_NOTIFY = 1u << 2,  /* done() still to be told */
};

struct vf_job {
	unsigned want; /* JOB_* */
	nvme_pf_done_fn done;
	void *ctx;
	uint32_t tag;
	int rc;
};

static struct vf_job jobs[ARGON_MAX_NVME][NVME_MAX_VFS];
static struct spinlock job_lock; /* jobs[]; held for a few loads and stores */
static bool worker;		 /* a CPU calls nvme_pf_work */
static bool running;		 /* nvme_pf_work is between taking a job and its end */

void nvme_pf_set_worker(bool present)
{
	worker = present;
}

static int post(const struct pci_func *vf, unsigned want, nvme_pf_done_fn done, void *ctx,
		uint32_t tag)
{
	const struct nvme_pf_vf *v = NULL;
	struct pf *p = vf->is_vf ? pf_of(vf, &v) : NULL;
	struct vf_job *j;
	const char *when = want & JOB_RELEASE ? "at its final stop" : "after its reset";
	int rc;

	if (!p)
		return -ERR_NOENT;
	if (worker) {
		j = &jobs[p - pfs][vf->vf_num - 1u];
		spin_lock(&job_lock);
		j->want |= want;
		if (done) {
			j->done = done;
			j->ctx = ctx;
			j->tag = tag;
		}
		spin_unlock(&job_lock);
		return 1;
	}
	spin_lock(&pf_lock);
	rc = isolate_vf(p, vf->vf_num - 1u, v->scid, v->nsid, when);
	if (!rc && (want & JOB_RELEASE))
		rc = release_vf(p, vf->vf_num, v);
	spin_unlock(&pf_lock);
	return rc;
}

int nvme_pf_vf_isolate_later(const struct pci_func *vf, nvme_pf_done_fn done, void *ctx,
			     uint32_t tag)
{
	return post(vf, JOB_ISOLATE, done, ctx, tag);
}

int nvme_pf_vf_release_later(const struct pci_func *vf)
{
	return post(vf, JOB_RELEASE, NULL, NULL, 0);
}

bool nvme_pf_busy(void)
{
	/* The jobs first: nvme_pf_work sets running before it takes one,
	 * so a job it has taken is seen one way or the other. */
	for (unsigned i = 0; i < npfs; i++)
		for (unsigned vf = 0; vf < pfs[i].result.nvfs; vf++)
			if (__atomic_load_n(&jobs[i][vf].want, __ATOMIC_SEQ_CST))
				return true;
	return __atomic_load_n(&running, __ATOMIC_SEQ_CST);
}

static void run_job(struct pf *p, unsigned vf, struct vf_job *j)
{
	const struct nvme_pf_vf *v = &p->result.vf[vf];
	struct vf_job now;
	bool told;

	spin_lock(&job_lock);
	now = *j;
	j->want &= JOB_NOTIFY; /* what runs now is taken */
	spin_unlock(&job_lock);
	if (now.want & (JOB_ISOLATE | JOB_RELEASE)) {
		int rc;

		spin_lock(&pf_lock);
		rc = isolate_vf(p, vf, v->scid, v->nsid,
				now.want & JOB_RELEASE ? "at its final stop" : "after its reset");
		if (!rc && (now.want & JOB_RELEASE))
			rc = release_vf(p, vf + 1, v);
		spin_unlock(&pf_lock);
		spin_lock(&job_lock);
		if (j->done) {
			j->rc = rc;
			j->want |= JOB_NOTIFY;
		}
		spin_unlock(&job_lock);
	}
	spin_lock(&job_lock);
	/* Told only once nothing newer waits to run first. */
	if (j->want != JOB_NOTIFY) {
		spin_unlock(&job_lock);
		return;
	}
	now = *j;
	spin_unlock(&job_lock);
	/* The poster takes its own lock there, and may find it held: then
	 * again at the next call. */
	told = now.done(now.ctx, now.tag, now.rc);
	spin_lock(&job_lock);
	if (told && j->want == JOB_NOTIFY && j->tag == now.tag)
		j->want = 0;
	spin_unlock(&job_lock);
}

void nvme_pf_work(void)
{
	__atomic_store_n(&running, true, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < npfs; i++)
		for (unsigned vf = 0; vf < pfs[i].result.nvfs; vf++)
			if (__atomic_load_n(&jobs[i][vf].want, __ATOMIC_SEQ_CST))
				run_job(&pfs[i], vf, &jobs[i][vf]);
	__atomic_store_n(&running, false, __ATOMIC_SEQ_CST);
}

/* ---- when argon goes down ---- */

#define SHUTDOWN_TIMEOUT_US 10000000u

/* CC.SHN normal shutdown, CSTS.SHST complete within 10 s, then CC.EN 0:
 * the controller writes back what it caches, as before any power-off. */
static int ctrl_shutdown(struct pf *p)
{
	uint32_t cc = rd32(p, NVME_REG_CC);

	wr32(p, NVME_REG_CC, (cc & ~NVME_CC_SHN_MASK) | NVME_CC_SHN_NORMAL);
	for (uint64_t waited = 0;; waited += POLL_US * 100) {
		uint32_t csts = rd32(p, NVME_REG_CSTS);

		if (csts != 0xffffffffu && (csts & NVME_CSTS_SHST_MASK) == NVME_CSTS_SHST_DONE)
			break;
		if (csts == 0xffffffffu || waited >= SHUTDOWN_TIMEOUT_US) {
			pr_err("%s: shutdown not complete after %u ms (CSTS 0x%x)\n", p->name,
			       SHUTDOWN_TIMEOUT_US / 1000, csts);
			return trace_err(-ERR_IO);
		}
		udelay(POLL_US * 100);
	}
	return ctrl_disable(p);
}

void nvme_pf_shutdown(void)
{
	for (unsigned i = 0; i < npfs; i++) {
		struct pf *p = &pfs[i];
		struct sriov_enable_req req;
		unsigned left = 0;
		uint32_t cmd;
		int rc = 0;

		sriov_pf_enable_req(p->f, 0, &req);
		spin_lock(&pf_lock);
		/* VFs no guest took, or whose guest did not end: their
		 * controllers offline as after a guest's final stop. */
		for (unsigned vf = 0; vf < p->result.nvfs; vf++)
			if (!vf_released[i][vf]) {
				left++;
				if (!rc)
					rc = release_vf(p, vf + 1, &p->result.vf[vf]);
			}
		if (!rc)
			rc = ctrl_shutdown(p);
		sriov_disable(pci_host()->cfg, &req);
		cmd = pci_read(p->f, PCI_COMMAND, 2);
		pci_write(p->f, PCI_COMMAND, 2, cmd & ~PCI_COMMAND_MASTER);
		spin_unlock(&pf_lock);
		if (!rc)
			pr_info("%s: shut down: %u VF controller(s) released now, every secondary "
				"controller offline, the primary shut down, VFs disabled\n",
				p->name, left);
		else
			pr_err("%s: VFs disabled, but the controller was not shut down cleanly\n",
			       p->name);
	}
}
