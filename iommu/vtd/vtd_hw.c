/* Encoders and decoders of the VT-d formats in vtd_hw.h. */
#include "iommu/vtd/vtd_hw.h"

#include "lib/err.h"
#include "lib/fmt.h"
#include "vmm/paging.h"

struct vtd_entry vtd_root_entry(uint64_t context_table_pa)
{
	return (struct vtd_entry){(context_table_pa & PT_ADDR_MASK) | VTD_ROOT_P, 0};
}

struct vtd_entry vtd_context_entry(uint64_t sl_root_pa, unsigned aw, uint16_t did)
{
	struct vtd_entry e;

	e.lo = (sl_root_pa & PT_ADDR_MASK) | VTD_CTX_P; /* TT = 0, FPD = 0 */
	e.hi = bit_insert(0, aw, VTD_CTX_AW_OFF, 3);
	e.hi = bit_insert(e.hi, did, VTD_CTX_DID_OFF, 16);
	return e;
}

unsigned vtd_aw_from_sagaw(uint64_t sagaw)
{
	if (sagaw & VTD_SAGAW_48)
		return VTD_AW_48;
	if (sagaw & VTD_SAGAW_39)
		return VTD_AW_39;
	return 0;
}

struct vtd_entry vtd_irte(uint32_t apic_id, uint8_t vector, uint16_t sid)
{
	struct vtd_entry e;

	/* FPD=0, DM=0 physical, RH=0, TM=0 edge, DLM=0 fixed, IM=0 remapped. */
	e.lo = VTD_IRTE_P | (uint64_t)vector << VTD_IRTE_V_OFF |
	       (uint64_t)apic_id << VTD_IRTE_DST_OFF;
	e.hi = (uint64_t)sid << VTD_IRTE_SID_OFF | (uint64_t)VTD_SVT_RID << VTD_IRTE_SVT_OFF;
	return e;
}

void vtd_msi_message(unsigned handle, uint64_t *addr, uint32_t *data)
{
	*addr = VTD_MSI_BASE | (uint64_t)(handle & 0x7FFF) << 5 | VTD_MSI_REMAP |
		(uint64_t)((handle >> 15) & 1) << 2;
	*data = 0;
}

int vtd_msi_handle(uint64_t addr)
{
	if ((addr & 0xFFF00000u) != VTD_MSI_BASE || !(addr & VTD_MSI_REMAP))
		return -1;
	return (int)(bit_extract(addr, 5, 15) | bit_extract(addr, 2, 1) << 15);
}

static struct vtd_entry desc(uint64_t lo, uint64_t hi)
{
	return (struct vtd_entry){lo, hi};
}

struct vtd_entry vtd_qi_context_global(void)
{
	return desc(VTD_QI_CC | VTD_CC_G_GLOBAL << 4, 0);
}

/* FM = 0: the requester id is compared whole. */
struct vtd_entry vtd_qi_context_device(uint16_t did, uint16_t sid)
{
	return desc(VTD_QI_CC | VTD_CC_G_DEVICE << 4 | (uint64_t)did << 16 | (uint64_t)sid << 32,
		    0);
}

struct vtd_entry vtd_qi_iotlb_global(void)
{
	return desc(VTD_QI_IOTLB | VTD_IOTLB_G_GLOBAL << 4 | VTD_IOTLB_DR | VTD_IOTLB_DW, 0);
}

struct vtd_entry vtd_qi_iotlb_domain(uint16_t did)
{
	return desc(VTD_QI_IOTLB | VTD_IOTLB_G_DOMAIN << 4 | VTD_IOTLB_DR | VTD_IOTLB_DW |
			    (uint64_t)did << 16,
		    0);
}

struct vtd_entry vtd_qi_iec_global(void)
{
	return desc(VTD_QI_IEC, 0); /* G (bit 4) = 0: global */
}

