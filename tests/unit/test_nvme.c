/* NVMe admin command building, Identify parsing, status decoding and the
 * secondary controller planner. The controller numbers are those QEMU
 * 10.0.13 reports at power-on for the rig's NVMe PF (sriov_max_vfs=2,
 * sriov_vq_flexible=8, sriov_vi_flexible=4, max_ioqpairs=12,
 * msix_qsize=9): primary controller 0, secondary controllers 1 and 2 for
 * VFs 1 and 2, offline, nothing assigned. */
#include <stdint.h>

#include "lib/err.h"
#include "nvme/nvme_cmd.h"
#include "nvme/nvme_plan.h"
#include "tests/unit/check.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void test_builders(void)
{
	struct nvme_sqe e;
	uint8_t list[NVME_ID_SIZE];
	const uint16_t ids[] = {1, 0x1234};

	memset(&e, 0xa5, sizeof(e));
	nvme_cmd_virt_mgmt(&e, NVME_VM_SEC_ASSIGN, NVME_RT_VI, 1, 2);
	nvme_sqe_set_cid(&e, 7);
	CHECK_EQ(e.cdw0, 0x0007001c);
	CHECK_EQ(e.cdw10, 0x00010108);
	CHECK_EQ(e.cdw11, 2);
	CHECK_EQ(e.nsid, 0);
	CHECK_EQ(e.prp1, 0);
	CHECK_EQ(e.cdw12, 0);
	CHECK_EQ(nvme_sqe_opcode(&e), NVME_ADM_VIRT_MGMT);

	nvme_cmd_virt_mgmt(&e, NVME_VM_PRIMARY_ALLOC, NVME_RT_VQ, 0x41, 0);
	CHECK_EQ(e.cdw10, 0x00410001);
	CHECK_EQ(e.cdw11, 0);

	nvme_cmd_identify(&e, NVME_CNS_SEC_LIST, 1, 0, 0x123000);
	CHECK_EQ(e.cdw0, NVME_ADM_IDENTIFY);
	CHECK_EQ(e.cdw10, 0x00010015);
	CHECK_EQ(e.prp1, 0x123000);
	nvme_cmd_identify(&e, NVME_CNS_ACTIVE_NS, 0, 0, 0x5000);
	CHECK_EQ(e.cdw10, 0x00000002);
	nvme_cmd_identify(&e, NVME_CNS_PRI_CAPS, 0, 0, 0x5000);
	CHECK_EQ(e.cdw10, 0x14);

	nvme_cmd_ns_attach(&e, 2, NVME_NS_ATTACH_SEL_ATTACH, 0x6000);
	CHECK_EQ(e.cdw0, 0x15);
	CHECK_EQ(e.nsid, 2);
	CHECK_EQ(e.cdw10, 0);
	CHECK_EQ(e.prp1, 0x6000);
	nvme_cmd_ns_attach(&e, 2, NVME_NS_ATTACH_SEL_DETACH, 0x6000);
	CHECK_EQ(e.cdw10, 1);

	memset(list, 0xff, sizeof(list));
	CHECK_EQ(nvme_ctrl_list_build(list, ids, 2), 0);
	CHECK_EQ(list[0], 2);
	CHECK_EQ(list[1], 0);
	CHECK_EQ(list[2], 1);
	CHECK_EQ(list[3], 0);
	CHECK_EQ(list[4], 0x34);
	CHECK_EQ(list[5], 0x12);
	CHECK_EQ(list[6], 0);
	CHECK_EQ(list[4095], 0);
	CHECK_EQ(nvme_ctrl_list_build(list, ids, 2048), -ERR_RANGE);
	{
		uint16_t back[4] = {0};

		CHECK_EQ(nvme_parse_ctrl_list(list, back, 4), 2);
		CHECK_EQ(back[0], 1);
		CHECK_EQ(back[1], 0x1234);
		list[0] = 0xff;
		list[1] = 0xff;
		CHECK_EQ(nvme_parse_ctrl_list(list, back, 1), 2047);
	}
}

static uint8_t idbuf[NVME_ID_SIZE];

