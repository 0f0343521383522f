/* Admin commands for an NVMe primary controller, built into submission
 * queue entries, and the Identify data and completion status they return,
 * decoded. Pure: no device access. */
#ifndef ARGON_NVME_NVME_CMD_H
#define ARGON_NVME_NVME_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nvme/nvme_hw.h"

/* Each builder clears the entry first; the caller sets the command id
 * (nvme_sqe_set_cid) and data pointers PRP1 (and PRP2) it owns. */
void nvme_cmd_identify(struct nvme_sqe *e, uint8_t cns, uint16_t cntid, uint32_t nsid,
		       uint64_t prp1);
void nvme_cmd_virt_mgmt(struct nvme_sqe *e, uint8_t act, uint8_t rt, uint16_t cntlid, uint16_t nr);
void nvme_cmd_ns_attach(struct nvme_sqe *e, uint32_t nsid, uint8_t sel, uint64_t prp1);
void nvme_sqe_set_cid(struct nvme_sqe *e, uint16_t cid);
uint8_t nvme_sqe_opcode(const struct nvme_sqe *e);

/* Writes a controller list (Namespace Attachment's data) of n ids into
 * buf (NVME_ID_SIZE bytes). -ERR_RANGE past NVME_CTRL_LIST_MAX. */
int nvme_ctrl_list_build(uint8_t *buf, const uint16_t *ids, unsigned n);

struct nvme_id_ctrl {
	uint16_t vid;
	char sn[21], mn[41], fr[9]; /* trailing spaces removed */
	uint8_t cmic, mdts;
	uint16_t cntlid;
	uint32_t ver;
	uint16_t oacs;
	uint32_t nn;
};
void nvme_parse_id_ctrl(const uint8_t *buf, struct nvme_id_ctrl *out);

struct nvme_pri_caps {
	uint16_t cntlid, portid;
	uint8_t crt;
	uint32_t vqfrt, vqrfa; /* flexible queue resources: total, assigned to secondaries */
	uint16_t vqrfap, vqprt, vqfrsm,
		vqgran;	       /* allocated to primary, private, max per secondary */
	uint32_t vifrt, virfa; /* the same for interrupt vectors */
	uint16_t virfap, viprt, vifrsm, vigran;
};
void nvme_parse_pri_caps(const uint8_t *buf, struct nvme_pri_caps *out);

struct nvme_sec_ctrl {
	uint16_t scid, pcid;
	bool online;
	uint16_t vfn; /* 1-based VF number */
	uint16_t nvq, nvi;
};
/* Fills out[0..max) and returns how many entries the list holds (at most
 * NVME_SCL_MAX; more than max are counted but not stored). */
unsigned nvme_parse_sec_list(const uint8_t *buf, struct nvme_sec_ctrl *out, unsigned max);

/* A controller list (CNS 12h, 13h; Namespace Attachment's data): the
 * count it states (at most NVME_CTRL_LIST_MAX), ids stored up to max. */
unsigned nvme_parse_ctrl_list(const uint8_t *buf, uint16_t *out, unsigned max);

/* A namespace id list (CNS 02h, 10h): ids up to the first 0. */
unsigned nvme_parse_ns_list(const uint8_t *buf, uint32_t *out, unsigned max);

/* A status as SCT << 8 | SC (nvme_status_code) written as "Invalid
 * Controller Identifier (SCT 1h SC 1Fh)"; returns fmt_snprintf's count. */
int nvme_status_fmt(char *buf, size_t size, uint16_t code);
/* The name alone, NULL for a code argon does not name. */
const char *nvme_status_name(uint16_t code);

#define NVME_SC_SUCCESS 0x000
#define NVME_SC_INVALID_FIELD 0x002
#define NVME_SC_NS_ALREADY_ATTACHED 0x118 /* SCT 1 << 8 | SC */
#define NVME_SC_NS_PRIVATE 0x119
#define NVME_SC_NS_NOT_ATTACHED 0x11a
#define NVME_SC_CTRL_LIST_INVALID 0x11c
#define NVME_SC_INVALID_CTRL_ID 0x11f
#define NVME_SC_INVALID_SEC_STATE 0x120
#define NVME_SC_INVALID_NUM_RES 0x121
#define NVME_SC_INVALID_RES_ID 0x122
/* SCT << 8 | SC of a completion's status field (phase, CRD, M, DNR
 * dropped). */
static inline uint16_t nvme_status_code(uint16_t status)
{
	return (uint16_t)(NVME_STATUS_SCT(status) << 8 | NVME_STATUS_SC(status));
}

#endif
