/* SVM vCPUs: VMCB set-up, the run step, event injection and state dumps. */
#include <stddef.h>

#include "lib/err.h"
#include "lib/string.h"
#include "vmm/host/apic.h"
#include "vmm/host/cpu.h"
#include "vmm/guest.h"
#include "vmm/log.h"
#include "vmm/msr_policy.h"
#include "vmm/page_alloc.h"
#include "vmm/svm/svm.h"
#include "vmm/svm/svm_maps.h"
#include "vmm/x86.h"

/* svm_run.S addresses struct guest_regs by these offsets. */
_Static_assert(offsetof(struct guest_regs, rcx) == 8, "guest_regs layout");
_Static_assert(offsetof(struct guest_regs, rsi) == 48, "guest_regs layout");
_Static_assert(offsetof(struct guest_regs, r15) == 120, "guest_regs layout");

#define DEFAULT_PAT 0x0007040600070406ULL

static struct svm_vcpu *to_svm(struct vcpu *v)
{
	return v->arch;
}

static int svm_vcpu_create(struct vcpu *v)
{
	/* Allocated per vCPU: a static array for every possible CPU would sit
	 * in argon's image. */
	struct svm_vcpu *s = page_alloc();
	struct vmcb_control *c;

	if (!s)
		return trace_err(-ERR_NOMEM);
	s->vmcb = page_alloc();
	s->msrpm = pages_alloc(SVM_MSRPM_SIZE / PAGE_SIZE);
	s->iopm = pages_alloc(SVM_IOPM_SIZE / PAGE_SIZE);
	if (!s->vmcb || !s->msrpm || !s->iopm)
		return trace_err(-ERR_NOMEM);
	s->vmcb_pa = virt_to_phys(s->vmcb);
	v->arch = s;

	svm_iopm_init(s->iopm);
	svm_msrpm_init(s->msrpm);
	for (size_t i = 0; i < msr_passthrough_count; i++) {
		const struct msr_passthrough *m = &msr_passthrough_list[i];

		for (uint32_t n = 0; n < m->count; n++)
			svm_msrpm_set(s->msrpm, m->msr + n, !m->read, !m->write);
	}

	c = &s->vmcb->ctl;
	/* NMI: argon's kick to get a vCPU out of its guest (the host runs
	 * with GIF clear, so a kick that arrives early waits for VMRUN);
	 * INIT: never the guest's to take. */
	c->intercept_misc1 = SVM_INTERCEPT_INIT | SVM_INTERCEPT_NMI | SVM_INTERCEPT_CPUID |
			     SVM_INTERCEPT_INVLPGA | SVM_INTERCEPT_IOIO_PROT |
			     SVM_INTERCEPT_MSR_PROT | SVM_INTERCEPT_SHUTDOWN | SVM_INTERCEPT_INVD |
			     SVM_INTERCEPT_TASK_SWITCH | SVM_INTERCEPT_RDPMC;
	if (v->guest->hlt_exits)
		c->intercept_misc1 |= SVM_INTERCEPT_HLT;
	/* #AC and #DB: each delivery an exit (handle_exception). */
	c->intercept_exceptions = BIT(SVM_EXC_DB) | BIT(SVM_EXC_AC);
	/* VMRUN must be intercepted or VMRUN fails (APM 15.5.1). */
	c->intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL | SVM_INTERCEPT_VMLOAD |
			     SVM_INTERCEPT_VMSAVE | SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI |
			     SVM_INTERCEPT_SKINIT | SVM_INTERCEPT_MONITOR | SVM_INTERCEPT_MWAIT |
			     SVM_INTERCEPT_MWAIT_COND;
	c->iopm_base_pa = virt_to_phys(s->iopm);
	c->msrpm_base_pa = virt_to_phys(s->msrpm);
	c->guest_asid = v->guest->id + 1;
	c->tlb_control = SVM_TLB_CONTROL_FLUSH_ALL;
	c->np_enable = SVM_NP_ENABLE;
	c->n_cr3 = v->guest->npt.root_pa;
	return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);

	if (!s)
		return;
	page_free(s->vmcb);
	pages_free(s->msrpm, SVM_MSRPM_SIZE / PAGE_SIZE);
	pages_free(s->iopm, SVM_IOPM_SIZE / PAGE_SIZE);
	page_free(s);
	v->arch = NULL;
}

static void load_seg(struct vmcb_seg *d, const struct seg_state *s)
{
	d->selector = s->selector;
	d->attrib = s->attrib;
	d->limit = s->limit;
	d->base = s->base;
}