static void test_parse_id_ctrl(void)
{
	struct nvme_id_ctrl c;

	memset(idbuf, 0, sizeof(idbuf));
	put16(idbuf + 0, 0x1b36);
	memcpy(idbuf + 4, "deadbeef            ", 20);
	memcpy(idbuf + 24, "QEMU NVMe Ctrl                          ", 40);
	memcpy(idbuf + 64, "10.0.13 ", 8);
	idbuf[76] = 0x2;
	idbuf[77] = 7;
	put16(idbuf + 78, 0);
	put32(idbuf + 80, 0x00020000);
	put16(idbuf + 256, 0x008a); /* Format NVM, NS management, Virtualization Management */
	put32(idbuf + 516, 256);
	nvme_parse_id_ctrl(idbuf, &c);
	CHECK_EQ(c.vid, 0x1b36);
	CHECK_STR(c.sn, "deadbeef");
	CHECK_STR(c.mn, "QEMU NVMe Ctrl");
	CHECK_STR(c.fr, "10.0.13");
	CHECK_EQ(c.cmic, 2);
	CHECK_EQ(c.mdts, 7);
	CHECK_EQ(c.cntlid, 0);
	CHECK_EQ(c.ver, 0x00020000);
	CHECK(c.oacs & NVME_OACS_VIRT_MGMT);
	CHECK(c.oacs & NVME_OACS_NS_MGMT);
	CHECK_EQ(c.nn, 256);
	put16(idbuf + 78, 0x0102);
	nvme_parse_id_ctrl(idbuf, &c);
	CHECK_EQ(c.cntlid, 0x0102);
}

/* Identify CNS 14h of the rig's controller at power-on. */
static void make_pri_caps(uint8_t *b)
{
	memset(b, 0, NVME_ID_SIZE);
	put16(b + 0, 0);
	b[4] = NVME_CRT_VQ | NVME_CRT_VI;
	put32(b + 32, 8); /* vqfrt */
	put32(b + 36, 0); /* vqrfa */
	put16(b + 40, 0); /* vqrfap */
	put16(b + 42, 5); /* vqprt */
	put16(b + 44, 4); /* vqfrsm */
	put16(b + 46, 1); /* vqgran */
	put32(b + 64, 4); /* vifrt */
	put32(b + 68, 0);
	put16(b + 72, 0);
	put16(b + 74, 5); /* viprt */
	put16(b + 76, 2); /* vifrsm */
	put16(b + 78, 1);
}

static void test_parse_caps_and_lists(void)
{
	struct nvme_sec_ctrl sec[4];
	struct nvme_pri_caps k;
	uint32_t ns[4];

	make_pri_caps(idbuf);
	put16(idbuf + 40, 3); /* vqrfap, to see that it is read */
	nvme_parse_pri_caps(idbuf, &k);
	CHECK_EQ(k.crt, 3);
	CHECK_EQ(k.vqfrt, 8);
	CHECK_EQ(k.vqrfa, 0);
	CHECK_EQ(k.vqrfap, 3);
	CHECK_EQ(k.vqprt, 5);
	CHECK_EQ(k.vqfrsm, 4);
	CHECK_EQ(k.vqgran, 1);
	CHECK_EQ(k.vifrt, 4);
	CHECK_EQ(k.viprt, 5);
	CHECK_EQ(k.vifrsm, 2);

	memset(idbuf, 0, sizeof(idbuf));
	idbuf[0] = 2;
	put16(idbuf + 32 + 0, 1);
	put16(idbuf + 32 + 8, 1);
	put16(idbuf + 64 + 0, 2);
	idbuf[64 + 4] = 1;
	put16(idbuf + 64 + 8, 2);
	put16(idbuf + 64 + 10, 3);
	put16(idbuf + 64 + 12, 2);
	CHECK_EQ(nvme_parse_sec_list(idbuf, sec, 4), 2);
	CHECK_EQ(sec[0].scid, 1);
	CHECK_EQ(sec[0].pcid, 0);
	CHECK(!sec[0].online);
	CHECK_EQ(sec[0].vfn, 1);
	CHECK_EQ(sec[1].scid, 2);
	CHECK(sec[1].online);
	CHECK_EQ(sec[1].vfn, 2);
	CHECK_EQ(sec[1].nvq, 3);
	CHECK_EQ(sec[1].nvi, 2);
	/* More entries than the caller's room: counted, not stored. */
	CHECK_EQ(nvme_parse_sec_list(idbuf, sec, 1), 2);
	idbuf[0] = 200;
	CHECK_EQ(nvme_parse_sec_list(idbuf, sec, 0), NVME_SCL_MAX);

	memset(idbuf, 0, sizeof(idbuf));
	put32(idbuf + 0, 1);
	put32(idbuf + 4, 2);
	put32(idbuf + 8, 7);
	CHECK_EQ(nvme_parse_ns_list(idbuf, ns, 4), 3);
	CHECK_EQ(ns[2], 7);
	CHECK_EQ(nvme_parse_ns_list(idbuf, ns, 1), 3);
}

