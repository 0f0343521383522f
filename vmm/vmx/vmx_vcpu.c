/* VMX vCPUs: VMCS set-up, the run step, event injection and state dumps. */
#include <stddef.h>

#include "lib/err.h"
#include "lib/string.h"
#include "vmm/host/apic.h"
#include "vmm/host/cpu.h"
#include "vmm/host/cpu_tables.h"
#include "vmm/guest.h"
#include "vmm/guest_rules.h"
#include "vmm/log.h"
#include "vmm/msr_policy.h"
#include "vmm/page_alloc.h"
#include "vmm/vmx/vmx.h"
#include "vmm/vmx/vmx_cr.h"
#include "vmm/vmx/vmx_maps.h"
#include "vmm/x86.h"

/* vmx_run.S addresses struct guest_regs by these offsets. */
_Static_assert(offsetof(struct guest_regs, rax) == 0, "guest_regs layout");
_Static_assert(offsetof(struct guest_regs, rdi) == 56, "guest_regs layout");
_Static_assert(offsetof(struct guest_regs, r15) == 120, "guest_regs layout");

#define DEFAULT_PAT 0x0007040600070406ULL
#define EPTP_WB 6ULL
#define EPTP_WALK_4 (3ULL << EPTP_WALK_OFF)

void vmx_exit_point(void);

static struct vmx_vcpu *to_vmx(struct vcpu *v)
{
	return v->arch;
}

/* The setting of a control word: what argon wants, plus what the CPU
 * requires, minus what it cannot do (SDM A.3). */
static uint32_t adjust(uint64_t allowed, uint32_t want)
{
	return (uint32_t)((want | (uint32_t)allowed) & (allowed >> 32));
}

static bool unrestricted(void)
{
	return vmread(VMCS_PROC_CONTROLS2) & PROC2_UNRESTRICTED_GUEST;
}

static struct vmx_cr_fixed cr0_fixed(void)
{
	return vmx_cr0_fixed(vmx_caps.cr0_fixed0, vmx_caps.cr0_fixed1, unrestricted());
}

static struct vmx_cr_fixed cr4_fixed(void)
{
	return vmx_cr4_fixed(vmx_caps.cr4_fixed0, vmx_caps.cr4_fixed1);
}

static void vmcs_load(struct vmx_vcpu *x)
{
	__asm__ volatile("vmptrld %0" : : "m"(x->vmcs_pa) : "cc", "memory");
}

/* Segment access rights: the VMCS keeps descriptor bits 52-55 in 15:12,
 * where struct seg_state (SVM's layout) keeps them in 11:8. */
static uint32_t seg_ar(const struct seg_state *s)
{
	if (!s->attrib)
		return AR_UNUSABLE;
	return (uint32_t)(s->attrib & 0xFF) | ((uint32_t)(s->attrib & 0xF00) << 4);
}