static void svm_vcpu_set_state(struct vcpu *v, const struct vcpu_init_state *st)
{
	struct vmcb_save *g = &to_svm(v)->vmcb->save;
	struct vmcb_control *c = &to_svm(v)->vmcb->ctl;

	load_seg(&g->cs, &st->cs);
	load_seg(&g->ds, &st->ds);
	load_seg(&g->es, &st->es);
	load_seg(&g->ss, &st->ss);
	load_seg(&g->fs, &st->fs);
	load_seg(&g->gs, &st->gs);
	load_seg(&g->tr, &st->tr);
	load_seg(&g->ldtr, &st->ldtr);
	g->gdtr.base = st->gdtr_base;
	g->gdtr.limit = st->gdtr_limit;
	g->idtr.base = st->idtr_base;
	g->idtr.limit = st->idtr_limit;
	g->cr0 = st->cr0;
	g->cr3 = st->cr3;
	g->cr4 = st->cr4;
	/* The VMCB must hold EFER.SVME=1; the guest never sees it. */
	g->efer = st->efer | EFER_SVME;
	g->dr6 = 0xFFFF0FF0;
	g->dr7 = 0x400;
	g->g_pat = DEFAULT_PAT;
	g->cpl = 0;
	/* The MSRs VMLOAD/VMSAVE and VMRUN switch live here: back to their
	 * reset values, like CR2 and DEBUGCTL, so that nothing of a previous
	 * boot (or the one before an INIT) carries over. */
	g->star = g->lstar = g->cstar = g->sfmask = g->kernel_gs_base = 0;
	g->sysenter_cs = g->sysenter_esp = g->sysenter_eip = 0;
	g->cr2 = 0;
	g->dbgctl = 0;
	/* No event left to inject, no interrupt shadow, no virtual IRQ. */
	c->event_inj = 0;
	c->int_shadow = 0;
	c->int_ctl = 0;
	/* Nor an NMI held, or one the guest was handling. */
	v->nmi_pending = false;
	if (to_svm(v)->nmi_iret_step && !to_svm(v)->nmi_db_was_intercepted)
		c->intercept_exceptions &= ~BIT(SVM_EXC_DB);
	c->intercept_misc1 &= ~SVM_INTERCEPT_IRET;
	to_svm(v)->nmi_masked = false;
	to_svm(v)->nmi_iret_step = false;
	v->regs = st->regs;
	c->tlb_control = SVM_TLB_CONTROL_FLUSH_ALL;
}

/* The guest's NMIs (handle_nmi -> svm_inject_nmi) go in one at a time:
 * SVM injects an NMI whatever the guest does, so argon keeps the NMI
 * blocking the CPU keeps on hardware. Once one is injected, the guest's
 * IRET is intercepted, argon steps over it (TF, #DB intercepted) and only
 * then lets the next NMI in. Both exits are handled here. */
static void svm_nmi_entry(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb_control *c = &s->vmcb->ctl;

	if (!__atomic_load_n(&v->nmi_pending, __ATOMIC_ACQUIRE) || s->nmi_masked ||
	    (c->event_inj & SVM_EVTINJ_VALID) || (c->int_shadow & 1))
		return;
	__atomic_store_n(&v->nmi_pending, false, __ATOMIC_RELEASE);
	c->event_inj = SVM_EVTINJ_VALID | (SVM_EVTINJ_TYPE_NMI << SVM_EVTINJ_TYPE_OFF) | 2;
	s->nmi_masked = true;
	c->intercept_misc1 |= SVM_INTERCEPT_IRET;
}

/* True if the exit was one of the NMI-window steps, handled. */
static bool svm_nmi_exit(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb *vmcb = s->vmcb;

	if (vmcb->ctl.exit_code == SVM_EXIT_IRET && s->nmi_masked) {
		vmcb->ctl.intercept_misc1 &= ~SVM_INTERCEPT_IRET;
		s->nmi_iret_step = true;
		s->nmi_dr6 = vmcb->save.dr6;
		s->nmi_db_was_intercepted = vmcb->ctl.intercept_exceptions & BIT(SVM_EXC_DB);
		vmcb->save.rflags |= RFLAGS_TF;
		vmcb->ctl.intercept_exceptions |= BIT(SVM_EXC_DB);
		return true;
	}
	if (vmcb->ctl.exit_code == SVM_EXIT_DB && s->nmi_iret_step) {
		/* The IRET is done: the single-step trap after it is argon's,
		 * and its RFLAGS (TF included) are the ones it popped. */
		s->nmi_iret_step = false;
		s->nmi_masked = false;
		vmcb->save.dr6 = s->nmi_dr6;
		if (!s->nmi_db_was_intercepted)
			vmcb->ctl.intercept_exceptions &= ~BIT(SVM_EXC_DB);
		return true;
	}
	return false;
}

