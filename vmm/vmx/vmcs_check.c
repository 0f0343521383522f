/* The VM-entry checks of SDM 26.2 and 26.3 as a table of small checks
 * over one decoded view of the VMCS. Each check reads the fields it needs
 * through the reader and records failures by stable name; see
 * docs/vmx-entry-checks.md for the list. */
#include "vmm/vmx/vmcs_check.h"

#include <stdarg.h>
#include <stdbool.h>

#include "lib/bits.h"
#include "lib/fmt.h"
#include "vmm/vmx/vmcs.h"

/* Architectural register bits the checks name (SDM vol 3A 2.3, 2.5, 17.4.1). */
#define CR0_PE BIT(0)
#define CR0_WP BIT(16)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31)
#define CR4_PAE BIT(5)
#define CR4_PCIDE BIT(17)
#define CR4_CET BIT(23)
#define EFER_SCE BIT(0)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)
#define EFER_VALID (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)
#define RFLAGS_FIXED1 BIT(1)
#define RFLAGS_TF BIT(8)
#define RFLAGS_IF BIT(9)
#define RFLAGS_VM BIT(17)
#define RFLAGS_RESERVED (BIT(3) | BIT(5) | BIT(15) | BIT_MASK(22, 42))
#define DEBUGCTL_BTF BIT(1)
#define DEBUGCTL_RESERVED (BIT_MASK(3, 3) | BIT_MASK(16, 48))
#define PDPTE_P BIT(0)
#define PDPTE_RESERVED_LOW (BIT_MASK(1, 2) | BIT_MASK(5, 4))
#define PENDING_DBG_RESERVED (BIT_MASK(4, 8) | BIT(13) | BIT(15) | BIT_MASK(17, 47))

#define VEC_DB 1
#define VEC_NMI 2
#define VEC_MC 18

#define SDM_EXEC "26.2.1.1"
#define SDM_EXIT "26.2.1.2"
#define SDM_ENTRY "26.2.1.3"
#define SDM_HOST_CR "26.2.2"
#define SDM_HOST_SEG "26.2.3"
#define SDM_HOST_SIZE "26.2.4"
#define SDM_GUEST_CR "26.3.1.1"
#define SDM_GUEST_SEG "26.3.1.2"
#define SDM_GUEST_DTR "26.3.1.3"
#define SDM_GUEST_RIP "26.3.1.4"
#define SDM_GUEST_STATE "26.3.1.5"
#define SDM_GUEST_PDPTE "26.3.1.6"

/* Details print 64-bit values with %llx. */
#define U(v) ((unsigned long long)(v))

/* One run: the reader, the capabilities, the result, and the fields most
 * checks depend on, decoded once. */
struct vc {
	const struct vmcs_reader *r;
	const struct vmx_caps *caps;
	struct vmcs_check_result *out;
	unsigned paddr_bits;	/* CPUID MAXPHYADDR */
	unsigned vmx_addr_bits; /* for VMX structures: 32 if IA32_VMX_BASIC[48] */
	unsigned vaddr_bits;
	uint64_t pin, proc, proc2, exit, entry;
	bool unrestricted, ia32e, host64;
	uint64_t intr_info;
	bool inject; /* VM-entry interruption information valid */
	unsigned inj_type, inj_vector;
	uint64_t cr0, cr4, rflags;
	uint64_t cs_sel, cs_ar, ss_ar;
	uint64_t interruptibility, activity;
	bool v86;
};

static uint64_t rd(const struct vc *c, uint32_t field)
{
	return c->r->read(c->r->ctx, field);
}

static void fail(struct vc *c, const char *name, const char *sdm, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct vc *c, const char *name, const char *sdm, const char *fmt, ...)
{
	struct vmcs_check_result *out = c->out;

	if (out->count < VMCS_CHECK_MAX_FAILURES) {
		struct vmcs_check_failure *f = &out->f[out->count];
		va_list ap;

		f->name = name;
		f->sdm = sdm;
		va_start(ap, fmt);
		fmt_vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
		va_end(ap);
	}
	out->count++;
}

static bool canonical(const struct vc *c, uint64_t a)
{
	uint64_t hi = a >> (c->vaddr_bits - 1);

	return hi == 0 || hi == ~0ULL >> (c->vaddr_bits - 1);
}

static bool beyond(uint64_t a, unsigned bits)
{
	return bits < 64 && (a >> bits) != 0;
}

/* A VMX structure address: aligned and within the physical-address width. */
static bool vmx_addr_ok(const struct vc *c, uint64_t a, uint64_t align)
{
	return IS_ALIGNED(a, align) && !beyond(a, c->vmx_addr_bits);
}

static unsigned ar_type(uint64_t ar)
{
	return (unsigned)bit_extract(ar, AR_TYPE_OFF, AR_TYPE_LEN);
}

static unsigned ar_dpl(uint64_t ar)
{
	return (unsigned)bit_extract(ar, AR_DPL_OFF, AR_DPL_LEN);
}

/* Allowed-0 settings in bits 31:0 of a capability, allowed-1 in 63:32. */
static void check_allowed(struct vc *c, const char *name, const char *sdm, uint64_t v, uint64_t cap)
{
	uint64_t must1 = cap & 0xFFFFFFFFu, may1 = cap >> 32;
	uint64_t clear = must1 & ~v, set = v & ~may1;

	if (clear | set)
		fail(c, name, sdm, "0x%llx: must-be-1 bits 0x%llx clear, must-be-0 bits 0x%llx set",
		     U(v), U(clear), U(set));
}

static void check_vmx_addr(struct vc *c, const char *name, const char *what, uint32_t field,
			   uint64_t align)
{
	uint64_t a = rd(c, field);

	if (!vmx_addr_ok(c, a, align))
		fail(c, name, SDM_EXEC, "%s 0x%llx: not %llu-byte aligned or above %u bits", what,
		     U(a), U(align), c->vmx_addr_bits);
}

/* ---- 26.2.1.1 VM-execution control fields ---- */

static void ctrl_exec_allowed(struct vc *c)
{
	check_allowed(c, "ctrl.pin.allowed_settings", SDM_EXEC, c->pin, c->caps->pin);
	check_allowed(c, "ctrl.proc.allowed_settings", SDM_EXEC, c->proc, c->caps->proc);
	if (c->proc & PROC_SECONDARY)
		check_allowed(c, "ctrl.proc2.allowed_settings", SDM_EXEC, c->proc2, c->caps->proc2);
}

static void ctrl_cr3_targets(struct vc *c)
{
	uint64_t n = rd(c, VMCS_CR3_TARGET_COUNT);
	uint64_t max =
		bit_extract(c->caps->misc, VMX_MISC_CR3_TARGETS_OFF, VMX_MISC_CR3_TARGETS_LEN);

	if (n > max)
		fail(c, "ctrl.cr3_target_count", SDM_EXEC, "count %llu > %llu (IA32_VMX_MISC)",
		     U(n), U(max));
}

static void ctrl_bitmaps(struct vc *c)
{
	if (c->proc & PROC_USE_IO_BITMAPS) {
		check_vmx_addr(c, "ctrl.io_bitmap.address", "I/O bitmap A", VMCS_IO_BITMAP_A,
			       PAGE_SIZE);
		check_vmx_addr(c, "ctrl.io_bitmap.address", "I/O bitmap B", VMCS_IO_BITMAP_B,
			       PAGE_SIZE);
	}
	if (c->proc & PROC_USE_MSR_BITMAPS)
		check_vmx_addr(c, "ctrl.msr_bitmap.address", "MSR bitmap", VMCS_MSR_BITMAP,
			       PAGE_SIZE);
}