static void test_status(void)
{
	char buf[96];

	/* A completion's status field: DNR, SCT 1, SC 1Fh, phase 1. */
	CHECK_EQ(nvme_status_code(0x8000 | 1 << 9 | 0x1f << 1 | 1), NVME_SC_INVALID_CTRL_ID);
	nvme_status_fmt(buf, sizeof(buf), NVME_SC_INVALID_CTRL_ID);
	CHECK_STR(buf, "Invalid Controller Identifier (SCT 1h SC 1Fh)");
	nvme_status_fmt(buf, sizeof(buf), NVME_SC_INVALID_NUM_RES);
	CHECK_STR(buf, "Invalid Number of Controller Resources (SCT 1h SC 21h)");
	nvme_status_fmt(buf, sizeof(buf), NVME_SC_CTRL_LIST_INVALID);
	CHECK_STR(buf, "Controller List Invalid (SCT 1h SC 1Ch)");
	nvme_status_fmt(buf, sizeof(buf), NVME_SC_NS_ALREADY_ATTACHED);
	CHECK_STR(buf, "Namespace Already Attached (SCT 1h SC 18h)");
	nvme_status_fmt(buf, sizeof(buf), NVME_SC_INVALID_SEC_STATE);
	CHECK_STR(buf, "Invalid Secondary Controller State (SCT 1h SC 20h)");
	nvme_status_fmt(buf, sizeof(buf), NVME_SC_INVALID_FIELD);
	CHECK_STR(buf, "Invalid Field in Command (SCT 0h SC 02h)");
	nvme_status_fmt(buf, sizeof(buf), 0x281);
	CHECK_STR(buf, "media or data integrity status (SCT 2h SC 81h)");
	nvme_status_fmt(buf, sizeof(buf), 0x7c0);
	CHECK_STR(buf, "vendor specific status (SCT 7h SC C0h)");
	CHECK(nvme_status_name(0x1ff) == NULL);
}

/* ---- the planner ---- */

struct rig {
	struct nvme_id_ctrl id;
	struct nvme_pri_caps caps;
	struct nvme_sec_ctrl sec[4];
	uint32_t ns[4];
	struct nvme_plan_ctrl c;
	uint32_t want_ns[4];
	struct nvme_plan_ask a;
};

static void rig_init(struct rig *r)
{
	uint8_t b[NVME_ID_SIZE];

	memset(r, 0, sizeof(*r));
	r->id.cntlid = 0;
	r->id.oacs = NVME_OACS_VIRT_MGMT | NVME_OACS_NS_MGMT;
	make_pri_caps(b);
	nvme_parse_pri_caps(b, &r->caps);
	r->sec[0] = (struct nvme_sec_ctrl){.scid = 1, .pcid = 0, .vfn = 1};
	r->sec[1] = (struct nvme_sec_ctrl){.scid = 2, .pcid = 0, .vfn = 2};
	r->ns[0] = 1;
	r->ns[1] = 2;
	r->c = (struct nvme_plan_ctrl){.id = &r->id,
				       .caps = &r->caps,
				       .sec = r->sec,
				       .nsec = 2,
				       .ns = r->ns,
				       .nns = 2,
				       .total_vfs = 2};
	r->want_ns[0] = 1;
	r->want_ns[1] = 2;
	r->a = (struct nvme_plan_ask){.pf = "0000:00:03.0",
				      .vfs = 2,
				      .queues_per_vf = 4,
				      .vectors_per_vf = 2,
				      .nsids = r->want_ns,
				      .nnsids = 2};
}