static void svm_vcpu_run(struct vcpu *v, struct vm_exit *e)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb *vmcb = s->vmcb;

again:
	svm_nmi_entry(v);
	vmcb->save.rax = v->regs.rax;
	vmcb->save.rsp = v->regs.rsp;
	vmcb->save.rip = v->regs.rip;
	vmcb->save.rflags = v->regs.rflags;

	svm_vmrun(s->vmcb_pa, &v->regs, v->pcpu->host_state_pa);

	v->regs.rax = vmcb->save.rax;
	v->regs.rsp = vmcb->save.rsp;
	v->regs.rip = vmcb->save.rip;
	v->regs.rflags = vmcb->save.rflags;
	vmcb->ctl.tlb_control = 0;
	/* An intercepted NMI is still pending on the CPU: unless taken, it
	 * exits again at once on the next VMRUN. The host takes it here,
	 * through argon's NMI handler (nmi_dispatch marks it pending for
	 * this vCPU); RFLAGS.IF is clear, so nothing else comes in. */
	if (vmcb->ctl.exit_code == SVM_EXIT_NMI)
		__asm__ volatile("stgi; clgi" ::: "memory");
	if (svm_nmi_exit(v)) {
		v->regs.rflags = vmcb->save.rflags;
		if (!v->stop)
			goto again;
		/* Stopping: nothing for handle_nmi to do. */
		*e = (struct vm_exit){.kind = ARGON_EXIT_NMI, .raw_reason = vmcb->ctl.exit_code};
		return;
	}
	svm_decode_exit(s, e);
}

static void svm_inject_exception(struct vcpu *v, unsigned vector, bool has_error, uint32_t error)
{
	uint64_t ev = SVM_EVTINJ_VALID | (SVM_EVTINJ_TYPE_EXCEPTION << SVM_EVTINJ_TYPE_OFF) |
		      (vector & 0xFF);

	if (has_error)
		ev |= SVM_EVTINJ_EV | ((uint64_t)error << SVM_EVTINJ_ERR_OFF);
	to_svm(v)->vmcb->ctl.event_inj = ev;
}

/* The CPU has already put the #DB's cause into the VMCB's DR6 (as it
 * does into DR6 when it delivers one), so the event alone goes back. */
static void svm_reflect_exception(struct vcpu *v, const struct vm_exit *e)
{
	svm_inject_exception(v, e->exc.vector, e->exc.has_error, e->exc.error);
}

/* Held until the guest can take it (svm_nmi_entry); NMIs that come
 * while one is held merge into it, as on hardware. */
static void svm_inject_nmi(struct vcpu *v)
{
	__atomic_store_n(&v->nmi_pending, true, __ATOMIC_RELEASE);
}

/* An NMI rather than INIT: both are held while the host runs with GIF
 * clear, but QEMU's SVM model does not intercept INIT. */
static void svm_kick(const struct pcpu *target)
{
	x2apic_send(target->apic_id, ICR_MODE_NMI << ICR_MODE_OFF);
}

/* The host runs with GIF clear (svm.c); STGI lets what is pending in. */
static void svm_host_intr_window(bool open)
{
	if (open)
		__asm__ volatile("stgi" ::: "memory");
	else
		__asm__ volatile("clgi" ::: "memory");
}

static uint64_t svm_get_efer(struct vcpu *v)
{
	return to_svm(v)->vmcb->save.efer & ~EFER_SVME;
}

static void svm_set_efer(struct vcpu *v, uint64_t efer)
{
	to_svm(v)->vmcb->save.efer = efer | EFER_SVME;
}

static uint64_t svm_get_cr(struct vcpu *v, unsigned cr)
{
	const struct vmcb_save *g = &to_svm(v)->vmcb->save;

	switch (cr) {
	case 0:
		return g->cr0;
	case 2:
		return g->cr2;
	case 3:
		return g->cr3;
	case 4:
		return g->cr4;
	default:
		return 0;
	}
}

static void svm_get_paging(struct vcpu *v, struct gwalk_ctl *out)
{
	const struct vmcb_save *g = &to_svm(v)->vmcb->save;

	out->cr0 = g->cr0;
	out->cr3 = g->cr3;
	out->cr4 = g->cr4;
	out->efer = g->efer & ~EFER_SVME;
	out->cpl = g->cpl;
}

