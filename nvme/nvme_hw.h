/* NVMe controller registers, submission and completion queue entries, and
 * the byte offsets argon reads in Identify data (NVM Express Base
 * Specification 2.0; the PCIe transport's register map). */
#ifndef ARGON_NVME_NVME_HW_H
#define ARGON_NVME_NVME_HW_H

#include <stddef.h>
#include <stdint.h>

/* Controller registers (BAR0). */
#define NVME_REG_CAP 0x00   /* 64 */
#define NVME_REG_VS 0x08    /* 32 */
#define NVME_REG_INTMS 0x0c /* 32 */
#define NVME_REG_CC 0x14    /* 32 */
#define NVME_REG_CSTS 0x1c  /* 32 */
#define NVME_REG_AQA 0x24   /* 32: ACQS 27:16, ASQS 11:0, both 0-based */
#define NVME_REG_ASQ 0x28   /* 64 */
#define NVME_REG_ACQ 0x30   /* 64 */
#define NVME_REG_DBS 0x1000 /* doorbells, 4 << CAP.DSTRD apart */

#define NVME_CAP_MQES_OFF 0 /* 0-based max queue entries */
#define NVME_CAP_MQES_LEN 16
#define NVME_CAP_TO_OFF 24 /* ready timeout, 500 ms units */
#define NVME_CAP_TO_LEN 8
#define NVME_CAP_DSTRD_OFF 32
#define NVME_CAP_DSTRD_LEN 4
#define NVME_CAP_CSS_NVM (1ull << 37)
#define NVME_CAP_MPSMIN_OFF 48 /* 2^(12+MPSMIN) */
#define NVME_CAP_MPSMIN_LEN 4

#define NVME_CC_EN (1u << 0)
#define NVME_CC_CSS_OFF 4
#define NVME_CC_MPS_OFF 7 /* 2^(12+MPS) */
#define NVME_CC_SHN_MASK (3u << 14)
#define NVME_CC_SHN_NORMAL (1u << 14) /* shutdown notification: normal */
#define NVME_CC_IOSQES_OFF 16
#define NVME_CC_IOCQES_OFF 20

#define NVME_CSTS_RDY (1u << 0)
#define NVME_CSTS_CFS (1u << 1)
#define NVME_CSTS_SHST_MASK (3u << 2)
#define NVME_CSTS_SHST_DONE (2u << 2) /* shutdown processing complete */

/* Submission queue entry (64 bytes). */
struct nvme_sqe {
	uint32_t cdw0; /* opcode 7:0, CID 31:16 */
	uint32_t nsid;
	uint32_t cdw2, cdw3;
	uint64_t mptr;
	uint64_t prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};
_Static_assert(sizeof(struct nvme_sqe) == 64, "NVMe SQE is 64 bytes");
_Static_assert(offsetof(struct nvme_sqe, prp1) == 24, "PRP1 at byte 24");
_Static_assert(offsetof(struct nvme_sqe, cdw10) == 40, "CDW10 at byte 40");

/* Completion queue entry (16 bytes). */
struct nvme_cqe {
	uint32_t dw0;
	uint32_t dw1;
	uint16_t sqhd, sqid;
	uint16_t cid;
	uint16_t status; /* phase bit 0, SC 8:1, SCT 11:9, CRD 13:12, M 14, DNR 15 */
};
_Static_assert(sizeof(struct nvme_cqe) == 16, "NVMe CQE is 16 bytes");
_Static_assert(offsetof(struct nvme_cqe, status) == 14, "status in the top half of DW3");

#define NVME_CQE_PHASE 1u
#define NVME_STATUS_SC(st) ((unsigned)((st) >> 1) & 0xffu)
#define NVME_STATUS_SCT(st) ((unsigned)((st) >> 9) & 0x7u)
#define NVME_STATUS_DNR (1u << 15)

/* Admin opcodes argon uses. */
#define NVME_ADM_DELETE_SQ 0x00
#define NVME_ADM_IDENTIFY 0x06
#define NVME_ADM_NS_ATTACH 0x15
#define NVME_ADM_VIRT_MGMT 0x1c

/* Identify CNS values. */
#define NVME_CNS_CTRL 0x01
#define NVME_CNS_ACTIVE_NS 0x02
#define NVME_CNS_ALLOC_NS 0x10
#define NVME_CNS_NS_CTRLS 0x12 /* controllers attached to a namespace */
#define NVME_CNS_PRI_CAPS 0x14
#define NVME_CNS_SEC_LIST 0x15

#define NVME_ID_SIZE 4096

/* Identify Controller: byte offsets. */
#define NVME_IDC_VID 0	   /* 16 */
#define NVME_IDC_SN 4	   /* 20 bytes ASCII */
#define NVME_IDC_MN 24	   /* 40 bytes ASCII */
#define NVME_IDC_FR 64	   /* 8 bytes ASCII */
#define NVME_IDC_CMIC 76   /* 8 */
#define NVME_IDC_MDTS 77   /* 8 */
#define NVME_IDC_CNTLID 78 /* 16 */
#define NVME_IDC_VER 80	   /* 32 */
#define NVME_IDC_OACS 256  /* 16 */
#define NVME_IDC_NN 516	   /* 32 */
#define NVME_OACS_NS_MGMT (1u << 3)
#define NVME_OACS_VIRT_MGMT (1u << 7)

/* Primary Controller Capabilities (CNS 14h): byte offsets. */
#define NVME_PCC_CNTLID 0
#define NVME_PCC_PORTID 2
#define NVME_PCC_CRT 4 /* bit 0: VQ resources, bit 1: VI resources */
#define NVME_PCC_VQFRT 32
#define NVME_PCC_VQRFA 36
#define NVME_PCC_VQRFAP 40
#define NVME_PCC_VQPRT 42
#define NVME_PCC_VQFRSM 44
#define NVME_PCC_VQGRAN 46
#define NVME_PCC_VIFRT 64
#define NVME_PCC_VIRFA 68
#define NVME_PCC_VIRFAP 72
#define NVME_PCC_VIPRT 74
#define NVME_PCC_VIFRSM 76
#define NVME_PCC_VIGRAN 78
#define NVME_CRT_VQ (1u << 0)
#define NVME_CRT_VI (1u << 1)

/* Secondary Controller List (CNS 15h): a count, then 32-byte entries. */
#define NVME_SCL_NUMID 0
#define NVME_SCL_ENTRY0 32
#define NVME_SCL_ENTRY_SIZE 32
#define NVME_SCL_MAX 127
#define NVME_SCE_SCID 0
#define NVME_SCE_PCID 2
#define NVME_SCE_SCS 4 /* bit 0: online */
#define NVME_SCE_VFN 8
#define NVME_SCE_NVQ 10
#define NVME_SCE_NVI 12

/* Virtualization Management: CDW10 ACT 3:0, RT 10:8, CNTLID 31:16;
 * CDW11 NR 15:0. */
#define NVME_VM_PRIMARY_ALLOC 0x1
#define NVME_VM_SEC_OFFLINE 0x7
#define NVME_VM_SEC_ASSIGN 0x8
#define NVME_VM_SEC_ONLINE 0x9
#define NVME_RT_VQ 0
#define NVME_RT_VI 1

/* Namespace Attachment: CDW10 SEL 3:0; data is a controller list (a
 * 16-bit count, then 16-bit ids). */
#define NVME_NS_ATTACH_SEL_ATTACH 0x0
#define NVME_NS_ATTACH_SEL_DETACH 0x1
#define NVME_CTRL_LIST_MAX 2047

#endif