static struct nvme_plan plan;

/* Checks the plan's steps against want[], one formatted step each. */
static void check_steps(const char *const *want, unsigned n)
{
	char buf[96];

	CHECK_EQ(plan.nsteps, n);
	for (unsigned i = 0; i < n && i < plan.nsteps; i++) {
		nvme_step_fmt(buf, sizeof(buf), &plan.step[i]);
		CHECK_STR(buf, want[i]);
	}
}

static void test_plan_rig(void)
{
	static const char *const want[] = {
		"enable 2 VFs",
		"assign VQ 4 to controller 1",
		"assign VI 2 to controller 1",
		"set controller 1 online",
		"assign VQ 4 to controller 2",
		"assign VI 2 to controller 2",
		"set controller 2 online",
		"attach namespace 1 to controller 1",
		"attach namespace 2 to controller 2",
	};
	struct rig r;
	char msg[160];

	rig_init(&r);
	CHECK_EQ(nvme_plan_make(&r.c, &r.a, &plan, msg, sizeof(msg)), 0);
	CHECK_STR(msg, "");
	check_steps(want, sizeof(want) / sizeof(want[0]));
	CHECK(!plan.pf_reset);
	CHECK_EQ(plan.scid[0], 1);
	CHECK_EQ(plan.scid[1], 2);
	/* The steps carry what the commands need. */
	CHECK_EQ(plan.step[1].kind, NVME_STEP_VIRT_MGMT);
	CHECK_EQ(plan.step[1].act, NVME_VM_SEC_ASSIGN);
	CHECK_EQ(plan.step[1].rt, NVME_RT_VQ);
	CHECK_EQ(plan.step[1].cntlid, 1);
	CHECK_EQ(plan.step[1].nr, 4);
	CHECK_EQ(plan.step[8].kind, NVME_STEP_NS_ATTACH);
	CHECK_EQ(plan.step[8].nsid, 2);
	CHECK_EQ(plan.step[8].cntlid, 2);
}

/* Secondary ids that are not VF numbers, listed out of order. */
static void test_plan_scid_mapping(void)
{
	struct rig r;

	rig_init(&r);
	r.sec[0] = (struct nvme_sec_ctrl){.scid = 0x42, .vfn = 2};
	r.sec[1] = (struct nvme_sec_ctrl){.scid = 0x41, .vfn = 1};
	r.a.vfs = 1;
	r.a.nnsids = 1;
	r.want_ns[0] = 2;
	CHECK_EQ(nvme_plan_make(&r.c, &r.a, &plan, NULL, 0), 0);
	CHECK_EQ(plan.scid[0], 0x41);
	CHECK_EQ(plan.step[plan.nsteps - 1].cntlid, 0x41);
	CHECK_EQ(plan.step[plan.nsteps - 1].nsid, 2);
}

/* A controller whose primary starts with flexible queues: they are given
 * up and the PF reset before the VFs are enabled. */
