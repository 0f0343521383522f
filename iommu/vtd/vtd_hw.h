/* VT-d hardware formats (Intel VT-d spec rev 3+, legacy translation mode):
 * the register file, root and context entries, interrupt-remapping table
 * entries in x2APIC format, queued-invalidation descriptors and fault
 * records. Encoders and decoders are pure so host tests check every bit. */
#ifndef ARGON_IOMMU_VTD_VTD_HW_H
#define ARGON_IOMMU_VTD_VTD_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/bits.h"

/* ---- registers (offsets from the unit's base) ---- */
#define VTD_VER 0x00	 /* 32: major 7:4, minor 3:0 */
#define VTD_CAP 0x08	 /* 64 */
#define VTD_ECAP 0x10	 /* 64 */
#define VTD_GCMD 0x18	 /* 32 */
#define VTD_GSTS 0x1C	 /* 32 */
#define VTD_RTADDR 0x20	 /* 64 */
#define VTD_FSTS 0x34	 /* 32 */
#define VTD_FECTL 0x38	 /* 32 */
#define VTD_FEDATA 0x3C	 /* 32 */
#define VTD_FEADDR 0x40	 /* 32 */
#define VTD_FEUADDR 0x44 /* 32 */
#define VTD_PMEN 0x64	 /* 32: protected memory enable */
#define VTD_IQH 0x80	 /* 64 */
#define VTD_IQT 0x88	 /* 64 */
#define VTD_IQA 0x90	 /* 64 */
#define VTD_ICS 0x9C	 /* 32 */
#define VTD_IRTA 0xB8	 /* 64 */

/* CAP */
#define VTD_CAP_ND(c) bit_extract((c), 0, 3) /* domains: 2^(4 + 2 ND) */
#define VTD_CAP_RWBF BIT(4)
#define VTD_CAP_CM BIT(7)
#define VTD_CAP_SAGAW(c) bit_extract((c), 8, 5)
#define VTD_SAGAW_39 BIT(1) /* 3-level second-level tables */
#define VTD_SAGAW_48 BIT(2) /* 4-level */
#define VTD_CAP_MGAW(c) (bit_extract((c), 16, 6) + 1)
#define VTD_CAP_FRO(c) (bit_extract((c), 24, 10) * 16)
#define VTD_CAP_SLLPS(c) bit_extract((c), 34, 4)
#define VTD_SLLPS_2M BIT(0)
#define VTD_SLLPS_1G BIT(1)
#define VTD_CAP_NFR(c) (bit_extract((c), 40, 8) + 1)
#define VTD_CAP_DWD BIT(54) /* IOTLB invalidation may drain writes */
#define VTD_CAP_DRD BIT(55) /* and reads */

/* ECAP */
#define VTD_ECAP_C BIT(0)  /* page walks snoop CPU caches */
#define VTD_ECAP_QI BIT(1) /* queued invalidation */
#define VTD_ECAP_DT BIT(2)
#define VTD_ECAP_IR BIT(3)  /* interrupt remapping */
#define VTD_ECAP_EIM BIT(4) /* 32-bit x2APIC destinations */
#define VTD_ECAP_PT BIT(6)
#define VTD_ECAP_SC BIT(7) /* snoop control */
#define VTD_ECAP_IRO(e) (bit_extract((e), 8, 10) * 16)

/* GCMD / GSTS: same bit positions. */
#define VTD_GCMD_TE BIT(31)
#define VTD_GCMD_SRTP BIT(30)
#define VTD_GCMD_SFL BIT(29)
#define VTD_GCMD_EAFL BIT(28)
#define VTD_GCMD_WBF BIT(27)
#define VTD_GCMD_QIE BIT(26)
#define VTD_GCMD_IRE BIT(25)
#define VTD_GCMD_SIRTP BIT(24)
#define VTD_GCMD_CFI BIT(23)
/* The enables that GCMD keeps; the others are one-shot commands. */
#define VTD_GCMD_PERSIST (VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_IRE | VTD_GCMD_CFI)

/* FSTS, FECTL */
#define VTD_FSTS_PFO BIT(0)
#define VTD_FSTS_PPF BIT(1)
#define VTD_FSTS_IQE BIT(4)
#define VTD_FSTS_ICE BIT(5)
#define VTD_FSTS_ITE BIT(6)
#define VTD_FSTS_FRI(f) bit_extract((f), 8, 8)
#define VTD_FECTL_IM BIT(31)
#define VTD_PMEN_EPM BIT(31)
#define VTD_PMEN_PRS BIT(0)

/* RTADDR: bits 11:10 translation table mode, 0 = legacy root table. */
#define VTD_RTADDR_LEGACY 0
/* IRTA: table address, EIME, size 2^(S+1) entries. */
#define VTD_IRTA_EIME BIT(11)
#define VTD_IRTA_S_MAX 15
/* IQA: queue address, DW (bit 11) 0 = 128-bit descriptors, QS: 2^QS pages. */
#define VTD_IQ_DESC_SIZE 16
#define VTD_IQT_SHIFT 4

/* Whether a unit can do what argon needs (queued invalidation, interrupt
 * remapping with 32-bit destinations, 3- or 4-level second-level tables):
 * 0, or -ERR_NOTSUP with every missing feature named in why. */
int vtd_unit_check(uint64_t cap, uint64_t ecap, char *why, size_t len);

