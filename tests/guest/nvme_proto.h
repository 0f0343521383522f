/* NVMe and MSI as bytes: submission and completion queue entries, the
 * commands the test guest's driver sends, completion status decoding, and
 * the compatibility-format MSI message a guest writes into an MSI-X entry.
 * Pure (no hardware access), so host unit tests run it too
 * (tests/unit/test_guest_nvme.c). Numbers from the NVMe Base Specification
 * 2.0 and the Intel SDM's MSI section. */
#ifndef ARGON_TESTGUEST_NVME_PROTO_H
#define ARGON_TESTGUEST_NVME_PROTO_H

#include <stdbool.h>
#include <stdint.h>

/* Controller registers (BAR0). */
#define NVME_REG_CAP 0x00u
#define NVME_REG_VS 0x08u
#define NVME_REG_CC 0x14u
#define NVME_REG_CSTS 0x1Cu
#define NVME_REG_AQA 0x24u
#define NVME_REG_ASQ 0x28u
#define NVME_REG_ACQ 0x30u
#define NVME_REG_DOORBELLS 0x1000u

#define NVME_CAP_MQES(cap) ((uint32_t)((cap)&0xFFFFu))	     /* 0's based */
#define NVME_CAP_TO(cap) ((uint32_t)(((cap) >> 24) & 0xFFu)) /* 500 ms units */
#define NVME_CAP_DSTRD(cap) ((uint32_t)(((cap) >> 32) & 0xFu))
#define NVME_CAP_CSS_NVM(cap) ((((cap) >> 37) & 1u) != 0)

#define NVME_CC_EN 1u
#define NVME_CC_IOSQES_64 (6u << 16)
#define NVME_CC_IOCQES_16 (4u << 20)
#define NVME_CSTS_RDY 1u
#define NVME_CSTS_CFS 2u

/* Opcodes. */
#define NVME_ADMIN_CREATE_SQ 0x01u
#define NVME_ADMIN_CREATE_CQ 0x05u
#define NVME_ADMIN_IDENTIFY 0x06u
#define NVME_ADMIN_SET_FEATURES 0x09u
#define NVME_IO_WRITE 0x01u
#define NVME_IO_READ 0x02u

#define NVME_FEAT_NUM_QUEUES 0x07u
#define NVME_CNS_NAMESPACE 0x00u
#define NVME_CNS_CONTROLLER 0x01u

struct nvme_sqe {
	uint8_t opcode;
	uint8_t flags; /* FUSE 1:0, PSDT 7:6 (0: PRPs) */
	uint16_t cid;
	uint32_t nsid;
	uint64_t rsvd;
	uint64_t mptr;
	uint64_t prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

struct nvme_cqe {
	uint32_t dw0, dw1;
	uint16_t sq_head, sq_id;
	uint16_t cid;
	uint16_t status; /* bit 0: phase tag; bits 15:1 the status field */
};

_Static_assert(sizeof(struct nvme_sqe) == 64, "a submission queue entry is 64 bytes");
_Static_assert(sizeof(struct nvme_cqe) == 16, "a completion queue entry is 16 bytes");

/* Offset in BAR0 of a queue's doorbell: the submission tail (cq false) or
 * the completion head (cq true) of queue qid. */
uint32_t nvme_doorbell(uint16_t qid, bool cq, uint32_t dstrd);

void nvme_cmd_identify(struct nvme_sqe *c, uint16_t cid, uint8_t cns, uint32_t nsid, uint64_t prp1);
/* Set Features, Number of Queues: n I/O submission and n completion queues. */
void nvme_cmd_set_num_queues(struct nvme_sqe *c, uint16_t cid, uint16_t n);
/* An I/O completion queue of size entries at prp (physically contiguous);
 * with ien, completions raise MSI-X vector iv. */
void nvme_cmd_create_cq(struct nvme_sqe *c, uint16_t cid, uint16_t qid, uint16_t size, uint64_t prp,
			uint16_t iv, bool ien);
void nvme_cmd_create_sq(struct nvme_sqe *c, uint16_t cid, uint16_t qid, uint16_t size, uint64_t prp,
			uint16_t cqid);
/* Read or Write of nlb blocks (1..65536) from slba of namespace nsid. */
void nvme_cmd_rw(struct nvme_sqe *c, uint16_t cid, uint8_t opcode, uint32_t nsid, uint64_t slba,
		 uint32_t nlb, uint64_t prp1, uint64_t prp2);

/* A completion's status, decoded. */
struct nvme_status {
	uint8_t sct; /* status code type */
	uint8_t sc;  /* status code */
	bool dnr;    /* do not retry */
	bool more;
};
struct nvme_status nvme_status_decode(uint16_t cqe_status);
static inline bool nvme_status_ok(struct nvme_status s)
{
	return s.sct == 0 && s.sc == 0;
}
/* "success", "data transfer error", ... or "sct N sc 0xNN". buf for the
 * latter. */
const char *nvme_status_str(struct nvme_status s, char *buf, unsigned size);

/* Identify Namespace: size in blocks and the block size (bytes) of the
 * format in use; false when the data make no sense. */
bool nvme_id_ns_parse(const uint8_t *id_ns, uint64_t *blocks, uint32_t *block_size);
/* Identify Controller's serial (bytes 4-23) and model (24-63) without the
 * padding spaces, NUL-terminated. */
void nvme_id_ctrl_string(const uint8_t *id_ctrl, bool model, char *out, unsigned size);

/* The compatibility-format MSI message a guest writes: destination APIC id
 * (bits 7:0 in the address, 14:8 in the extended-destination bits 11:5 as
 * x2APIC guests use them), physical destination mode, delivery mode
 * (0 fixed, 1 lowest priority, 2 SMI, 4 NMI, 5 INIT, 7 ExtINT), vector. */
#define MSI_ADDR_BASE 0xFEE00000u
#define MSI_DELIVERY_FIXED 0u
#define MSI_DELIVERY_SMI 2u
#define MSI_DELIVERY_NMI 4u
#define MSI_DELIVERY_INIT 5u
#define MSI_DELIVERY_EXTINT 7u
uint32_t msi_compat_addr(uint32_t dest_apic_id);
uint32_t msi_compat_data(uint8_t vector, unsigned delivery_mode);
/* True for an address in the remappable format (bit 4, interrupt format,
 * set) inside the interrupt window. */
bool msi_addr_remappable(uint64_t addr);

/* MSI-X capability fields. */
#define MSIX_CTRL_ENABLE (1u << 15)
#define MSIX_CTRL_FUNC_MASK (1u << 14)
#define MSIX_CTRL_TABLE_SIZE(ctrl) (((ctrl)&0x7FFu) + 1u)
#define MSIX_ENTRY_SIZE 16u
#define MSIX_ENTRY_MASKED 1u

#endif