static void ctrl_tpr_shadow(struct vc *c)
{
	uint64_t needs =
		c->proc2 & (PROC2_VIRT_X2APIC | PROC2_APIC_REG_VIRT | PROC2_VIRT_INTR_DELIVERY);

	if (!(c->proc & PROC_USE_TPR_SHADOW)) {
		if (needs)
			fail(c, "ctrl.tpr_shadow.required", SDM_EXEC,
			     "proc2 bits 0x%llx need \"use TPR shadow\"", U(needs));
		return;
	}
	check_vmx_addr(c, "ctrl.tpr_shadow.virtual_apic_address", "virtual-APIC page",
		       VMCS_VIRTUAL_APIC_ADDR, PAGE_SIZE);
	if (!(c->proc2 & PROC2_VIRT_INTR_DELIVERY)) {
		uint64_t t = rd(c, VMCS_TPR_THRESHOLD);

		if (t & ~0xFULL)
			fail(c, "ctrl.tpr_shadow.tpr_threshold", SDM_EXEC,
			     "TPR threshold 0x%llx: bits 31:4 must be 0", U(t));
	}
}

static void ctrl_nmi(struct vc *c)
{
	if ((c->pin & PIN_VIRTUAL_NMIS) && !(c->pin & PIN_NMI_EXIT))
		fail(c, "ctrl.nmi.virtual_nmis", SDM_EXEC,
		     "\"virtual NMIs\" set without \"NMI exiting\" (pin 0x%llx)", U(c->pin));
	if ((c->proc & PROC_NMI_WINDOW_EXIT) && !(c->pin & PIN_VIRTUAL_NMIS))
		fail(c, "ctrl.nmi.window_exiting", SDM_EXEC,
		     "\"NMI-window exiting\" set without \"virtual NMIs\" (pin 0x%llx)", U(c->pin));
}

static void ctrl_apic_virt(struct vc *c)
{
	if (c->proc2 & PROC2_VIRT_APIC_ACCESS)
		check_vmx_addr(c, "ctrl.apic_access.address", "APIC-access page",
			       VMCS_APIC_ACCESS_ADDR, PAGE_SIZE);
	if ((c->proc2 & PROC2_VIRT_X2APIC) && (c->proc2 & PROC2_VIRT_APIC_ACCESS))
		fail(c, "ctrl.x2apic_mode.apic_access", SDM_EXEC,
		     "\"virtualize x2APIC mode\" and \"virtualize APIC accesses\" both set");
	if ((c->proc2 & PROC2_VIRT_INTR_DELIVERY) && !(c->pin & PIN_EXT_INTR_EXIT))
		fail(c, "ctrl.vid.ext_intr_exiting", SDM_EXEC,
		     "\"virtual-interrupt delivery\" set without \"external-interrupt exiting\"");
}

static void ctrl_posted_intr(struct vc *c)
{
	uint64_t nv;

	if (!(c->pin & PIN_POSTED_INTR))
		return;
	if (!(c->proc2 & PROC2_VIRT_INTR_DELIVERY))
		fail(c, "ctrl.posted_intr.vid", SDM_EXEC,
		     "posted interrupts without \"virtual-interrupt delivery\"");
	if (!(c->exit & EXIT_ACK_INTR))
		fail(c, "ctrl.posted_intr.ack_on_exit", SDM_EXEC,
		     "posted interrupts without \"acknowledge interrupt on exit\"");
	nv = rd(c, VMCS_POSTED_INTR_NV);
	if (nv & ~0xFFULL)
		fail(c, "ctrl.posted_intr.vector", SDM_EXEC,
		     "notification vector 0x%llx: bits 15:8 must be 0", U(nv));
	check_vmx_addr(c, "ctrl.posted_intr.descriptor", "posted-interrupt descriptor",
		       VMCS_POSTED_INTR_DESC_ADDR, 64);
}

static void ctrl_vpid(struct vc *c)
{
	if ((c->proc2 & PROC2_ENABLE_VPID) && rd(c, VMCS_VPID) == 0)
		fail(c, "ctrl.vpid.zero", SDM_EXEC, "\"enable VPID\" set with VPID 0");
}

static void ctrl_eptp(struct vc *c)
{
	uint64_t eptp, caps = c->caps->ept_vpid, rsvd;
	unsigned mt, walk;

	if (!(c->proc2 & PROC2_ENABLE_EPT))
		return;
	eptp = rd(c, VMCS_EPT_POINTER);
	mt = (unsigned)bit_extract(eptp, EPTP_MT_OFF, EPTP_MT_LEN);
	if (!((mt == 0 && (caps & EPT_CAP_UC)) || (mt == 6 && (caps & EPT_CAP_WB))))
		fail(c, "ctrl.eptp.memory_type", SDM_EXEC,
		     "EPTP 0x%llx: memory type %u (EPT cap 0x%llx allows%s%s)", U(eptp), mt,
		     U(caps), (caps & EPT_CAP_UC) ? " UC=0" : "",
		     (caps & EPT_CAP_WB) ? " WB=6" : "");
	walk = (unsigned)bit_extract(eptp, EPTP_WALK_OFF, EPTP_WALK_LEN);
	if (!((walk == 3 && (caps & EPT_CAP_WALK_4)) || (walk == 4 && (caps & EPT_CAP_WALK_5))))
		fail(c, "ctrl.eptp.walk_length", SDM_EXEC,
		     "EPTP 0x%llx: bits 5:3 = %u, need 3 (4-level walk)", U(eptp), walk);
	if ((eptp & EPTP_AD) && !(caps & EPT_CAP_AD))
		fail(c, "ctrl.eptp.ad_flags", SDM_EXEC,
		     "EPTP 0x%llx: A/D bit 6 set, EPT cap 0x%llx lacks bit 21", U(eptp), U(caps));
	/* Bit 7 is reserved in the cited edition; later CPUs with CET define it
	 * (supervisor shadow stacks), and those offer "load CET state". */
	rsvd = EPTP_RESERVED_LOW;
	if (!((c->caps->entry >> 32) & ENTRY_LOAD_CET))
		rsvd |= EPTP_SSS;
	if (c->paddr_bits < 64)
		rsvd |= ~BIT_MASK(0, c->paddr_bits);
	if (eptp & rsvd)
		fail(c, "ctrl.eptp.reserved", SDM_EXEC, "EPTP 0x%llx: reserved bits 0x%llx set",
		     U(eptp), U(eptp & rsvd));
}

static void ctrl_ept_users(struct vc *c)
{
	bool ept = c->proc2 & PROC2_ENABLE_EPT;

	if (c->proc2 & PROC2_PML) {
		if (!ept)
			fail(c, "ctrl.pml.ept", SDM_EXEC,
			     "\"enable PML\" set without \"enable EPT\"");
		check_vmx_addr(c, "ctrl.pml.address", "PML", VMCS_PML_ADDR, PAGE_SIZE);
	}
	if (c->unrestricted && !ept)
		fail(c, "ctrl.unrestricted_guest.ept", SDM_EXEC,
		     "\"unrestricted guest\" set without \"enable EPT\"");
	if (c->proc2 & PROC2_EPT_VE)
		check_vmx_addr(c, "ctrl.ept_ve.address", "#VE information", VMCS_VE_INFO_ADDR,
			       PAGE_SIZE);
}

static void ctrl_vmfunc(struct vc *c)
{
	uint64_t f, bad;

	if (!(c->proc2 & PROC2_VMFUNC))
		return;
	f = rd(c, VMCS_VMFUNC_CONTROLS);
	bad = f & ~c->caps->vmfunc;
	if (bad)
		fail(c, "ctrl.vmfunc.allowed_settings", SDM_EXEC,
		     "VM-function controls 0x%llx: bits 0x%llx not in IA32_VMX_VMFUNC", U(f),
		     U(bad));
	if (f & VMFUNC_EPTP_SWITCHING) {
		if (!(c->proc2 & PROC2_ENABLE_EPT))
			fail(c, "ctrl.vmfunc.eptp_switching", SDM_EXEC,
			     "EPTP switching without \"enable EPT\"");
		check_vmx_addr(c, "ctrl.vmfunc.eptp_list_address", "EPTP list", VMCS_EPTP_LIST_ADDR,
			       PAGE_SIZE);
	}
}