/* ---- root and context entries (128 bits each, 256 per 4 KiB table) ---- */
struct vtd_entry {
	uint64_t lo, hi;
};
_Static_assert(sizeof(struct vtd_entry) == 16, "root, context and IRT entries are 128 bits");

#define VTD_ROOT_P BIT(0)
#define VTD_CTX_P BIT(0)
#define VTD_CTX_FPD BIT(1)
#define VTD_CTX_TT_OFF 2  /* 0: untranslated requests through second level */
#define VTD_CTX_AW_OFF 0  /* hi 2:0 */
#define VTD_CTX_DID_OFF 8 /* hi 23:8 */
#define VTD_AW_39 1	  /* 3-level */
#define VTD_AW_48 2	  /* 4-level */

struct vtd_entry vtd_root_entry(uint64_t context_table_pa);
/* Legacy context entry: present, TT=0, AW = VTD_AW_*, domain id. */
struct vtd_entry vtd_context_entry(uint64_t sl_root_pa, unsigned aw, uint16_t did);
/* VTD_AW_48 when sagaw has 48-bit, VTD_AW_39 with only 39, else 0. */
unsigned vtd_aw_from_sagaw(uint64_t sagaw);

/* ---- interrupt remapping entries (x2APIC mode, EIME=1) ---- */
#define VTD_IRTE_P BIT(0)
#define VTD_IRTE_FPD BIT(1)
#define VTD_IRTE_DM BIT(2) /* 1 = logical destination */
#define VTD_IRTE_RH BIT(3)
#define VTD_IRTE_TM BIT(4) /* 1 = level */
#define VTD_IRTE_DLM_OFF 5
#define VTD_IRTE_IM BIT(15) /* 1 = posted */
#define VTD_IRTE_V_OFF 16
#define VTD_IRTE_DST_OFF 32
#define VTD_IRTE_SID_OFF 0  /* hi */
#define VTD_IRTE_SQ_OFF 16  /* hi */
#define VTD_IRTE_SVT_OFF 18 /* hi */
#define VTD_SVT_RID 1	    /* verify the full requester id (with SQ) */

/* Present, remapped, fixed delivery, physical destination, edge; only
 * messages from requester id sid may use it (SVT=1, SQ=0). */
struct vtd_entry vtd_irte(uint32_t apic_id, uint8_t vector, uint16_t sid);

/* The remappable-format MSI that selects IRT entry handle: address
 * 0xFEE00000 | handle[14:0] << 5 | 1 << 4 | SHV=0 | handle[15] << 2, data 0. */
#define VTD_MSI_BASE 0xFEE00000u
#define VTD_MSI_REMAP BIT(4)
void vtd_msi_message(unsigned handle, uint64_t *addr, uint32_t *data);
/* The handle a remappable message selects, or -1 for a compatibility one. */
int vtd_msi_handle(uint64_t addr);

/* ---- queued invalidation descriptors (128 bits) ---- */
#define VTD_QI_CC 1 /* context cache */
#define VTD_QI_IOTLB 2
#define VTD_QI_IEC 4 /* interrupt entry cache */
#define VTD_QI_WAIT 5
#define VTD_CC_G_GLOBAL 1
#define VTD_CC_G_DOMAIN 2
#define VTD_CC_G_DEVICE 3
#define VTD_IOTLB_G_GLOBAL 1
#define VTD_IOTLB_G_DOMAIN 2
#define VTD_IOTLB_DR BIT(7) /* drain reads */
#define VTD_IOTLB_DW BIT(6) /* drain writes */
#define VTD_WAIT_IF BIT(4)
#define VTD_WAIT_SW BIT(5)
#define VTD_WAIT_FN BIT(6)

struct vtd_entry vtd_qi_context_global(void);
struct vtd_entry vtd_qi_context_device(uint16_t did, uint16_t sid);
struct vtd_entry vtd_qi_iotlb_global(void);
struct vtd_entry vtd_qi_iotlb_domain(uint16_t did);
struct vtd_entry vtd_qi_iec_global(void);
struct vtd_entry vtd_qi_iec_index(unsigned index);
/* Writes data to the 4-byte aligned status_pa when every earlier
 * descriptor is done (SW; never IF with it). */
struct vtd_entry vtd_qi_wait(uint32_t data, uint64_t status_pa);

/* ---- fault records (128 bits each, at CAP.FRO) ---- */
#define VTD_FRCD_F BIT(63)	/* hi: the record holds a fault; write 1 to clear */
#define VTD_FRCD_T BIT(62)	/* hi: 1 = read request */
#define VTD_FRCD_FR_OFF 32	/* hi 39:32: fault reason */
#define VTD_FRCD_SID_OFF 0	/* hi 15:0 */
#define VTD_FAULT_IR_FIRST 0x20 /* reasons 0x20.. are interrupt-remapping faults */

struct vtd_fault {
	bool valid;
	bool interrupt; /* an interrupt-remapping fault: index, not addr */
	bool read;	/* DMA: read (else write) */
	uint8_t reason;
	uint16_t sid;
	uint64_t addr;	/* DMA: page address */
	unsigned index; /* interrupt: the IRT index the message used */
};
struct vtd_fault vtd_fault_decode(uint64_t lo, uint64_t hi);
/* A short text for a fault reason ("unknown fault reason" otherwise). */
const char *vtd_fault_reason(uint8_t reason);

#endif
