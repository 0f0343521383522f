#include "nvme/nvme_plan.h"

#include <stdarg.h>

#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/string.h"

static int fail(char *msg, size_t size, int err, const char *pf, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail(char *msg, size_t size, int err, const char *pf, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!msg || !size)
		return err;
	n = fmt_snprintf(msg, size, "%s: ", pf);
	if (n >= 0 && (size_t)n < size) {
		va_start(ap, fmt);
		fmt_vsnprintf(msg + n, size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return err;
}

static void add(struct nvme_plan *p, struct nvme_step s)
{
	/* NVME_PLAN_MAX_STEPS bounds what the checks below let through. */
	if (p->nsteps < NVME_PLAN_MAX_STEPS)
		p->step[p->nsteps++] = s;
}

static void virt(struct nvme_plan *p, uint8_t act, uint8_t rt, uint16_t cntlid, uint16_t nr)
{
	add(p,
	    (struct nvme_step){
		    .kind = NVME_STEP_VIRT_MGMT, .act = act, .rt = rt, .cntlid = cntlid, .nr = nr});
}

static const struct nvme_sec_ctrl *sec_of_vf(const struct nvme_plan_ctrl *c, unsigned vf)
{
	for (unsigned i = 0; i < c->nsec; i++)
		if (c->sec[i].vfn == vf)
			return &c->sec[i];
	return NULL;
}

static bool has_ns(const struct nvme_plan_ctrl *c, uint32_t nsid)
{
	for (unsigned i = 0; i < c->nns; i++)
		if (c->ns[i] == nsid)
			return true;
	return false;
}

/* The capabilities and amounts, checked before any step is written. */
static int check(const struct nvme_plan_ctrl *c, const struct nvme_plan_ask *a, char *msg,
		 size_t size)
{
	const struct nvme_pri_caps *k = c->caps;
	uint64_t vq = (uint64_t)a->vfs * a->queues_per_vf;
	uint64_t vi = (uint64_t)a->vfs * a->vectors_per_vf;
	const char *pf = a->pf;

	if (!a->vfs || a->vfs > NVME_MAX_VFS)
		return fail(msg, size, -ERR_INVAL, pf, "asks %u VFs (1-%u)", a->vfs, NVME_MAX_VFS);
	if (a->queues_per_vf < 2)
		return fail(
			msg, size, -ERR_INVAL, pf,
			"asks %u queues per VF, a VF needs 2 at least (admin and one I/O queue)",
			a->queues_per_vf);
	if (a->vectors_per_vf < 1)
		return fail(msg, size, -ERR_INVAL, pf, "asks 0 vectors per VF, a VF needs 1");
	if (a->nnsids != a->vfs)
		return fail(msg, size, -ERR_INVAL, pf, "names %u namespaces for %u VFs", a->nnsids,
			    a->vfs);
	if (!(c->id->oacs & NVME_OACS_VIRT_MGMT))
		return fail(msg, size, -ERR_NOTSUP, pf,
			    "the controller does not offer Virtualization Management (OACS bit 7)");
	if (!(c->id->oacs & NVME_OACS_NS_MGMT))
		return fail(msg, size, -ERR_NOTSUP, pf,
			    "the controller does not offer Namespace Management and Attachment "
			    "(OACS bit 3)");
	if (!(k->crt & NVME_CRT_VQ))
		return fail(msg, size, -ERR_NOTSUP, pf,
			    "the controller has no flexible queue resources (CRT bit 0)");
	if (!(k->crt & NVME_CRT_VI))
		return fail(msg, size, -ERR_NOTSUP, pf,
			    "the controller has no flexible interrupt resources (CRT bit 1)");
	if (a->vfs > c->total_vfs)
		return fail(msg, size, -ERR_RANGE, pf,
			    "asks %u VFs, the function offers %u (TotalVFs)", a->vfs, c->total_vfs);
	if (a->vfs > c->nsec)
		return fail(msg, size, -ERR_RANGE, pf,
			    "asks %u VFs, the controller has %u secondary controllers", a->vfs,
			    c->nsec);
	for (unsigned vf = 1; vf <= a->vfs; vf++)
		if (!sec_of_vf(c, vf))
			return fail(msg, size, -ERR_NOTSUP, pf,
				    "no secondary controller serves VF %u", vf);
	if (a->queues_per_vf > k->vqfrsm)
		return fail(msg, size, -ERR_RANGE, pf,
			    "asks %u queues per VF, a secondary controller takes %u at most "
			    "(VQFRSM)",
			    a->queues_per_vf, k->vqfrsm);
	if (a->vectors_per_vf > k->vifrsm)
		return fail(msg, size, -ERR_RANGE, pf,
			    "asks %u vectors per VF, a secondary controller takes %u at most "
			    "(VIFRSM)",
			    a->vectors_per_vf, k->vifrsm);
	if (vq > k->vqfrt)
		return fail(msg, size, -ERR_RANGE, pf,
			    "asks %u VFs x %u queues = %llu flexible queue resources, the "
			    "controller offers %u (VQFRT)",
			    a->vfs, a->queues_per_vf, (unsigned long long)vq, k->vqfrt);
	if (vi > k->vifrt)
		return fail(msg, size, -ERR_RANGE, pf,
			    "asks %u VFs x %u vectors = %llu flexible interrupt resources, the "
			    "controller offers %u (VIFRT)",
			    a->vfs, a->vectors_per_vf, (unsigned long long)vi, k->vifrt);
	for (unsigned i = 0; i < a->nnsids; i++)
		if (!has_ns(c, a->nsids[i]))
			return fail(msg, size, -ERR_RANGE, pf,
				    "namespace %u (for VF %u) does not exist on the controller",
				    a->nsids[i], i + 1);
	return 0;
}

int nvme_plan_make(const struct nvme_plan_ctrl *c, const struct nvme_plan_ask *a,
		   struct nvme_plan *p, char *msg, size_t msgsize)
{
	const struct nvme_pri_caps *k = c->caps;
	uint16_t primary = c->id->cntlid;
	bool give_vq, give_vi;
	int rc;

	memset(p, 0, sizeof(*p));
	if (msg && msgsize)
		msg[0] = '\0';
	rc = check(c, a, msg, msgsize);
	if (rc)
		return rc;

	/* Resources can only be assigned to an offline secondary. */
	for (unsigned i = 0; i < c->nsec; i++)
		if (c->sec[i].online)
			virt(p, NVME_VM_SEC_OFFLINE, 0, c->sec[i].scid, 0);

	/* Every secondary's assignment is rewritten or reclaimed below, so
	 * the pool is what the primary does not hold. A primary's new
	 * allocation takes effect at its next function-level reset only. */
	give_vq = k->vqrfap && (k->vqrfap > k->vqfrt ||
				(uint64_t)a->vfs * a->queues_per_vf > k->vqfrt - k->vqrfap);
	give_vi = k->virfap && (k->virfap > k->vifrt ||
				(uint64_t)a->vfs * a->vectors_per_vf > k->vifrt - k->virfap);
	if (give_vq)
		virt(p, NVME_VM_PRIMARY_ALLOC, NVME_RT_VQ, primary, 0);
	if (give_vi)
		virt(p, NVME_VM_PRIMARY_ALLOC, NVME_RT_VI, primary, 0);
	if (give_vq || give_vi) {
		add(p, (struct nvme_step){.kind = NVME_STEP_PF_RESET});
		p->pf_reset = true;
	}

	for (unsigned i = 0; i < c->nsec; i++) {
		const struct nvme_sec_ctrl *s = &c->sec[i];

		if (s->vfn >= 1 && s->vfn <= a->vfs)
			continue;
		if (s->nvq)
			virt(p, NVME_VM_SEC_ASSIGN, NVME_RT_VQ, s->scid, 0);
		if (s->nvi)
			virt(p, NVME_VM_SEC_ASSIGN, NVME_RT_VI, s->scid, 0);
	}

	add(p, (struct nvme_step){.kind = NVME_STEP_ENABLE_VFS, .nr = (uint16_t)a->vfs});

	for (unsigned vf = 1; vf <= a->vfs; vf++) {
		uint16_t scid = sec_of_vf(c, vf)->scid;

		p->scid[vf - 1] = scid;
		virt(p, NVME_VM_SEC_ASSIGN, NVME_RT_VQ, scid, (uint16_t)a->queues_per_vf);
		virt(p, NVME_VM_SEC_ASSIGN, NVME_RT_VI, scid, (uint16_t)a->vectors_per_vf);
		virt(p, NVME_VM_SEC_ONLINE, 0, scid, 0);
	}
	for (unsigned vf = 1; vf <= a->vfs; vf++)
		add(p, (struct nvme_step){.kind = NVME_STEP_NS_ATTACH,
					  .cntlid = p->scid[vf - 1],
					  .nsid = a->nsids[vf - 1]});
	return 0;
}

unsigned nvme_ns_strays(uint32_t nsid, const uint16_t *ids, unsigned n,
			const struct nvme_sec_ctrl *sec, unsigned nsec, const uint32_t *nsids,
			unsigned nvfs, uint16_t *out, unsigned max)
{
	unsigned count = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct nvme_sec_ctrl *s = NULL;

		for (unsigned j = 0; j < nsec; j++)
			if (sec[j].scid == ids[i])
				s = &sec[j];
		if (!s)
			continue; /* the primary, or another primary's */
		if (s->vfn >= 1 && s->vfn <= nvfs && nsids[s->vfn - 1] == nsid)
			continue; /* the VF argon gives this namespace */
		if (count < max)
			out[count++] = ids[i];
	}
	return count;
}

int nvme_step_fmt(char *buf, size_t size, const struct nvme_step *s)
{
	const char *rt = s->rt == NVME_RT_VQ ? "VQ" : "VI";

	switch (s->kind) {
	case NVME_STEP_PF_RESET:
		return fmt_snprintf(buf, size, "function-level reset of the PF");
	case NVME_STEP_ENABLE_VFS:
		return fmt_snprintf(buf, size, "enable %u VFs", s->nr);
	case NVME_STEP_NS_ATTACH:
		return fmt_snprintf(buf, size, "attach namespace %u to controller %u", s->nsid,
				    s->cntlid);
	case NVME_STEP_VIRT_MGMT:
		break;
	}
	switch (s->act) {
	case NVME_VM_PRIMARY_ALLOC:
		return fmt_snprintf(buf, size, "allocate %s %u to primary controller %u", rt, s->nr,
				    s->cntlid);
	case NVME_VM_SEC_OFFLINE:
		return fmt_snprintf(buf, size, "set controller %u offline", s->cntlid);
	case NVME_VM_SEC_ASSIGN:
		return fmt_snprintf(buf, size, "assign %s %u to controller %u", rt, s->nr,
				    s->cntlid);
	case NVME_VM_SEC_ONLINE:
		return fmt_snprintf(buf, size, "set controller %u online", s->cntlid);
	default:
		return fmt_snprintf(buf, size, "virtualization management action %u", s->act);
	}
}