static void test_plan_primary_holds(void)
{
	static const char *const want[] = {
		"allocate VQ 0 to primary controller 0",
		"function-level reset of the PF",
		"enable 2 VFs",
		"assign VQ 4 to controller 1",
		"assign VI 2 to controller 1",
		"set controller 1 online",
		"assign VQ 4 to controller 2",
		"assign VI 2 to controller 2",
		"set controller 2 online",
		"attach namespace 1 to controller 1",
		"attach namespace 2 to controller 2",
	};
	struct rig r;

	rig_init(&r);
	r.caps.vqrfap = 4;
	CHECK_EQ(nvme_plan_make(&r.c, &r.a, &plan, NULL, 0), 0);
	check_steps(want, sizeof(want) / sizeof(want[0]));
	CHECK(plan.pf_reset);

	/* Enough left without them: the primary keeps its share, no reset. */
	r.caps.vqfrt = 12;
	r.caps.vqrfap = 4;
	CHECK_EQ(nvme_plan_make(&r.c, &r.a, &plan, NULL, 0), 0);
	CHECK(!plan.pf_reset);
	CHECK_EQ(plan.step[0].kind, NVME_STEP_ENABLE_VFS);

	/* Both kinds held and needed. */
	rig_init(&r);
	r.caps.vqrfap = 1;
	r.caps.virfap = 1;
	CHECK_EQ(nvme_plan_make(&r.c, &r.a, &plan, NULL, 0), 0);
	CHECK_EQ(plan.step[0].act, NVME_VM_PRIMARY_ALLOC);
	CHECK_EQ(plan.step[0].rt, NVME_RT_VQ);
	CHECK_EQ(plan.step[1].act, NVME_VM_PRIMARY_ALLOC);
	CHECK_EQ(plan.step[1].rt, NVME_RT_VI);
	CHECK_EQ(plan.step[2].kind, NVME_STEP_PF_RESET);
}

/* Left over from an earlier owner: controller 2 online with resources,
 * controller 3 (a VF the config no longer uses) holding some. */
static void test_plan_leftovers(void)
{
	static const char *const full[] = {
		"set controller 2 offline",
		"set controller 3 offline",
		"assign VQ 0 to controller 3",
		"assign VI 0 to controller 3",
		"enable 2 VFs",
		"assign VQ 2 to controller 1",
		"assign VI 1 to controller 1",
		"set controller 1 online",
		"assign VQ 2 to controller 2",
		"assign VI 1 to controller 2",
		"set controller 2 online",
		"attach namespace 1 to controller 1",
		"attach namespace 2 to controller 2",
	};
	struct rig r;

	rig_init(&r);
	r.sec[1].online = true;
	r.sec[1].nvq = 3;
	r.sec[1].nvi = 2;
	r.sec[2] = (struct nvme_sec_ctrl){.scid = 3, .vfn = 3, .online = true, .nvq = 2, .nvi = 1};
	r.c.nsec = 3;
	r.c.total_vfs = 3;
	r.a.queues_per_vf = 2;
	r.a.vectors_per_vf = 1;
	CHECK_EQ(nvme_plan_make(&r.c, &r.a, &plan, NULL, 0), 0);
	check_steps(full, sizeof(full) / sizeof(full[0]));
}

/* Which controllers argon detaches from a namespace at setup: the
 * secondaries of the primary but the VF given it, those past vfs
 * included; the primary and controllers the primary does not list stay. */
static void test_ns_strays(void)
{
	static const struct nvme_sec_ctrl sec[] = {
		{.scid = 1, .vfn = 1}, {.scid = 2, .vfn = 2}, {.scid = 5, .vfn = 3}};
	static const uint32_t nsids[] = {1, 2};
	uint16_t out[8];

	/* Namespace 2 on the primary (0), VF 1 (1), VF 2 (2), the unused
	 * VF 3 (5) and another primary's controller (9). */
	{
		static const uint16_t ids[] = {0, 1, 2, 5, 9};

		CHECK_EQ(nvme_ns_strays(2, ids, 5, sec, 3, nsids, 2, out, 8), 2);
		CHECK_EQ(out[0], 1);
		CHECK_EQ(out[1], 5);
	}
	/* With one VF configured, namespace 2 belongs to no VF: every
	 * secondary goes, VF 2's too. */
	{
		static const uint16_t ids[] = {2, 5};

		CHECK_EQ(nvme_ns_strays(2, ids, 2, sec, 3, nsids, 1, out, 8), 2);
		CHECK_EQ(out[0], 2);
		CHECK_EQ(out[1], 5);
	}
	/* Attached where it belongs: nothing to do. */
	{
		static const uint16_t ids[] = {0, 1};

		CHECK_EQ(nvme_ns_strays(1, ids, 2, sec, 3, nsids, 2, out, 8), 0);
	}
	/* No more than max. */
	{
		static const uint16_t ids[] = {1, 2, 5};

		CHECK_EQ(nvme_ns_strays(7, ids, 3, sec, 3, nsids, 2, out, 2), 2);
	}
}

