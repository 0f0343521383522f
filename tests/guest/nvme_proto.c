#include "tests/guest/nvme_proto.h"

#include <stddef.h>

#include "lib/fmt.h"
#include "lib/string.h"

uint32_t nvme_doorbell(uint16_t qid, bool cq, uint32_t dstrd)
{
	return NVME_REG_DOORBELLS + (2u * qid + (cq ? 1u : 0u)) * (4u << dstrd);
}

static void cmd_init(struct nvme_sqe *c, uint8_t opcode, uint16_t cid)
{
	memset(c, 0, sizeof(*c));
	c->opcode = opcode;
	c->cid = cid;
}

void nvme_cmd_identify(struct nvme_sqe *c, uint16_t cid, uint8_t cns, uint32_t nsid, uint64_t prp1)
{
	cmd_init(c, NVME_ADMIN_IDENTIFY, cid);
	c->nsid = nsid;
	c->prp1 = prp1;
	c->cdw10 = cns;
}

void nvme_cmd_set_num_queues(struct nvme_sqe *c, uint16_t cid, uint16_t n)
{
	cmd_init(c, NVME_ADMIN_SET_FEATURES, cid);
	c->cdw10 = NVME_FEAT_NUM_QUEUES;
	/* Both counts 0's based: NCQR in 31:16, NSQR in 15:0. */
	c->cdw11 = ((uint32_t)(n - 1u) << 16) | (uint32_t)(n - 1u);
}

void nvme_cmd_create_cq(struct nvme_sqe *c, uint16_t cid, uint16_t qid, uint16_t size, uint64_t prp,
			uint16_t iv, bool ien)
{
	cmd_init(c, NVME_ADMIN_CREATE_CQ, cid);
	c->prp1 = prp;
	c->cdw10 = ((uint32_t)(size - 1u) << 16) | qid;
	/* IV 31:16, IEN bit 1, PC (physically contiguous) bit 0. */
	c->cdw11 = ((uint32_t)iv << 16) | (ien ? 2u : 0u) | 1u;
}

void nvme_cmd_create_sq(struct nvme_sqe *c, uint16_t cid, uint16_t qid, uint16_t size, uint64_t prp,
			uint16_t cqid)
{
	cmd_init(c, NVME_ADMIN_CREATE_SQ, cid);
	c->prp1 = prp;
	c->cdw10 = ((uint32_t)(size - 1u) << 16) | qid;
	/* CQID 31:16, QPRIO 2:1 (ignored under round robin), PC bit 0. */
	c->cdw11 = ((uint32_t)cqid << 16) | 1u;
}

void nvme_cmd_rw(struct nvme_sqe *c, uint16_t cid, uint8_t opcode, uint32_t nsid, uint64_t slba,
		 uint32_t nlb, uint64_t prp1, uint64_t prp2)
{
	cmd_init(c, opcode, cid);
	c->nsid = nsid;
	c->prp1 = prp1;
	c->prp2 = prp2;
	c->cdw10 = (uint32_t)slba;
	c->cdw11 = (uint32_t)(slba >> 32);
	c->cdw12 = (nlb - 1u) & 0xFFFFu; /* NLB is 0's based */
}

struct nvme_status nvme_status_decode(uint16_t cqe_status)
{
	struct nvme_status s;

	/* Status field (bits 15:1 of the word): SC 8:1, SCT 11:9, CRD 13:12,
	 * M 14, DNR 15. */
	s.sc = (uint8_t)(cqe_status >> 1);
	s.sct = (uint8_t)((cqe_status >> 9) & 7u);
	s.more = (cqe_status >> 14) & 1u;
	s.dnr = (cqe_status >> 15) & 1u;
	return s;
}

const char *nvme_status_str(struct nvme_status s, char *buf, unsigned size)
{
	static const struct {
		uint8_t sc;
		const char *name;
	} generic[] = {
		{0x00, "success"},
		{0x01, "invalid command opcode"},
		{0x02, "invalid field in command"},
		{0x04, "data transfer error"},
		{0x06, "internal error"},
		{0x0B, "invalid namespace or format"},
		{0x13, "invalid PRP offset"},
		{0x80, "LBA out of range"},
	};

	if (s.sct == 0)
		for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]); i++)
			if (generic[i].sc == s.sc)
				return generic[i].name;
	if (s.sct == 2 && s.sc == 0x81)
		return "unrecovered read error";
	fmt_snprintf(buf, size, "sct %u sc 0x%02x", s.sct, s.sc);
	return buf;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool nvme_id_ns_parse(const uint8_t *id_ns, uint64_t *blocks, uint32_t *block_size)
{
	/* NSZE at 0 (8 bytes), NLBAF at 25, FLBAS at 26 (format index 3:0),
	 * LBA formats from 128, 4 bytes each, LBADS (log2 bytes) in bits
	 * 23:16. */
	uint8_t nlbaf = id_ns[25], fmt = id_ns[26] & 0xFu;
	uint32_t lbaf, lbads;

	*blocks = (uint64_t)le32(id_ns) | (uint64_t)le32(id_ns + 4) << 32;
	if (fmt > nlbaf)
		return false;
	lbaf = le32(id_ns + 128 + 4u * fmt);
	lbads = (lbaf >> 16) & 0xFFu;
	if (lbads < 9 || lbads > 16 || *blocks == 0)
		return false;
	*block_size = 1u << lbads;
	return true;
}

void nvme_id_ctrl_string(const uint8_t *id_ctrl, bool model, char *out, unsigned size)
{
	unsigned off = model ? 24 : 4, len = model ? 40 : 20, n = 0;

	if (!size)
		return;
	while (len && id_ctrl[off + len - 1] == ' ')
		len--;
	for (; n < len && n + 1 < size; n++) {
		uint8_t ch = id_ctrl[off + n];

		out[n] = (ch >= 0x20 && ch < 0x7F) ? (char)ch : '?';
	}
	out[n] = '\0';
}

uint32_t msi_compat_addr(uint32_t dest_apic_id)
{
	/* Destination ID 19:12; extended destination ID 11:5 carries id
	 * bits 14:8; redirection hint 3 and destination mode 2 clear
	 * (physical). */
	return MSI_ADDR_BASE | ((dest_apic_id & 0xFFu) << 12) |
	       (((dest_apic_id >> 8) & 0x7Fu) << 5);
}

uint32_t msi_compat_data(uint8_t vector, unsigned delivery_mode)
{
	/* Vector 7:0, delivery mode 10:8, level 14 (asserted for edge, as
	 * OSes write it), trigger mode 15 clear (edge). */
	return vector | ((delivery_mode & 7u) << 8) | (1u << 14);
}

bool msi_addr_remappable(uint64_t addr)
{
	return (addr >> 20) == (MSI_ADDR_BASE >> 20) && (addr & (1u << 4));
}