static void host_state(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr, idtr;
	uint64_t *gdt, tss;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("sidt %0" : "=m"(idtr));
	gdt = (uint64_t *)(uintptr_t)gdtr.base;
	tss = ((gdt[HOST_TSS / 8] >> 16) & 0xFFFFFF) | ((gdt[HOST_TSS / 8] >> 56) << 24) |
	      (gdt[HOST_TSS / 8 + 1] << 32);
	vmwrite(VMCS_HOST_CR0, read_cr0());
	vmwrite(VMCS_HOST_CR3, read_cr3());
	vmwrite(VMCS_HOST_CR4, read_cr4());
	vmwrite(VMCS_HOST_CS_SEL, HOST_CS);
	vmwrite(VMCS_HOST_SS_SEL, HOST_DS);
	vmwrite(VMCS_HOST_DS_SEL, HOST_DS);
	vmwrite(VMCS_HOST_ES_SEL, HOST_DS);
	vmwrite(VMCS_HOST_FS_SEL, 0);
	vmwrite(VMCS_HOST_GS_SEL, 0);
	vmwrite(VMCS_HOST_TR_SEL, HOST_TSS);
	vmwrite(VMCS_HOST_FS_BASE, 0);
	vmwrite(VMCS_HOST_GS_BASE, 0);
	vmwrite(VMCS_HOST_TR_BASE, tss);
	vmwrite(VMCS_HOST_GDTR_BASE, gdtr.base);
	vmwrite(VMCS_HOST_IDTR_BASE, idtr.base);
	vmwrite(VMCS_HOST_SYSENTER_CS, 0);
	vmwrite(VMCS_HOST_SYSENTER_ESP, 0);
	vmwrite(VMCS_HOST_SYSENTER_EIP, 0);
	vmwrite(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	vmwrite(VMCS_HOST_PAT, rdmsr(MSR_PAT));
	vmwrite(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_point);
}

static void controls(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	uint32_t proc2_want = PROC2_ENABLE_EPT | PROC2_ENABLE_VPID | PROC2_UNRESTRICTED_GUEST |
			      PROC2_RDTSCP | PROC2_INVPCID | PROC2_XSAVES;

	/* External interrupts go straight to the guest. NMIs exit, so that
	 * none lands in argon's IDT while the guest runs; virtual NMIs let
	 * argon see the guest's NMI blocking and wait for its end with
	 * NMI-window exiting (vmx_nmi_entry). */
	vmwrite(VMCS_PIN_CONTROLS, adjust(vmx_caps.pin, PIN_NMI_EXIT | PIN_VIRTUAL_NMIS));
	vmwrite(VMCS_PROC_CONTROLS,
		adjust(vmx_caps.proc, (v->guest->hlt_exits ? PROC_HLT_EXIT : 0) |
					      PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS |
					      PROC_MWAIT_EXIT | PROC_MONITOR_EXIT |
					      PROC_RDPMC_EXIT | PROC_SECONDARY));
	/* Features the guest's CPUID shows must not #UD: enable what exists. */
	vmwrite(VMCS_PROC_CONTROLS2, adjust(vmx_caps.proc2, proc2_want));
	/* DR7 and DEBUGCTL are the guest's own and live in the VMCS: saved
	 * on every exit, or the next entry loads back a stale DR7 and the
	 * guest's breakpoints vanish after its first exit. */
	vmwrite(VMCS_EXIT_CONTROLS,
		adjust(vmx_caps.exit, EXIT_SAVE_DEBUG | EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_EFER |
					      EXIT_LOAD_EFER | EXIT_SAVE_PAT | EXIT_LOAD_PAT));
	vmwrite(VMCS_ENTRY_CONTROLS,
		adjust(vmx_caps.entry, ENTRY_LOAD_DEBUG | ENTRY_LOAD_EFER | ENTRY_LOAD_PAT));
	/* #AC and #DB: each delivery an exit (handle_exception). */
	vmwrite(VMCS_EXCEPTION_BITMAP, BIT(X86_EXC_DB) | BIT(X86_EXC_AC));
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite(VMCS_IO_BITMAP_A, virt_to_phys(x->io_bitmaps));
	vmwrite(VMCS_IO_BITMAP_B, virt_to_phys(x->io_bitmaps) + PAGE_SIZE);
	vmwrite(VMCS_MSR_BITMAP, virt_to_phys(x->msr_bitmap));
	vmwrite(VMCS_EPT_POINTER, v->guest->npt.root_pa | EPTP_WALK_4 | EPTP_WB);
	vmwrite(VMCS_VPID, v->guest->id + 1);
	vmwrite(VMCS_LINK_POINTER, ~0ULL);
	/* The guest owns CR0 and CR4 except the bits VMX operation pins
	 * (CR0.NE, CR4.VMXE, ...) and the CR4 bits it may not set: the real
	 * register holds the pinned values, the read shadow the guest's, and
	 * a change of an owned bit exits (vmx_set_cr). */
	{
		struct vmx_cr_fixed f0 = cr0_fixed(), f4 = cr4_fixed();

		vmwrite(VMCS_CR0_MASK, vmx_cr0_mask(&f0));
		vmwrite(VMCS_CR4_MASK, vmx_cr4_mask(&f4));
	}
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
}

static int vmx_vcpu_create(struct vcpu *v)
{
	/* Allocated per vCPU: a static array for every possible CPU would sit
	 * in argon's image. */
	struct vmx_vcpu *x = page_alloc();
	uint8_t fail;

	if (!x)
		return trace_err(-ERR_NOMEM);
	x->vmcs = page_alloc();
	x->msr_bitmap = page_alloc();
	x->io_bitmaps = pages_alloc(VMX_IO_BITMAPS_SIZE / PAGE_SIZE);
	if (!x->vmcs || !x->msr_bitmap || !x->io_bitmaps)
		return trace_err(-ERR_NOMEM);
	x->vmcs_pa = virt_to_phys(x->vmcs);
	*(uint32_t *)x->vmcs = (uint32_t)(vmx_caps.basic & VMX_BASIC_REVISION_MASK);
	v->arch = x;

	vmx_io_bitmap_init(x->io_bitmaps);
	vmx_msr_bitmap_init(x->msr_bitmap);
	for (size_t i = 0; i < msr_passthrough_count; i++) {
		const struct msr_passthrough *m = &msr_passthrough_list[i];

		for (uint32_t n = 0; n < m->count; n++)
			vmx_msr_bitmap_set(x->msr_bitmap, m->msr + n, !m->read, !m->write);
	}
	__asm__ volatile("vmclear %[pa]; setna %[fail]"
			 : [fail] "=qm"(fail)
			 : [pa] "m"(x->vmcs_pa)
			 : "cc", "memory");
	if (fail)
		return trace_err(-ERR_IO);
	vmcs_load(x);
	host_state();
	controls(v);
	return 0;
}

static void vmx_vcpu_destroy(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);

	if (!x)
		return;
	__asm__ volatile("vmclear %0" : : "m"(x->vmcs_pa) : "cc", "memory");
	page_free(x->vmcs);
	page_free(x->msr_bitmap);
	pages_free(x->io_bitmaps, VMX_IO_BITMAPS_SIZE / PAGE_SIZE);
	page_free(x);
	v->arch = NULL;
}