static void ctrl_vmcs_shadowing(struct vc *c)
{
	if (!(c->proc2 & PROC2_VMCS_SHADOWING))
		return;
	check_vmx_addr(c, "ctrl.vmcs_shadowing.bitmap_address", "VMREAD bitmap", VMCS_VMREAD_BITMAP,
		       PAGE_SIZE);
	check_vmx_addr(c, "ctrl.vmcs_shadowing.bitmap_address", "VMWRITE bitmap",
		       VMCS_VMWRITE_BITMAP, PAGE_SIZE);
}

/* ---- 26.2.1.2 VM-exit control fields ---- */

static void ctrl_exit(struct vc *c)
{
	check_allowed(c, "ctrl.exit.allowed_settings", SDM_EXIT, c->exit, c->caps->exit);
	if ((c->exit & EXIT_SAVE_PREEMPT_TIMER) && !(c->pin & PIN_PREEMPT_TIMER))
		fail(c, "ctrl.exit.preempt_timer_save", SDM_EXIT,
		     "\"save VMX-preemption timer\" set without \"activate VMX-preemption timer\"");
}

/* An MSR-load/store area: 16-byte aligned, first and last byte within the
 * physical-address width. */
static void check_msr_area(struct vc *c, const char *name, const char *sdm, uint32_t count_field,
			   uint32_t addr_field)
{
	uint64_t n = rd(c, count_field), a, last;

	if (n == 0)
		return;
	a = rd(c, addr_field);
	last = a + n * 16 - 1;
	if (!IS_ALIGNED(a, 16) || beyond(a, c->vmx_addr_bits) || beyond(last, c->vmx_addr_bits))
		fail(c, name, sdm,
		     "%llu entries at 0x%llx (last byte 0x%llx): need 16-byte "
		     "alignment, below %u bits",
		     U(n), U(a), U(last), c->vmx_addr_bits);
}

static void ctrl_exit_msr_areas(struct vc *c)
{
	check_msr_area(c, "ctrl.exit.msr_store_address", SDM_EXIT, VMCS_EXIT_MSR_STORE_COUNT,
		       VMCS_EXIT_MSR_STORE_ADDR);
	check_msr_area(c, "ctrl.exit.msr_load_address", SDM_EXIT, VMCS_EXIT_MSR_LOAD_COUNT,
		       VMCS_EXIT_MSR_LOAD_ADDR);
}

/* ---- 26.2.1.3 VM-entry control fields ---- */

static void ctrl_entry(struct vc *c)
{
	check_allowed(c, "ctrl.entry.allowed_settings", SDM_ENTRY, c->entry, c->caps->entry);
	check_msr_area(c, "ctrl.entry.msr_load_address", SDM_ENTRY, VMCS_ENTRY_MSR_LOAD_COUNT,
		       VMCS_ENTRY_MSR_LOAD_ADDR);
	/* argon never runs in SMM, where alone these may be set. */
	if (c->entry & (ENTRY_SMM | ENTRY_DEACT_DUAL_MONITOR))
		fail(c, "ctrl.entry.smm", SDM_ENTRY,
		     "\"entry to SMM\"/\"deactivate dual-monitor\" set outside SMM (0x%llx)",
		     U(c->entry));
}