struct vtd_entry vtd_qi_iec_index(unsigned index)
{
	/* G = 1, IM = 0: one entry. */
	return desc(VTD_QI_IEC | BIT(4) | (uint64_t)(index & 0xFFFF) << 32, 0);
}

struct vtd_entry vtd_qi_wait(uint32_t data, uint64_t status_pa)
{
	return desc(VTD_QI_WAIT | VTD_WAIT_SW | VTD_WAIT_FN | (uint64_t)data << 32,
		    status_pa & ~3ULL);
}

struct vtd_fault vtd_fault_decode(uint64_t lo, uint64_t hi)
{
	struct vtd_fault f = {0};

	f.valid = hi & VTD_FRCD_F;
	f.reason = (uint8_t)bit_extract(hi, VTD_FRCD_FR_OFF, 8);
	f.sid = (uint16_t)bit_extract(hi, VTD_FRCD_SID_OFF, 16);
	f.interrupt = f.reason >= VTD_FAULT_IR_FIRST;
	f.read = hi & VTD_FRCD_T;
	if (f.interrupt)
		f.index = (unsigned)bit_extract(lo, 48, 16);
	else
		f.addr = lo & ~(PAGE_SIZE - 1);
	return f;
}

const char *vtd_fault_reason(uint8_t reason)
{
	static const char *const dma[] = {
		[0x1] = "root entry not present",
		[0x2] = "context entry not present: function not attached",
		[0x3] = "invalid context entry",
		[0x4] = "address beyond the domain's address width",
		[0x5] = "write not allowed: page not writable or not mapped",
		[0x6] = "read not allowed: page not mapped",
		[0x7] = "error reading a second-level table",
		[0x8] = "error reading the root table",
		[0x9] = "error reading a context table",
		[0xA] = "reserved bits set in a root entry",
		[0xB] = "reserved bits set in a context entry",
		[0xC] = "reserved bits set in a second-level entry",
		[0xD] = "request type blocked by the context entry",
	};
	static const char *const intr[] = {
		[0x0] = "reserved bits set in a remappable interrupt",
		[0x1] = "interrupt index beyond the table",
		[0x2] = "interrupt entry not present",
		[0x3] = "error reading the interrupt table",
		[0x4] = "reserved bits set in an interrupt entry",
		[0x5] = "compatibility-format interrupt blocked",
		[0x6] = "interrupt from a requester the entry does not name",
		[0x7] = "posted interrupt entry where remapped was expected",
	};
	const char *s = NULL;

	if (reason < ARRAY_SIZE(dma))
		s = dma[reason];
	else if (reason >= VTD_FAULT_IR_FIRST &&
		 reason - VTD_FAULT_IR_FIRST < (int)ARRAY_SIZE(intr))
		s = intr[reason - VTD_FAULT_IR_FIRST];
	return s ? s : "unknown fault reason";
}

int vtd_unit_check(uint64_t cap, uint64_t ecap, char *why, size_t len)
{
	static const struct {
		uint64_t bit;
		const char *text;
	} need[] = {
		{VTD_ECAP_QI, "queued invalidation (ECAP.QI)"},
		{VTD_ECAP_IR, "interrupt remapping (ECAP.IR)"},
		{VTD_ECAP_EIM, "x2APIC interrupt destinations (ECAP.EIM)"},
	};
	size_t used = 0;

	if (len)
		why[0] = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(need); i++) {
		if (ecap & need[i].bit)
			continue;
		if (used < len)
			used += (size_t)fmt_snprintf(why + used, len - used, "%s%s",
						     used ? ", " : "lacks ", need[i].text);
	}
	if (!vtd_aw_from_sagaw(VTD_CAP_SAGAW(cap)) && used < len)
		used += (size_t)fmt_snprintf(why + used, len - used, "%s%s", used ? ", " : "lacks ",
					     "a 39- or 48-bit address width (CAP.SAGAW)");
	return used ? -ERR_NOTSUP : 0;
}