static void svm_get_seg(struct vcpu *v, enum x86_seg seg, struct seg_state *out)
{
	const struct vmcb_save *g = &to_svm(v)->vmcb->save;
	const struct vmcb_seg *s;

	switch (seg) {
	case X86_SEG_ES:
		s = &g->es;
		break;
	case X86_SEG_CS:
		s = &g->cs;
		break;
	case X86_SEG_SS:
		s = &g->ss;
		break;
	case X86_SEG_FS:
		s = &g->fs;
		break;
	case X86_SEG_GS:
		s = &g->gs;
		break;
	default:
		s = &g->ds;
		break;
	}
	out->selector = s->selector;
	out->attrib = s->attrib;
	out->limit = s->limit;
	out->base = s->base;
}

static void dump_seg(const char *name, const struct vmcb_seg *s)
{
	log_raw("  %-4s sel %04x attr %04x limit %08x base %016llx\n", name, s->selector, s->attrib,
		s->limit, (unsigned long long)s->base);
}

static void svm_dump(struct vcpu *v)
{
	const struct vmcb *vm = to_svm(v)->vmcb;
	const struct vmcb_control *c = &vm->ctl;
	const struct vmcb_save *g = &vm->save;
	const struct guest_regs *r = &v->regs;

	log_raw("  VMCB control: exit_code %llx exit_info1 %llx exit_info2 %llx exit_int_info "
		"%llx\n",
		(unsigned long long)c->exit_code, (unsigned long long)c->exit_info1,
		(unsigned long long)c->exit_info2, (unsigned long long)c->exit_int_info);
	log_raw("  intercepts cr %08x dr %08x exc %08x misc1 %08x misc2 %08x asid %u np %llx n_cr3 "
		"%llx\n",
		c->intercept_cr, c->intercept_dr, c->intercept_exceptions, c->intercept_misc1,
		c->intercept_misc2, c->guest_asid, (unsigned long long)c->np_enable,
		(unsigned long long)c->n_cr3);
	log_raw("  event_inj %llx int_ctl %llx int_shadow %llx next_rip %llx\n",
		(unsigned long long)c->event_inj, (unsigned long long)c->int_ctl,
		(unsigned long long)c->int_shadow, (unsigned long long)c->next_rip);
	log_raw("  rip %016llx rsp %016llx rflags %016llx cpl %u\n", (unsigned long long)g->rip,
		(unsigned long long)g->rsp, (unsigned long long)g->rflags, g->cpl);
	log_raw("  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", (unsigned long long)g->rax,
		(unsigned long long)r->rbx, (unsigned long long)r->rcx, (unsigned long long)r->rdx);
	log_raw("  rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n", (unsigned long long)r->rsi,
		(unsigned long long)r->rdi, (unsigned long long)r->rbp, (unsigned long long)r->r8);
	log_raw("  cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx efer %016llx\n",
		(unsigned long long)g->cr0, (unsigned long long)g->cr2, (unsigned long long)g->cr3,
		(unsigned long long)g->cr4, (unsigned long long)g->efer);
	dump_seg("cs", &g->cs);
	dump_seg("ss", &g->ss);
	dump_seg("ds", &g->ds);
	dump_seg("tr", &g->tr);
	dump_seg("gdtr", &g->gdtr);
	dump_seg("idtr", &g->idtr);
}

static int svm_ops_cpu_enable(struct pcpu *cpu)
{
	return svm_cpu_enable(cpu);
}

static bool svm_nested_1g(void)
{
	return cpuid(0x80000001u, 0).edx & BIT(26); /* Page1GB */
}

const struct vcpu_ops svm_vcpu_ops = {
	.name = "svm",
	.nested_format = PT_FMT_NPT,
	.nested_1g = svm_nested_1g,
	.cpu_enable = svm_ops_cpu_enable,
	.vcpu_create = svm_vcpu_create,
	.vcpu_destroy = svm_vcpu_destroy,
	.vcpu_set_state = svm_vcpu_set_state,
	.vcpu_run = svm_vcpu_run,
	.inject_exception = svm_inject_exception,
	.reflect_exception = svm_reflect_exception,
	.inject_nmi = svm_inject_nmi,
	.kick = svm_kick,
	.get_efer = svm_get_efer,
	.set_efer = svm_set_efer,
	.get_cr = svm_get_cr,
	.get_paging = svm_get_paging,
	.get_seg = svm_get_seg,
	.host_intr_window = svm_host_intr_window,
	.dump = svm_dump,
};