static bool exception_has_error_code(unsigned vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

static void ctrl_event_injection(struct vc *c)
{
	uint64_t info = c->intr_info;
	unsigned type = c->inj_type, vec = c->inj_vector;
	bool mtf = (c->caps->proc >> 32) & PROC_MONITOR_TRAP;
	bool want_err, has_err = info & INTR_INFO_DELIVER_ERROR;

	if (!c->inject)
		return;
	if (type == 1 || (type == INTR_TYPE_OTHER && !mtf))
		fail(c, "ctrl.entry.intr_info.type", SDM_ENTRY, "info 0x%llx: type %u is reserved",
		     U(info), type);
	if ((type == INTR_TYPE_NMI && vec != VEC_NMI) ||
	    (type == INTR_TYPE_HW_EXCEPTION && vec > 31) || (type == INTR_TYPE_OTHER && vec != 0))
		fail(c, "ctrl.entry.intr_info.vector", SDM_ENTRY,
		     "info 0x%llx: vector %u does not fit type %u", U(info), vec, type);
	want_err = (!c->unrestricted || (c->cr0 & CR0_PE)) && type == INTR_TYPE_HW_EXCEPTION &&
		   exception_has_error_code(vec);
	if (has_err != want_err)
		fail(c, "ctrl.entry.intr_info.error_code", SDM_ENTRY,
		     "info 0x%llx: deliver-error-code is %d, must be %d (type %u vector %u, CR0.PE "
		     "%d)",
		     U(info), has_err, want_err, type, vec, (int)(c->cr0 & CR0_PE));
	if (info & INTR_INFO_RESERVED_MASK)
		fail(c, "ctrl.entry.intr_info.reserved", SDM_ENTRY,
		     "info 0x%llx: reserved bits 30:12 set", U(info));
	/* The cited edition says 31:15; later ones, and the CPUs, check 31:16. */
	if (has_err) {
		uint64_t ec = rd(c, VMCS_ENTRY_EXCEPTION_ERROR);

		if (ec & ~0xFFFFULL)
			fail(c, "ctrl.entry.exception_error_code", SDM_ENTRY,
			     "error code 0x%llx: bits 31:16 must be 0", U(ec));
	}
	if (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXCEPTION ||
	    type == INTR_TYPE_SW_EXCEPTION) {
		uint64_t len = rd(c, VMCS_ENTRY_INSN_LEN);
		uint64_t min = (c->caps->misc & VMX_MISC_ZERO_LEN_INJECT) ? 0 : 1;

		if (len < min || len > 15)
			fail(c, "ctrl.entry.insn_len", SDM_ENTRY,
			     "software event (type %u) with instruction length %llu, need %llu-15",
			     type, U(len), U(min));
	}
}

/* ---- 26.2.2 Host control registers and MSRs ---- */

/* Bits a CR0/CR4 value gets wrong against IA32_VMX_CRx_FIXED0/1. */
static uint64_t fixed_bits_wrong(uint64_t v, uint64_t fixed0, uint64_t fixed1, uint64_t ignore)
{
	return ((fixed0 & ~v) | (v & ~fixed1)) & ~ignore;
}

static void check_fixed(struct vc *c, const char *name, const char *sdm, const char *reg,
			uint64_t v, uint64_t fixed0, uint64_t fixed1, uint64_t ignore)
{
	uint64_t bad = fixed_bits_wrong(v, fixed0, fixed1, ignore);

	if (bad)
		fail(c, name, sdm, "%s 0x%llx: bits 0x%llx wrong (fixed0 0x%llx fixed1 0x%llx)",
		     reg, U(v), U(bad), U(fixed0), U(fixed1));
}

static bool pat_ok(uint64_t pat)
{
	for (unsigned i = 0; i < 8; i++) {
		uint64_t t = (pat >> (i * 8)) & 0xFF;

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

static void host_cr(struct vc *c)
{
	const struct vmx_caps *k = c->caps;
	uint64_t cr3 = rd(c, VMCS_HOST_CR3);

	/* CR0.CD and CR0.NW are never checked: VM exit leaves them alone. */
	check_fixed(c, "host.cr0.fixed_bits", SDM_HOST_CR, "CR0", rd(c, VMCS_HOST_CR0),
		    k->cr0_fixed0, k->cr0_fixed1, CR0_CD | CR0_NW);
	check_fixed(c, "host.cr4.fixed_bits", SDM_HOST_CR, "CR4", rd(c, VMCS_HOST_CR4),
		    k->cr4_fixed0, k->cr4_fixed1, 0);
	if (beyond(cr3, c->paddr_bits))
		fail(c, "host.cr3.reserved", SDM_HOST_CR, "CR3 0x%llx: bits above %u set", U(cr3),
		     c->paddr_bits);
}

static void host_msrs(struct vc *c)
{
	uint64_t esp = rd(c, VMCS_HOST_SYSENTER_ESP), eip = rd(c, VMCS_HOST_SYSENTER_EIP);

	if (!canonical(c, esp))
		fail(c, "host.sysenter_esp.canonical", SDM_HOST_CR, "0x%llx not canonical", U(esp));
	if (!canonical(c, eip))
		fail(c, "host.sysenter_eip.canonical", SDM_HOST_CR, "0x%llx not canonical", U(eip));
	if (c->exit & EXIT_LOAD_PAT) {
		uint64_t pat = rd(c, VMCS_HOST_PAT);

		if (!pat_ok(pat))
			fail(c, "host.pat.values", SDM_HOST_CR,
			     "PAT 0x%llx: each byte must be 0, 1, 4, 5, 6 or 7", U(pat));
	}
	if (c->exit & EXIT_LOAD_EFER) {
		uint64_t efer = rd(c, VMCS_HOST_EFER);
		bool lma = efer & EFER_LMA, lme = efer & EFER_LME;

		if (efer & ~EFER_VALID)
			fail(c, "host.efer.reserved", SDM_HOST_CR,
			     "EFER 0x%llx: reserved bits 0x%llx set", U(efer),
			     U(efer & ~EFER_VALID));
		if (lma != c->host64 || lme != c->host64)
			fail(c, "host.efer.lma_lme", SDM_HOST_CR,
			     "EFER 0x%llx: LMA %d LME %d, \"host address-space size\" %d", U(efer),
			     lma, lme, c->host64);
	}
}

/* ---- 26.2.3 Host segment and descriptor-table registers ---- */

static const struct {
	uint32_t field;
	const char *rpl_ti;
} host_selectors[] = {
	{VMCS_HOST_ES_SEL, "host.es.selector_rpl_ti"},
	{VMCS_HOST_CS_SEL, "host.cs.selector_rpl_ti"},
	{VMCS_HOST_SS_SEL, "host.ss.selector_rpl_ti"},
	{VMCS_HOST_DS_SEL, "host.ds.selector_rpl_ti"},
	{VMCS_HOST_FS_SEL, "host.fs.selector_rpl_ti"},
	{VMCS_HOST_GS_SEL, "host.gs.selector_rpl_ti"},
	{VMCS_HOST_TR_SEL, "host.tr.selector_rpl_ti"},
};

static const struct {
	uint32_t field;
	const char *name;
} host_bases[] = {
	{VMCS_HOST_FS_BASE, "host.fs.base_canonical"},
	{VMCS_HOST_GS_BASE, "host.gs.base_canonical"},
	{VMCS_HOST_TR_BASE, "host.tr.base_canonical"},
	{VMCS_HOST_GDTR_BASE, "host.gdtr.base_canonical"},
	{VMCS_HOST_IDTR_BASE, "host.idtr.base_canonical"},
};

static void host_segments(struct vc *c)
{
	for (size_t i = 0; i < ARRAY_SIZE(host_selectors); i++) {
		uint64_t sel = rd(c, host_selectors[i].field);

		if (sel & 7)
			fail(c, host_selectors[i].rpl_ti, SDM_HOST_SEG,
			     "selector 0x%llx: RPL and TI must be 0", U(sel));
	}
	if (rd(c, VMCS_HOST_CS_SEL) == 0)
		fail(c, "host.cs.selector_zero", SDM_HOST_SEG, "CS selector is 0");
	if (rd(c, VMCS_HOST_TR_SEL) == 0)
		fail(c, "host.tr.selector_zero", SDM_HOST_SEG, "TR selector is 0");
	if (!c->host64 && rd(c, VMCS_HOST_SS_SEL) == 0)
		fail(c, "host.ss.selector_zero", SDM_HOST_SEG,
		     "SS selector is 0 with \"host address-space size\" 0");
	for (size_t i = 0; i < ARRAY_SIZE(host_bases); i++) {
		uint64_t base = rd(c, host_bases[i].field);

		if (!canonical(c, base))
			fail(c, host_bases[i].name, SDM_HOST_SEG, "base 0x%llx not canonical",
			     U(base));
	}
}

/* ---- 26.2.4 Address-space size ---- */

static void host_address_space(struct vc *c)
{
	uint64_t rip = rd(c, VMCS_HOST_RIP), cr4 = rd(c, VMCS_HOST_CR4);

	if (c->host64) {
		if (!(cr4 & CR4_PAE))
			fail(c, "host.cr4.pae", SDM_HOST_SIZE,
			     "CR4 0x%llx: PAE clear for 64-bit host", U(cr4));
		if (!canonical(c, rip))
			fail(c, "host.rip.canonical", SDM_HOST_SIZE, "RIP 0x%llx not canonical",
			     U(rip));
		return;
	}
	/* argon enters guests from 64-bit mode (IA32_EFER.LMA = 1). */
	fail(c, "host.address_space_size", SDM_HOST_SIZE,
	     "\"host address-space size\" is 0, VM entry runs in IA-32e mode");
	if (c->ia32e)
		fail(c, "host.address_space_size.ia32e_guest", SDM_HOST_SIZE,
		     "\"IA-32e mode guest\" set with 32-bit host");
	if (cr4 & CR4_PCIDE)
		fail(c, "host.cr4.pcide", SDM_HOST_SIZE, "CR4 0x%llx: PCIDE set for 32-bit host",
		     U(cr4));
	if (rip >> 32)
		fail(c, "host.rip.upper_bits", SDM_HOST_SIZE,
		     "RIP 0x%llx: bits 63:32 set for 32-bit "
		     "host",
		     U(rip));
}

/* ---- 26.3.1.1 Guest control registers, debug registers and MSRs ---- */

static void guest_cr(struct vc *c)
{
	const struct vmx_caps *k = c->caps;
	uint64_t cr0 = c->cr0, cr4 = c->cr4, cr3 = rd(c, VMCS_GUEST_CR3);
	uint64_t ignore0 = CR0_CD | CR0_NW | (c->unrestricted ? CR0_PE | CR0_PG : 0);

	check_fixed(c, "guest.cr0.fixed_bits", SDM_GUEST_CR, "CR0", cr0, k->cr0_fixed0,
		    k->cr0_fixed1, ignore0);
	if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
		fail(c, "guest.cr0.pg_without_pe", SDM_GUEST_CR, "CR0 0x%llx: PG set, PE clear",
		     U(cr0));
	check_fixed(c, "guest.cr4.fixed_bits", SDM_GUEST_CR, "CR4", cr4, k->cr4_fixed0,
		    k->cr4_fixed1, 0);
	if ((cr4 & CR4_CET) && !(cr0 & CR0_WP))
		fail(c, "guest.cr4.cet_without_wp", SDM_GUEST_CR,
		     "CR4 0x%llx: CET set with CR0.WP clear", U(cr4));
	if (c->ia32e && !(cr0 & CR0_PG))
		fail(c, "guest.cr0.pg_ia32e", SDM_GUEST_CR,
		     "CR0 0x%llx: PG clear with \"IA-32e mode guest\"", U(cr0));
	if (c->ia32e && !(cr4 & CR4_PAE))
		fail(c, "guest.cr4.pae_ia32e", SDM_GUEST_CR,
		     "CR4 0x%llx: PAE clear with \"IA-32e mode guest\"", U(cr4));
	if (!c->ia32e && (cr4 & CR4_PCIDE))
		fail(c, "guest.cr4.pcide", SDM_GUEST_CR,
		     "CR4 0x%llx: PCIDE set without \"IA-32e mode guest\"", U(cr4));
	if (beyond(cr3, c->paddr_bits))
		fail(c, "guest.cr3.reserved", SDM_GUEST_CR, "CR3 0x%llx: bits above %u set", U(cr3),
		     c->paddr_bits);
}

static void guest_debug(struct vc *c)
{
	uint64_t debugctl, dr7;

	if (!(c->entry & ENTRY_LOAD_DEBUG))
		return;
	debugctl = rd(c, VMCS_GUEST_DEBUGCTL);
	if (debugctl & DEBUGCTL_RESERVED)
		fail(c, "guest.debugctl.reserved", SDM_GUEST_CR,
		     "IA32_DEBUGCTL 0x%llx: reserved bits 0x%llx set", U(debugctl),
		     U(debugctl & DEBUGCTL_RESERVED));
	dr7 = rd(c, VMCS_GUEST_DR7);
	if (dr7 >> 32)
		fail(c, "guest.dr7.upper_bits", SDM_GUEST_CR, "DR7 0x%llx: bits 63:32 set", U(dr7));
}

static void guest_msrs(struct vc *c)
{
	uint64_t esp = rd(c, VMCS_GUEST_SYSENTER_ESP), eip = rd(c, VMCS_GUEST_SYSENTER_EIP);

	if (!canonical(c, esp))
		fail(c, "guest.sysenter_esp.canonical", SDM_GUEST_CR, "0x%llx not canonical",
		     U(esp));
	if (!canonical(c, eip))
		fail(c, "guest.sysenter_eip.canonical", SDM_GUEST_CR, "0x%llx not canonical",
		     U(eip));
	if (c->entry & ENTRY_LOAD_PAT) {
		uint64_t pat = rd(c, VMCS_GUEST_PAT);

		if (!pat_ok(pat))
			fail(c, "guest.pat.values", SDM_GUEST_CR,
			     "PAT 0x%llx: each byte must be 0, 1, 4, 5, 6 or 7", U(pat));
	}
	if (c->entry & ENTRY_LOAD_EFER) {
		uint64_t efer = rd(c, VMCS_GUEST_EFER);
		bool lma = efer & EFER_LMA, lme = efer & EFER_LME;

		if (efer & ~EFER_VALID)
			fail(c, "guest.efer.reserved", SDM_GUEST_CR,
			     "EFER 0x%llx: reserved bits 0x%llx set", U(efer),
			     U(efer & ~EFER_VALID));
		if (lma != c->ia32e)
			fail(c, "guest.efer.lma", SDM_GUEST_CR,
			     "EFER 0x%llx: LMA %d, \"IA-32e mode guest\" %d", U(efer), lma,
			     c->ia32e);
		if ((c->cr0 & CR0_PG) && lma != lme)
			fail(c, "guest.efer.lme", SDM_GUEST_CR,
			     "EFER 0x%llx: LMA %d LME %d with CR0.PG set", U(efer), lma, lme);
	}
}

/* ---- 26.3.1.2 Guest segment registers ---- */

enum { SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_TR, SEG_LDTR, SEG_COUNT };

/* Check names per register; base is base_upper or base_canonical. */
struct seg_names {
	const char *type, *s, *dpl, *present, *reserved, *granularity, *base;
	const char *v86_base, *v86_limit, *v86_ar;
};

struct guest_seg {
	uint32_t sel, base, limit, ar;
	struct seg_names n;
};

#define GUEST_SEG(r, R, base_check)                                         \
	{                                                                   \
		.sel = VMCS_GUEST_##R##_SEL, .base = VMCS_GUEST_##R##_BASE, \
		.limit = VMCS_GUEST_##R##_LIMIT, .ar = VMCS_GUEST_##R##_AR, \
		.n = {                                                      \
			.type = "guest." #r ".type",                        \
			.s = "guest." #r ".s",                              \
			.dpl = "guest." #r ".dpl",                          \
			.present = "guest." #r ".present",                  \
			.reserved = "guest." #r ".reserved",                \
			.granularity = "guest." #r ".granularity",          \
			.base = "guest." #r "." #base_check,                \
			.v86_base = "guest." #r ".v86_base",                \
			.v86_limit = "guest." #r ".v86_limit",              \
			.v86_ar = "guest." #r ".v86_ar",                    \
		},                                                          \
	}

static const struct guest_seg guest_segs[SEG_COUNT] = {
	[SEG_CS] = GUEST_SEG(cs, CS, base_upper),
	[SEG_SS] = GUEST_SEG(ss, SS, base_upper),
	[SEG_DS] = GUEST_SEG(ds, DS, base_upper),
	[SEG_ES] = GUEST_SEG(es, ES, base_upper),
	[SEG_FS] = GUEST_SEG(fs, FS, base_canonical),
	[SEG_GS] = GUEST_SEG(gs, GS, base_canonical),
	[SEG_TR] = GUEST_SEG(tr, TR, base_canonical),
	[SEG_LDTR] = GUEST_SEG(ldtr, LDTR, base_canonical),
};

struct seg_state {
	uint64_t sel, base, limit, ar;
};

static struct seg_state read_seg(const struct vc *c, unsigned i)
{
	const struct guest_seg *s = &guest_segs[i];
	struct seg_state st = {rd(c, s->sel), rd(c, s->base), rd(c, s->limit), rd(c, s->ar)};

	return st;
}

static bool usable(uint64_t ar)
{
	return !(ar & AR_UNUSABLE);
}

/* Limit bits 11:0 not all ones need G = 0; any of bits 31:20 set needs G = 1. */
static void check_granularity(struct vc *c, unsigned i, const struct seg_state *st)
{
	bool g = st->ar & AR_G;

	if ((g && (st->limit & 0xFFF) != 0xFFF) || (!g && (st->limit & 0xFFF00000u)))
		fail(c, guest_segs[i].n.granularity, SDM_GUEST_SEG,
		     "limit 0x%llx with G=%d (AR 0x%llx)", U(st->limit), g, U(st->ar));
}

static void check_present_reserved(struct vc *c, unsigned i, const struct seg_state *st)
{
	if (!(st->ar & AR_P))
		fail(c, guest_segs[i].n.present, SDM_GUEST_SEG, "AR 0x%llx: P clear", U(st->ar));
	if (st->ar & AR_RESERVED_MASK)
		fail(c, guest_segs[i].n.reserved, SDM_GUEST_SEG,
		     "AR 0x%llx: reserved bits 0x%llx set", U(st->ar),
		     U(st->ar & AR_RESERVED_MASK));
}

static void guest_selectors(struct vc *c)
{
	uint64_t tr = rd(c, VMCS_GUEST_TR_SEL), ldtr_ar = rd(c, VMCS_GUEST_LDTR_AR);

	if (tr & 4)
		fail(c, "guest.tr.selector_ti", SDM_GUEST_SEG, "TR selector 0x%llx: TI set", U(tr));
	if (usable(ldtr_ar)) {
		uint64_t ldtr = rd(c, VMCS_GUEST_LDTR_SEL);

		if (ldtr & 4)
			fail(c, "guest.ldtr.selector_ti", SDM_GUEST_SEG,
			     "LDTR selector 0x%llx: TI set", U(ldtr));
	}
	if (!c->v86 && !c->unrestricted) {
		uint64_t ss = rd(c, VMCS_GUEST_SS_SEL);

		if ((ss & 3) != (c->cs_sel & 3))
			fail(c, "guest.ss.rpl", SDM_GUEST_SEG,
			     "SS selector 0x%llx RPL differs from CS selector 0x%llx", U(ss),
			     U(c->cs_sel));
	}
}

static void guest_bases(struct vc *c)
{
	for (unsigned i = 0; i < SEG_COUNT; i++) {
		uint64_t ar = rd(c, guest_segs[i].ar), base;
		bool upper_only = i <= SEG_ES; /* CS, SS, DS, ES */

		if (i != SEG_CS && i != SEG_TR && i != SEG_FS && i != SEG_GS && !usable(ar))
			continue;
		base = rd(c, guest_segs[i].base);
		if (upper_only ? (base >> 32) != 0 : !canonical(c, base))
			fail(c, guest_segs[i].n.base, SDM_GUEST_SEG, "base 0x%llx: %s", U(base),
			     upper_only ? "bits 63:32 set" : "not canonical");
	}
}

/* Virtual-8086 guests: base = selector << 4, limit 0xFFFF, AR 0xF3. */
static void guest_v86_segments(struct vc *c)
{
	if (!c->v86)
		return;
	for (unsigned i = SEG_CS; i <= SEG_GS; i++) {
		struct seg_state st = read_seg(c, i);

		if (st.base != (st.sel & 0xFFFF) << 4)
			fail(c, guest_segs[i].n.v86_base, SDM_GUEST_SEG,
			     "base 0x%llx, selector 0x%llx", U(st.base), U(st.sel));
		if (st.limit != 0xFFFF)
			fail(c, guest_segs[i].n.v86_limit, SDM_GUEST_SEG,
			     "limit 0x%llx, need 0xFFFF", U(st.limit));
		if (st.ar != 0xF3)
			fail(c, guest_segs[i].n.v86_ar, SDM_GUEST_SEG, "AR 0x%llx, need 0xF3",
			     U(st.ar));
	}
}

static bool cs_type_ok(const struct vc *c, unsigned type)
{
	return type == 9 || type == 11 || type == 13 || type == 15 ||
	       (c->unrestricted && type == 3);
}

static void guest_cs(struct vc *c)
{
	struct seg_state st = read_seg(c, SEG_CS);
	const struct seg_names *n = &guest_segs[SEG_CS].n;
	unsigned type = ar_type(st.ar), dpl = ar_dpl(st.ar), ss_dpl = ar_dpl(c->ss_ar);

	if (!cs_type_ok(c, type))
		fail(c, n->type, SDM_GUEST_SEG,
		     "AR 0x%llx: type %u, need an accessed code "
		     "segment%s",
		     U(st.ar), type, c->unrestricted ? " or 3" : "");
	if (!(st.ar & AR_S))
		fail(c, n->s, SDM_GUEST_SEG, "AR 0x%llx: S clear", U(st.ar));
	if ((type == 3 && dpl != 0) || ((type == 9 || type == 11) && dpl != ss_dpl) ||
	    ((type == 13 || type == 15) && dpl > ss_dpl))
		fail(c, n->dpl, SDM_GUEST_SEG, "AR 0x%llx: DPL %u, type %u, SS.DPL %u", U(st.ar),
		     dpl, type, ss_dpl);
	check_present_reserved(c, SEG_CS, &st);
	if (c->ia32e && (st.ar & AR_L) && (st.ar & AR_DB))
		fail(c, "guest.cs.l_and_db", SDM_GUEST_SEG, "AR 0x%llx: L and D/B both set",
		     U(st.ar));
	check_granularity(c, SEG_CS, &st);
}

static void guest_ss(struct vc *c)
{
	struct seg_state st = read_seg(c, SEG_SS);
	const struct seg_names *n = &guest_segs[SEG_SS].n;
	unsigned type = ar_type(st.ar), dpl = ar_dpl(st.ar), rpl = (unsigned)(st.sel & 3);

	/* SS.DPL is the CPL after entry: checked even for an unusable SS. */
	if (!c->unrestricted && dpl != rpl)
		fail(c, n->dpl, SDM_GUEST_SEG, "AR 0x%llx: DPL %u, selector 0x%llx RPL %u",
		     U(st.ar), dpl, U(st.sel), rpl);
	else if ((ar_type(c->cs_ar) == 3 || !(c->cr0 & CR0_PE)) && dpl != 0)
		fail(c, n->dpl, SDM_GUEST_SEG,
		     "AR 0x%llx: DPL %u, must be 0 with CS type 3 or CR0.PE clear", U(st.ar), dpl);
	if (!usable(st.ar))
		return;
	if (type != 3 && type != 7)
		fail(c, n->type, SDM_GUEST_SEG, "AR 0x%llx: type %u, need 3 or 7", U(st.ar), type);
	if (!(st.ar & AR_S))
		fail(c, n->s, SDM_GUEST_SEG, "AR 0x%llx: S clear", U(st.ar));
	check_present_reserved(c, SEG_SS, &st);
	check_granularity(c, SEG_SS, &st);
}

static void guest_data_segs(struct vc *c)
{
	for (unsigned i = SEG_DS; i <= SEG_GS; i++) {
		struct seg_state st = read_seg(c, i);
		const struct seg_names *n = &guest_segs[i].n;
		unsigned type = ar_type(st.ar), dpl = ar_dpl(st.ar), rpl = (unsigned)(st.sel & 3);

		if (!usable(st.ar))
			continue;
		/* Accessed; a code segment must also be readable. */
		if (!(type & 1) || ((type & 8) && !(type & 2)))
			fail(c, n->type, SDM_GUEST_SEG, "AR 0x%llx: type %u", U(st.ar), type);
		if (!(st.ar & AR_S))
			fail(c, n->s, SDM_GUEST_SEG, "AR 0x%llx: S clear", U(st.ar));
		if (!c->unrestricted && type <= 11 && dpl < rpl)
			fail(c, n->dpl, SDM_GUEST_SEG,
			     "AR 0x%llx: DPL %u below selector 0x%llx RPL", U(st.ar), dpl,
			     U(st.sel));
		check_present_reserved(c, i, &st);
		check_granularity(c, i, &st);
	}
}

static void guest_segments_ar(struct vc *c)
{
	if (c->v86)
		return;
	guest_cs(c);
	guest_ss(c);
	guest_data_segs(c);
}

static void guest_tr(struct vc *c)
{
	struct seg_state st = read_seg(c, SEG_TR);
	const struct seg_names *n = &guest_segs[SEG_TR].n;
	unsigned type = ar_type(st.ar);

	if (c->ia32e ? type != 11 : (type != 3 && type != 11))
		fail(c, n->type, SDM_GUEST_SEG, "AR 0x%llx: type %u, need %s", U(st.ar), type,
		     c->ia32e ? "11 (64-bit busy TSS)" : "3 or 11 (busy TSS)");
	if (st.ar & AR_S)
		fail(c, n->s, SDM_GUEST_SEG, "AR 0x%llx: S set", U(st.ar));
	check_present_reserved(c, SEG_TR, &st);
	check_granularity(c, SEG_TR, &st);
	if (!usable(st.ar))
		fail(c, "guest.tr.unusable", SDM_GUEST_SEG, "AR 0x%llx: TR marked unusable",
		     U(st.ar));
}

static void guest_ldtr(struct vc *c)
{
	struct seg_state st = read_seg(c, SEG_LDTR);
	const struct seg_names *n = &guest_segs[SEG_LDTR].n;

	if (!usable(st.ar))
		return;
	if (ar_type(st.ar) != 2)
		fail(c, n->type, SDM_GUEST_SEG, "AR 0x%llx: type %u, need 2 (LDT)", U(st.ar),
		     ar_type(st.ar));
	if (st.ar & AR_S)
		fail(c, n->s, SDM_GUEST_SEG, "AR 0x%llx: S set", U(st.ar));
	check_present_reserved(c, SEG_LDTR, &st);
	check_granularity(c, SEG_LDTR, &st);
}

/* ---- 26.3.1.3 Guest descriptor-table registers ---- */

static void guest_dtrs(struct vc *c)
{
	static const struct {
		uint32_t base, limit;
		const char *n_base, *n_limit;
	} dt[] = {
		{VMCS_GUEST_GDTR_BASE, VMCS_GUEST_GDTR_LIMIT, "guest.gdtr.base_canonical",
		 "guest.gdtr.limit"},
		{VMCS_GUEST_IDTR_BASE, VMCS_GUEST_IDTR_LIMIT, "guest.idtr.base_canonical",
		 "guest.idtr.limit"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(dt); i++) {
		uint64_t base = rd(c, dt[i].base), limit = rd(c, dt[i].limit);

		if (!canonical(c, base))
			fail(c, dt[i].n_base, SDM_GUEST_DTR, "base 0x%llx not canonical", U(base));
		if (limit > 0xFFFF)
			fail(c, dt[i].n_limit, SDM_GUEST_DTR, "limit 0x%llx: bits 31:16 set",
			     U(limit));
	}
}

/* ---- 26.3.1.4 Guest RIP and RFLAGS ---- */

static void guest_rip_rflags(struct vc *c)
{
	uint64_t rip = rd(c, VMCS_GUEST_RIP), rf = c->rflags;

	if (!c->ia32e || !(c->cs_ar & AR_L)) {
		if (rip >> 32)
			fail(c, "guest.rip.upper_bits", SDM_GUEST_RIP,
			     "RIP 0x%llx: bits 63:32 set outside 64-bit mode", U(rip));
	} else if (!canonical(c, rip)) {
		fail(c, "guest.rip.canonical", SDM_GUEST_RIP, "RIP 0x%llx not canonical", U(rip));
	}
	if ((rf & RFLAGS_RESERVED) || !(rf & RFLAGS_FIXED1))
		fail(c, "guest.rflags.reserved", SDM_GUEST_RIP,
		     "RFLAGS 0x%llx: bit 1 must be 1; 63:22, 15, 5, 3 must be 0", U(rf));
	if ((rf & RFLAGS_VM) && (c->ia32e || !(c->cr0 & CR0_PE)))
		fail(c, "guest.rflags.vm", SDM_GUEST_RIP,
		     "RFLAGS 0x%llx: VM set with IA-32e mode guest or CR0.PE clear", U(rf));
	if (c->inject && c->inj_type == INTR_TYPE_EXT_INTR && !(rf & RFLAGS_IF))
		fail(c, "guest.rflags.if", SDM_GUEST_RIP,
		     "RFLAGS 0x%llx: IF clear while injecting external interrupt %u", U(rf),
		     c->inj_vector);
}

/* ---- 26.3.1.5 Guest non-register state ---- */

static bool activity_supported(const struct vc *c, uint64_t act)
{
	switch (act) {
	case ACTIVITY_ACTIVE:
		return true;
	case ACTIVITY_HLT:
		return c->caps->misc & VMX_MISC_ACTIVITY_HLT;
	case ACTIVITY_SHUTDOWN:
		return c->caps->misc & VMX_MISC_ACTIVITY_SHUTDOWN;
	case ACTIVITY_WAIT_SIPI:
		return c->caps->misc & VMX_MISC_ACTIVITY_WAIT_SIPI;
	default:
		return false;
	}
}

/* Which injected events an activity state accepts. */
static bool event_allowed(uint64_t act, unsigned type, unsigned vec)
{
	switch (act) {
	case ACTIVITY_HLT:
		return type == INTR_TYPE_EXT_INTR || type == INTR_TYPE_NMI ||
		       (type == INTR_TYPE_HW_EXCEPTION && (vec == VEC_DB || vec == VEC_MC)) ||
		       (type == INTR_TYPE_OTHER && vec == 0);
	case ACTIVITY_SHUTDOWN:
		return type == INTR_TYPE_NMI || (type == INTR_TYPE_HW_EXCEPTION && vec == VEC_MC);
	case ACTIVITY_WAIT_SIPI:
		return false;
	default:
		return true;
	}
}

static void guest_activity(struct vc *c)
{
	uint64_t act = c->activity, intr = c->interruptibility;

	if (!activity_supported(c, act))
		fail(c, "guest.activity.unsupported", SDM_GUEST_STATE,
		     "activity state %llu (IA32_VMX_MISC 0x%llx)", U(act), U(c->caps->misc));
	if (act == ACTIVITY_HLT && ar_dpl(c->ss_ar) != 0)
		fail(c, "guest.activity.hlt_with_dpl", SDM_GUEST_STATE, "HLT with SS.DPL %u",
		     ar_dpl(c->ss_ar));
	if (act != ACTIVITY_ACTIVE && (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)))
		fail(c, "guest.activity.blocking", SDM_GUEST_STATE,
		     "activity state %llu with STI/MOV-SS blocking (0x%llx)", U(act), U(intr));
	if (c->inject && !event_allowed(act, c->inj_type, c->inj_vector))
		fail(c, "guest.activity.event", SDM_GUEST_STATE,
		     "activity state %llu cannot take event type %u vector %u", U(act), c->inj_type,
		     c->inj_vector);
	if ((c->entry & ENTRY_SMM) && act == ACTIVITY_WAIT_SIPI)
		fail(c, "guest.activity.smm_sipi", SDM_GUEST_STATE,
		     "wait-for-SIPI with \"entry to SMM\"");
}

static void guest_interruptibility(struct vc *c)
{
	uint64_t intr = c->interruptibility;
	bool sti = intr & INTERRUPTIBILITY_STI, movss = intr & INTERRUPTIBILITY_MOV_SS;
	bool smi = intr & INTERRUPTIBILITY_SMI, smm_entry = c->entry & ENTRY_SMM;

	if (intr & INTERRUPTIBILITY_RESERVED_MASK)
		fail(c, "guest.interruptibility.reserved", SDM_GUEST_STATE,
		     "0x%llx: reserved bits 31:5 set", U(intr));
	if (sti && movss)
		fail(c, "guest.interruptibility.sti_and_mov_ss", SDM_GUEST_STATE,
		     "0x%llx: STI and MOV-SS blocking both set", U(intr));
	if (sti && !(c->rflags & RFLAGS_IF))
		fail(c, "guest.interruptibility.sti_without_if", SDM_GUEST_STATE,
		     "0x%llx: STI blocking with RFLAGS.IF clear", U(intr));
	if (c->inject && (c->inj_type == INTR_TYPE_EXT_INTR || c->inj_type == INTR_TYPE_NMI) &&
	    (sti || movss))
		fail(c, "guest.interruptibility.injection_blocked", SDM_GUEST_STATE,
		     "0x%llx: STI/MOV-SS blocking while injecting type %u", U(intr), c->inj_type);
	/* Outside SMM the SMI bit must be 0; "entry to SMM" would need it 1. */
	if (smi || smm_entry)
		fail(c, "guest.interruptibility.smi", SDM_GUEST_STATE,
		     "0x%llx: SMI blocking %d outside SMM, \"entry to SMM\" %d", U(intr), smi,
		     smm_entry);
	if ((c->pin & PIN_VIRTUAL_NMIS) && c->inject && c->inj_type == INTR_TYPE_NMI &&
	    (intr & INTERRUPTIBILITY_NMI))
		fail(c, "guest.interruptibility.nmi", SDM_GUEST_STATE,
		     "0x%llx: NMI blocking while injecting an NMI with virtual NMIs", U(intr));
	if ((intr & INTERRUPTIBILITY_ENCLAVE) && movss)
		fail(c, "guest.interruptibility.enclave", SDM_GUEST_STATE,
		     "0x%llx: enclave interruption with MOV-SS blocking", U(intr));
}

static void guest_pending_dbg(struct vc *c)
{
	uint64_t pd = rd(c, VMCS_GUEST_PENDING_DBG), intr = c->interruptibility;

	if (pd & PENDING_DBG_RESERVED)
		fail(c, "guest.pending_dbg.reserved", SDM_GUEST_STATE,
		     "0x%llx: reserved bits 0x%llx set", U(pd), U(pd & PENDING_DBG_RESERVED));
	/* BS must say whether a single-step trap is pending, when the guest
	 * cannot take it at once. BTF counts only if DEBUGCTL is loaded. */
	if ((intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)) ||
	    c->activity == ACTIVITY_HLT) {
		bool tf = c->rflags & RFLAGS_TF, bs = pd & PENDING_DBG_BS, btf = false;

		if (c->entry & ENTRY_LOAD_DEBUG)
			btf = rd(c, VMCS_GUEST_DEBUGCTL) & DEBUGCTL_BTF;
		if (bs != (tf && !btf))
			fail(c, "guest.pending_dbg.bs", SDM_GUEST_STATE,
			     "0x%llx: BS %d with RFLAGS.TF %d, DEBUGCTL.BTF %d", U(pd), bs, tf,
			     btf);
	}
	if (pd & PENDING_DBG_RTM) {
		bool bad = (pd & (BIT_MASK(0, 12) | BIT_MASK(13, 3))) || !(pd & PENDING_DBG_BP) ||
			   (intr & INTERRUPTIBILITY_MOV_SS);

		if (bad)
			fail(c, "guest.pending_dbg.rtm", SDM_GUEST_STATE,
			     "0x%llx: RTM needs bit 12 set, bits 15:13 and 11:0 clear, no MOV-SS "
			     "blocking",
			     U(pd));
	}
}

static void guest_vmcs_link(struct vc *c)
{
	uint64_t link = rd(c, VMCS_LINK_POINTER);

	if (link == ~0ULL)
		return;
	/* Without shadowing the CPU would need a VMCS there: argon never
	 * links one, so anything but ~0 is reported. */
	if (!(c->proc2 & PROC2_VMCS_SHADOWING))
		fail(c, "guest.vmcs_link.pointer", SDM_GUEST_STATE,
		     "0x%llx: must be ~0 without VMCS shadowing", U(link));
	else if (!vmx_addr_ok(c, link, PAGE_SIZE))
		fail(c, "guest.vmcs_link.pointer", SDM_GUEST_STATE,
		     "0x%llx: not 4K-aligned or above %u bits", U(link), c->vmx_addr_bits);
}

/* ---- 26.3.1.6 Guest PDPTEs (PAE paging with EPT) ---- */

static void guest_pdptes(struct vc *c)
{
	static const uint32_t fields[] = {VMCS_GUEST_PDPTE0, VMCS_GUEST_PDPTE1, VMCS_GUEST_PDPTE2,
					  VMCS_GUEST_PDPTE3};
	uint64_t rsvd = PDPTE_RESERVED_LOW;

	if (!(c->cr0 & CR0_PG) || !(c->cr4 & CR4_PAE) || c->ia32e || !(c->proc2 & PROC2_ENABLE_EPT))
		return;
	if (c->paddr_bits < 64)
		rsvd |= ~BIT_MASK(0, c->paddr_bits);
	for (unsigned i = 0; i < ARRAY_SIZE(fields); i++) {
		uint64_t e = rd(c, fields[i]);

		if ((e & PDPTE_P) && (e & rsvd))
			fail(c, "guest.pdpte.reserved", SDM_GUEST_PDPTE,
			     "PDPTE%u 0x%llx: reserved bits 0x%llx set", i, U(e), U(e & rsvd));
	}
}

typedef void (*check_fn)(struct vc *c);

static const check_fn checks[] = {
	/* 26.2.1 controls */
	ctrl_exec_allowed,
	ctrl_cr3_targets,
	ctrl_bitmaps,
	ctrl_tpr_shadow,
	ctrl_nmi,
	ctrl_apic_virt,
	ctrl_posted_intr,
	ctrl_vpid,
	ctrl_eptp,
	ctrl_ept_users,
	ctrl_vmfunc,
	ctrl_vmcs_shadowing,
	ctrl_exit,
	ctrl_exit_msr_areas,
	ctrl_entry,
	ctrl_event_injection,
	/* 26.2.2-26.2.4 host state */
	host_cr,
	host_msrs,
	host_segments,
	host_address_space,
	/* 26.3.1 guest state */
	guest_cr,
	guest_debug,
	guest_msrs,
	guest_selectors,
	guest_bases,
	guest_v86_segments,
	guest_segments_ar,
	guest_tr,
	guest_ldtr,
	guest_dtrs,
	guest_rip_rflags,
	guest_activity,
	guest_interruptibility,
	guest_pending_dbg,
	guest_vmcs_link,
	guest_pdptes,
};

static unsigned clamp_bits(unsigned v, unsigned dflt, unsigned lo, unsigned hi)
{
	if (v == 0)
		return dflt;
	return v < lo ? lo : v > hi ? hi : v;
}

static void decode(struct vc *c)
{
	uint64_t info;

	c->paddr_bits = clamp_bits(c->caps->maxphyaddr, 36, 32, 52);
	c->vmx_addr_bits = c->paddr_bits;
	if ((c->caps->basic & VMX_BASIC_PHYS_ADDR_32) && c->vmx_addr_bits > 32)
		c->vmx_addr_bits = 32;
	c->vaddr_bits = clamp_bits(c->caps->vaddr_bits, 48, 32, 64);

	c->pin = rd(c, VMCS_PIN_CONTROLS);
	c->proc = rd(c, VMCS_PROC_CONTROLS);
	/* Without "activate secondary controls" they all act as 0. */
	c->proc2 = (c->proc & PROC_SECONDARY) ? rd(c, VMCS_PROC_CONTROLS2) : 0;
	c->exit = rd(c, VMCS_EXIT_CONTROLS);
	c->entry = rd(c, VMCS_ENTRY_CONTROLS);
	c->unrestricted = c->proc2 & PROC2_UNRESTRICTED_GUEST;
	c->ia32e = c->entry & ENTRY_IA32E_MODE;
	c->host64 = c->exit & EXIT_HOST_ADDR_SPACE_SIZE;

	info = rd(c, VMCS_ENTRY_INTR_INFO);
	c->intr_info = info;
	c->inject = info & INTR_INFO_VALID;
	c->inj_type = (unsigned)bit_extract(info, INTR_INFO_TYPE_OFF, INTR_INFO_TYPE_LEN);
	c->inj_vector = (unsigned)bit_extract(info, INTR_INFO_VECTOR_OFF, INTR_INFO_VECTOR_LEN);

	c->cr0 = rd(c, VMCS_GUEST_CR0);
	c->cr4 = rd(c, VMCS_GUEST_CR4);
	c->rflags = rd(c, VMCS_GUEST_RFLAGS);
	c->cs_sel = rd(c, VMCS_GUEST_CS_SEL);
	c->cs_ar = rd(c, VMCS_GUEST_CS_AR);
	c->ss_ar = rd(c, VMCS_GUEST_SS_AR);
	c->interruptibility = rd(c, VMCS_GUEST_INTERRUPTIBILITY);
	c->activity = rd(c, VMCS_GUEST_ACTIVITY_STATE);
	/* A VM flag with IA-32e mode or CR0.PE clear fails on its own
	 * (guest.rflags.vm); judging segments as V86 then would only add noise. */
	c->v86 = (c->rflags & RFLAGS_VM) && !c->ia32e && (c->cr0 & CR0_PE);
}

unsigned vmcs_check_entry(const struct vmcs_reader *r, const struct vmx_caps *caps,
			  struct vmcs_check_result *out)
{
	struct vc c = {.r = r, .caps = caps, .out = out};

	out->count = 0;
	decode(&c);
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
		checks[i](&c);
	return out->count;
}