#define LOAD_SEG(seg, SEG)                                         \
	do {                                                       \
		vmwrite(VMCS_GUEST_##SEG##_SEL, st->seg.selector); \
		vmwrite(VMCS_GUEST_##SEG##_LIMIT, st->seg.limit);  \
		vmwrite(VMCS_GUEST_##SEG##_BASE, st->seg.base);    \
		vmwrite(VMCS_GUEST_##SEG##_AR, seg_ar(&st->seg));  \
	} while (0)

static void update_ia32e_entry(uint64_t efer)
{
	uint64_t entry = vmread(VMCS_ENTRY_CONTROLS);

	if (efer & EFER_LMA)
		entry |= ENTRY_IA32E_MODE;
	else
		entry &= ~(uint64_t)ENTRY_IA32E_MODE;
	vmwrite(VMCS_ENTRY_CONTROLS, entry);
}

static void vmx_vcpu_set_state(struct vcpu *v, const struct vcpu_init_state *st)
{
	struct vmx_cr_fixed f0, f4;

	vmcs_load(to_vmx(v));
	f0 = cr0_fixed();
	f4 = cr4_fixed();
	LOAD_SEG(cs, CS);
	LOAD_SEG(ds, DS);
	LOAD_SEG(es, ES);
	LOAD_SEG(ss, SS);
	LOAD_SEG(fs, FS);
	LOAD_SEG(gs, GS);
	LOAD_SEG(tr, TR);
	LOAD_SEG(ldtr, LDTR);
	vmwrite(VMCS_GUEST_GDTR_BASE, st->gdtr_base);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, st->gdtr_limit);
	vmwrite(VMCS_GUEST_IDTR_BASE, st->idtr_base);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, st->idtr_limit);
	vmwrite(VMCS_GUEST_CR0, vmx_cr_real(&f0, st->cr0));
	vmwrite(VMCS_CR0_READ_SHADOW, st->cr0);
	vmwrite(VMCS_GUEST_CR3, st->cr3);
	vmwrite(VMCS_GUEST_CR4, vmx_cr_real(&f4, st->cr4));
	vmwrite(VMCS_CR4_READ_SHADOW, st->cr4);
	vmwrite(VMCS_GUEST_EFER, st->efer);
	update_ia32e_entry(st->efer);
	vmwrite(VMCS_GUEST_PAT, DEFAULT_PAT);
	vmwrite(VMCS_GUEST_DR7, 0x400);
	vmwrite(VMCS_GUEST_DEBUGCTL, 0);
	vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	vmwrite(VMCS_GUEST_PENDING_DBG, 0);
	/* No event left to inject from before, no NMI held for it. */
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	v->nmi_pending = false;
	vmwrite(VMCS_PROC_CONTROLS, vmread(VMCS_PROC_CONTROLS) & ~(uint64_t)PROC_NMI_WINDOW_EXIT);
	/* The syscall MSRs, KERNEL_GS_BASE and CR2 are not switched by VMX:
	 * the guest's values live on its core, back to their reset values. */
	wrmsr(MSR_STAR, 0);
	wrmsr(MSR_LSTAR, 0);
	wrmsr(MSR_CSTAR, 0);
	wrmsr(MSR_SFMASK, 0);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	write_cr2(0);
	v->regs = st->regs;
}

/* The debug option vmx.break_entry=FIELD: spoil one guest-state field so
 * that VM entry fails and the checker's verdict can be seen. */
static void break_entry_field(void)
{
	if (!strcmp(vmx_break_entry, "guest-tr")) {
		vmwrite(VMCS_GUEST_TR_AR, vmread(VMCS_GUEST_TR_AR) & ~(uint64_t)AR_P);
	} else if (!strcmp(vmx_break_entry, "guest-cr0")) {
		vmwrite(VMCS_GUEST_CR0, vmread(VMCS_GUEST_CR0) & ~(uint64_t)CR0_PE);
		vmwrite(VMCS_PROC_CONTROLS2,
			vmread(VMCS_PROC_CONTROLS2) & ~(uint64_t)PROC2_UNRESTRICTED_GUEST);
	} else if (!strcmp(vmx_break_entry, "guest-rflags")) {
		vmwrite(VMCS_GUEST_RFLAGS, vmread(VMCS_GUEST_RFLAGS) & ~(uint64_t)RFLAGS_FIXED);
	} else {
		pr_warn("vmx.break_entry=%s: unknown field (guest-tr, guest-cr0, guest-rflags)\n",
			vmx_break_entry);
		return;
	}
	pr_warn("vmx.break_entry=%s: guest state spoiled on purpose\n", vmx_break_entry);
}

static bool nmi_window_supported(void)
{
	return (vmread(VMCS_PIN_CONTROLS) & PIN_VIRTUAL_NMIS) &&
	       ((vmx_caps.proc >> 32) & PROC_NMI_WINDOW_EXIT);
}

static void set_nmi_window(bool on)
{
	uint64_t proc = vmread(VMCS_PROC_CONTROLS);

	if (on && !(proc & PROC_NMI_WINDOW_EXIT) && nmi_window_supported())
		vmwrite(VMCS_PROC_CONTROLS, proc | PROC_NMI_WINDOW_EXIT);
	else if (!on && (proc & PROC_NMI_WINDOW_EXIT))
		vmwrite(VMCS_PROC_CONTROLS, proc & ~(uint64_t)PROC_NMI_WINDOW_EXIT);
}

/* A pending guest NMI goes in with this entry if the guest can take it
 * now: no event injected already, no virtual-NMI blocking (it is in its
 * own NMI handler until IRET), no MOV SS or STI shadow. Otherwise an
 * NMI-window exit comes as soon as it can. argon's NMI handler may set
 * v->nmi_pending at any point here; it then sets the window itself
 * (vmx_host_nmi), so the window is cleared only before a last look at
 * the flag. */
static void vmx_nmi_entry(struct vcpu *v, bool window)
{
	/* A processor that can inject an NMI in an STI shadow may also give
	 * the NMI-window exit there: after that exit STI blocking does not
	 * count, or the exit would repeat without end. */
	uint64_t blocked = INTERRUPTIBILITY_NMI | INTERRUPTIBILITY_MOV_SS |
			   (window ? 0 : INTERRUPTIBILITY_STI);

	if (__atomic_load_n(&v->nmi_pending, __ATOMIC_ACQUIRE) &&
	    !(vmread(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID) &&
	    !(vmread(VMCS_GUEST_INTERRUPTIBILITY) & blocked)) {
		__atomic_store_n(&v->nmi_pending, false, __ATOMIC_RELEASE);
		vmwrite(VMCS_ENTRY_INTR_INFO,
			INTR_INFO_VALID | ((uint64_t)INTR_TYPE_NMI << INTR_INFO_TYPE_OFF) | 2);
	}
	if (__atomic_load_n(&v->nmi_pending, __ATOMIC_ACQUIRE)) {
		set_nmi_window(true);
		return;
	}
	set_nmi_window(false);
	if (__atomic_load_n(&v->nmi_pending, __ATOMIC_ACQUIRE))
		set_nmi_window(true);
}

static bool nmi_window_exit(void)
{
	return (vmread(VMCS_EXIT_REASON) & (EXIT_REASON_ENTRY_FAIL | EXIT_REASON_BASIC_MASK)) ==
	       EXIT_REASON_NMI_WINDOW;
}

/* An NMI in VMX root operation on a core with a vCPU: the guest's own
 * (argon's kick under VMX is INIT), held for its next entry. The VMCS
 * current on this core is v's; NMI-window exiting makes sure the NMI is
 * not held until some later exit when it arrives after vmx_nmi_entry. */
static void vmx_host_nmi(struct vcpu *v)
{
	set_nmi_window(true);
}

static void vmx_vcpu_run(struct vcpu *v, struct vm_exit *e)
{
	struct vmx_vcpu *x = to_vmx(v);
	bool window = false;

again:
	vmx_nmi_entry(v, window);
	vmwrite(VMCS_GUEST_RSP, v->regs.rsp);
	vmwrite(VMCS_GUEST_RIP, v->regs.rip);
	vmwrite(VMCS_GUEST_RFLAGS, v->regs.rflags);
	if (!x->launched) {
		if (vmx_break_entry[0])
			break_entry_field();
		if (vmx_check_current_vmcs())
			pr_warn("guest '%s': the VM-entry checker expects this entry to fail\n",
				v->guest->name);
	}

	if (vmx_enter(&v->regs, x->launched)) {
		/* VMfailValid: the reason is in the VM-instruction error field. */
		x->entry_error = vmread(VMCS_INSN_ERROR);
		*e = (struct vm_exit){.kind = ARGON_EXIT_ENTRY_FAIL, .raw_reason = x->entry_error};
		return;
	}
	x->launched = true;
	v->regs.rsp = vmread(VMCS_GUEST_RSP);
	v->regs.rip = vmread(VMCS_GUEST_RIP);
	v->regs.rflags = vmread(VMCS_GUEST_RFLAGS);
	/* The guest can take its pending NMI now: straight back in, unless
	 * it is stopping (then handle_nmi drops the NMI). */
	if (nmi_window_exit()) {
		if (!v->stop) {
			window = true;
			goto again;
		}
		*e = (struct vm_exit){.kind = ARGON_EXIT_NMI, .raw_reason = EXIT_REASON_NMI_WINDOW};
		return;
	}
	vmx_decode_exit(e);
}

static void vmx_inject_exception(struct vcpu *v, unsigned vector, bool has_error, uint32_t error)
{
	uint64_t info = INTR_INFO_VALID | ((uint64_t)INTR_TYPE_HW_EXCEPTION << INTR_INFO_TYPE_OFF) |
			(vector & 0xFF);

	if (has_error) {
		info |= INTR_INFO_DELIVER_ERROR;
		vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, error);
	}
	vmwrite(VMCS_ENTRY_INTR_INFO, info);
}

/* The exception goes back with the type, vector and error code it exited
 * with. A #DB exit leaves DR6 (the guest's, on its core) as it was: its
 * cause is in the exit qualification, and DR6 gets what delivery would
 * have written (B0-B3 replaced, BD and BS added, RTM active low). An
 * IRET that faulted after it unblocked NMIs leaves them blocked again,
 * as the IRET will run again. */
static void vmx_reflect_exception(struct vcpu *v, const struct vm_exit *e)
{
	uint64_t info = vmread(VMCS_EXIT_INTR_INFO);
	unsigned type = (unsigned)bit_extract(info, INTR_INFO_TYPE_OFF, INTR_INFO_TYPE_LEN);

	if ((info & INTR_INFO_NMI_UNBLOCKED) && e->exc.vector != X86_EXC_DF &&
	    (vmread(VMCS_PIN_CONTROLS) & PIN_VIRTUAL_NMIS))
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY,
			vmread(VMCS_GUEST_INTERRUPTIBILITY) | INTERRUPTIBILITY_NMI);
	if (e->exc.vector == X86_EXC_DB && type == INTR_TYPE_HW_EXCEPTION) {
		write_dr6(dr6_after_db(read_dr6(), vmread(VMCS_EXIT_QUALIFICATION)));
	}
	/* ICEBP (INT1) is a privileged software exception: delivery needs
	 * its length, for the return address past it. */
	if (type == INTR_TYPE_PRIV_SW_EXCEPTION || type == INTR_TYPE_SW_EXCEPTION)
		vmwrite(VMCS_ENTRY_INSN_LEN, vmread(VMCS_EXIT_INSN_LEN));
	if (e->exc.has_error)
		vmwrite(VMCS_ENTRY_EXCEPTION_ERROR, e->exc.error);
	vmwrite(VMCS_ENTRY_INTR_INFO,
		INTR_INFO_VALID | (info & (INTR_INFO_DELIVER_ERROR | BIT_MASK(0, 11))));
}

/* Held until the guest can take it (vmx_nmi_entry); NMIs that come
 * while one is held merge into it, as on hardware. */
static void vmx_inject_nmi(struct vcpu *v)
{
	__atomic_store_n(&v->nmi_pending, true, __ATOMIC_RELEASE);
}

/* INIT: blocked in VMX root operation, a VM exit in non-root operation. */
static void vmx_kick(const struct pcpu *target)
{
	x2apic_send(target->apic_id, ICR_MODE_INIT << ICR_MODE_OFF | ICR_LEVEL_ASSERT);
}

static uint64_t vmx_get_efer(struct vcpu *v)
{
	return vmread(VMCS_GUEST_EFER);
}

static void vmx_set_efer(struct vcpu *v, uint64_t efer)
{
	vmwrite(VMCS_GUEST_EFER, efer);
	update_ia32e_entry(efer);
}

static uint64_t vmx_get_cr(struct vcpu *v, unsigned cr)
{
	switch (cr) {
	case 0:
		return vmx_cr_guest_view(vmread(VMCS_GUEST_CR0), vmread(VMCS_CR0_READ_SHADOW),
					 vmread(VMCS_CR0_MASK));
	case 2:
		return read_cr2(); /* not switched: the guest's own */
	case 3:
		return vmread(VMCS_GUEST_CR3);
	case 4:
		return vmx_cr_guest_view(vmread(VMCS_GUEST_CR4), vmread(VMCS_CR4_READ_SHADOW),
					 vmread(VMCS_CR4_MASK));
	case 8:
		return read_cr8(); /* the guest's core's own TPR */
	default:
		return 0;
	}
}

static void vmx_get_paging(struct vcpu *v, struct gwalk_ctl *out)
{
	out->cr0 = vmread(VMCS_GUEST_CR0);
	out->cr3 = vmread(VMCS_GUEST_CR3);
	out->cr4 = vmread(VMCS_GUEST_CR4);
	out->efer = vmread(VMCS_GUEST_EFER);
	/* CPL is SS.DPL (SDM 27.3.1.5). */
	out->cpl = (unsigned)(vmread(VMCS_GUEST_SS_AR) >> 5) & 3;
}

static void vmx_get_seg(struct vcpu *v, enum x86_seg seg, struct seg_state *out)
{
	/* ES, CS, SS, DS, FS, GS: the VMCS numbers them in that order, two
	 * encodings apart (SDM appendix B). */
	unsigned i = seg >= X86_SEG_ES && seg <= X86_SEG_GS ? (unsigned)seg : X86_SEG_DS;
	uint64_t ar;

	ar = vmread(VMCS_GUEST_ES_AR + 2 * i);
	out->selector = (uint16_t)vmread(VMCS_GUEST_ES_SEL + 2 * i);
	out->limit = (uint32_t)vmread(VMCS_GUEST_ES_LIMIT + 2 * i);
	out->base = vmread(VMCS_GUEST_ES_BASE + 2 * i);
	out->attrib = (ar & AR_UNUSABLE) ? 0 : (uint16_t)((ar & 0xFF) | ((ar >> 4) & 0xF00));
}

/* What the CPU does after its own MOV to a CR that changes paging: the
 * PDPTEs of PAE paging are loaded from guest memory (with EPT, VM entry
 * takes them from the VMCS), and the guest's TLB entries go. */
static void paging_changed(struct vcpu *v, bool flush)
{
	uint64_t cr0 = vmread(VMCS_GUEST_CR0), cr4 = vmread(VMCS_GUEST_CR4);

	if ((cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(vmread(VMCS_GUEST_EFER) & EFER_LMA)) {
		const uint64_t *pdpte =
			guest_ram_ptr(v->guest, vmread(VMCS_GUEST_CR3) & 0xFFFFFFE0ULL, 32);

		for (unsigned i = 0; i < 4; i++)
			vmwrite(VMCS_GUEST_PDPTE0 + 2 * i, pdpte ? pdpte[i] : 0);
	}
	if (flush && (vmread(VMCS_PROC_CONTROLS2) & PROC2_ENABLE_VPID) &&
	    (vmx_caps.ept_vpid & VPID_CAP_INVVPID)) {
		struct {
			uint64_t vpid, addr;
		} desc = {v->guest->id + 1, 0};
		uint64_t type = (vmx_caps.ept_vpid & VPID_CAP_INVVPID_SINGLE) ? 1 : 2;

		__asm__ volatile("invvpid %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
	}
}

static int set_cr0(struct vcpu *v, uint64_t val)
{
	struct vmx_cr_fixed f = cr0_fixed();
	uint64_t old = vmx_get_cr(v, 0), efer = vmread(VMCS_GUEST_EFER);
	bool long_code = (efer & EFER_LMA) && (vmread(VMCS_GUEST_CS_AR) & AR_L);

	if (cr0_load_check(old, val, vmx_get_cr(v, 4), efer, long_code))
		return -ERR_INVAL;
	vmwrite(VMCS_GUEST_CR0, vmx_cr_real(&f, val));
	vmwrite(VMCS_CR0_READ_SHADOW, val);
	if ((old ^ val) & CR0_PG)
		vmx_set_efer(v, cr0_load_efer(val, efer));
	paging_changed(v, cr0_change_flushes(old, val));
	return 0;
}

static int set_cr4(struct vcpu *v, uint64_t val)
{
	struct vmx_cr_fixed f = cr4_fixed();
	uint64_t old = vmx_get_cr(v, 4);

	if (cr4_load_check(old, val, vmx_cr4_guest_bits(&f), vmread(VMCS_GUEST_EFER),
			   vmread(VMCS_GUEST_CR3)))
		return -ERR_INVAL;
	vmwrite(VMCS_GUEST_CR4, vmx_cr_real(&f, val));
	vmwrite(VMCS_CR4_READ_SHADOW, val);
	paging_changed(v, cr4_change_flushes(old, val));
	return 0;
}

/* Only if the CPU cannot leave CR3 to the guest (CR3-load exiting fixed
 * to 1). */
static int set_cr3(struct vcpu *v, uint64_t val)
{
	bool keep = (vmx_get_cr(v, 4) & CR4_PCIDE) && (val & CR3_NO_FLUSH);

	val &= ~CR3_NO_FLUSH;
	if (val >> vmx_caps.maxphyaddr)
		return -ERR_INVAL;
	vmwrite(VMCS_GUEST_CR3, val);
	paging_changed(v, !keep);
	return 0;
}

static int vmx_set_cr(struct vcpu *v, unsigned cr, uint64_t val)
{
	switch (cr) {
	case 0:
		return set_cr0(v, val);
	case 3:
		return set_cr3(v, val);
	case 4:
		return set_cr4(v, val);
	case 8:
		if (val & ~0xFULL)
			return -ERR_INVAL;
		write_cr8(val);
		return 0;
	default:
		return -ERR_INVAL;
	}
}

static int vmx_ops_cpu_enable(struct pcpu *cpu)
{
	return vmx_cpu_enable(cpu);
}

void vmx_dump(struct vcpu *v);

static bool vmx_nested_1g(void)
{
	return vmx_caps.ept_vpid & EPT_CAP_1G;
}

const struct vcpu_ops vmx_vcpu_ops = {
	.name = "vmx",
	.nested_format = PT_FMT_EPT,
	.nested_1g = vmx_nested_1g,
	.cpu_enable = vmx_ops_cpu_enable,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_destroy = vmx_vcpu_destroy,
	.vcpu_set_state = vmx_vcpu_set_state,
	.vcpu_run = vmx_vcpu_run,
	.inject_exception = vmx_inject_exception,
	.reflect_exception = vmx_reflect_exception,
	.inject_nmi = vmx_inject_nmi,
	.kick = vmx_kick,
	.host_nmi = vmx_host_nmi,
	.get_efer = vmx_get_efer,
	.set_efer = vmx_set_efer,
	.get_cr = vmx_get_cr,
	.get_paging = vmx_get_paging,
	.get_seg = vmx_get_seg,
	.set_cr = vmx_set_cr,
	.dump = vmx_dump,
};