static void expect_error(struct rig *r, int err, const char *text)
{
	char msg[200];

	CHECK_EQ(nvme_plan_make(&r->c, &r->a, &plan, msg, sizeof(msg)), err);
	CHECK_STR(msg, text);
}

static void test_plan_errors(void)
{
	struct rig r;

	rig_init(&r);
	r.caps.vqfrt = 6;
	expect_error(&r, -ERR_RANGE,
		     "0000:00:03.0: asks 2 VFs x 4 queues = 8 flexible queue resources, the "
		     "controller offers 6 (VQFRT)");
	rig_init(&r);
	r.caps.vifrt = 3;
	expect_error(&r, -ERR_RANGE,
		     "0000:00:03.0: asks 2 VFs x 2 vectors = 4 flexible interrupt resources, the "
		     "controller offers 3 (VIFRT)");
	rig_init(&r);
	r.a.queues_per_vf = 5;
	expect_error(&r, -ERR_RANGE,
		     "0000:00:03.0: asks 5 queues per VF, a secondary controller takes 4 at most "
		     "(VQFRSM)");
	rig_init(&r);
	r.a.vectors_per_vf = 3;
	expect_error(&r, -ERR_RANGE,
		     "0000:00:03.0: asks 3 vectors per VF, a secondary controller takes 2 at most "
		     "(VIFRSM)");
	rig_init(&r);
	r.a.vfs = 3;
	r.want_ns[2] = 1;
	r.a.nnsids = 3;
	expect_error(&r, -ERR_RANGE, "0000:00:03.0: asks 3 VFs, the function offers 2 (TotalVFs)");
	r.c.total_vfs = 4;
	expect_error(&r, -ERR_RANGE,
		     "0000:00:03.0: asks 3 VFs, the controller has 2 secondary controllers");
	rig_init(&r);
	r.sec[1].vfn = 5;
	expect_error(&r, -ERR_NOTSUP, "0000:00:03.0: no secondary controller serves VF 2");
	rig_init(&r);
	r.want_ns[1] = 3;
	expect_error(&r, -ERR_RANGE,
		     "0000:00:03.0: namespace 3 (for VF 2) does not exist on the controller");
	rig_init(&r);
	r.a.nnsids = 1;
	expect_error(&r, -ERR_INVAL, "0000:00:03.0: names 1 namespaces for 2 VFs");
	rig_init(&r);
	r.id.oacs = NVME_OACS_NS_MGMT;
	expect_error(&r, -ERR_NOTSUP,
		     "0000:00:03.0: the controller does not offer Virtualization Management "
		     "(OACS bit 7)");
	rig_init(&r);
	r.id.oacs = NVME_OACS_VIRT_MGMT;
	expect_error(&r, -ERR_NOTSUP,
		     "0000:00:03.0: the controller does not offer Namespace Management and "
		     "Attachment (OACS bit 3)");
	rig_init(&r);
	r.caps.crt = NVME_CRT_VQ;
	expect_error(
		&r, -ERR_NOTSUP,
		"0000:00:03.0: the controller has no flexible interrupt resources (CRT bit 1)");
	rig_init(&r);
	r.a.queues_per_vf = 1;
	expect_error(&r, -ERR_INVAL,
		     "0000:00:03.0: asks 1 queues per VF, a VF needs 2 at least (admin and one I/O "
		     "queue)");
	rig_init(&r);
	r.a.vectors_per_vf = 0;
	expect_error(&r, -ERR_INVAL, "0000:00:03.0: asks 0 vectors per VF, a VF needs 1");
	/* A failed plan holds no steps. */
	CHECK_EQ(plan.nsteps, 0);
}

CHECK_MAIN(test_builders, test_parse_id_ctrl, test_parse_caps_and_lists, test_status, test_plan_rig,
	   test_plan_scid_mapping, test_plan_primary_holds, test_plan_leftovers, test_plan_errors,
	   test_ns_strays)
