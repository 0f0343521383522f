/* Decoding SVM exits into struct vm_exit: one function per exit code. */
#include "vmm/svm/svm.h"

typedef void (*svm_decoder)(const struct vmcb *vmcb, struct vm_exit *e);

/* Without next-RIP support the length comes from the instruction itself. */
static unsigned insn_len(const struct vmcb *vmcb, unsigned fixed)
{
	if (svm_caps.nrips && vmcb->ctl.next_rip > vmcb->save.rip)
		return (unsigned)(vmcb->ctl.next_rip - vmcb->save.rip);
	return fixed;
}

static void decode_cpuid(const struct vmcb *vmcb, struct vm_exit *e)
{
	e->kind = ARGON_EXIT_CPUID;
	e->insn_len = insn_len(vmcb, 2);
}

static void decode_msr(const struct vmcb *vmcb, struct vm_exit *e)
{
	/* EXITINFO1: 0 for RDMSR, 1 for WRMSR; the MSR index is in ECX,
	 * which the core reads from the saved registers. */
	e->kind = vmcb->ctl.exit_info1 ? ARGON_EXIT_MSR_WRITE : ARGON_EXIT_MSR_READ;
	e->insn_len = insn_len(vmcb, 2);
}

static void decode_ioio(const struct vmcb *vmcb, struct vm_exit *e)
{
	uint64_t info = vmcb->ctl.exit_info1;

	e->kind = ARGON_EXIT_IO;
	e->io.port = (uint16_t)bit_extract(info, SVM_IOIO_PORT_OFF, SVM_IOIO_PORT_LEN);
	e->io.in = info & SVM_IOIO_TYPE_IN;
	e->io.string = info & SVM_IOIO_STR;
	e->io.rep = info & SVM_IOIO_REP;
	e->io.size = (info & SVM_IOIO_SZ32) ? 4 : (info & SVM_IOIO_SZ16) ? 2 : 1;
	/* EXITINFO2 holds the RIP of the next instruction. */
	e->insn_len = (unsigned)(vmcb->ctl.exit_info2 - vmcb->save.rip);
}

static void decode_hlt(const struct vmcb *vmcb, struct vm_exit *e)
{
	e->kind = ARGON_EXIT_HLT;
	e->insn_len = insn_len(vmcb, 1);
}

static void decode_vmmcall(const struct vmcb *vmcb, struct vm_exit *e)
{
	e->kind = ARGON_EXIT_HYPERCALL;
	e->insn_len = insn_len(vmcb, 3);
}

static void decode_shutdown(const struct vmcb *vmcb, struct vm_exit *e)
{
	e->kind = ARGON_EXIT_SHUTDOWN;
}

static void decode_npf(const struct vmcb *vmcb, struct vm_exit *e)
{
	uint64_t err = vmcb->ctl.exit_info1;

	e->kind = ARGON_EXIT_NPF;
	e->npf.gpa = vmcb->ctl.exit_info2;
	e->npf.write = err & SVM_NPF_WRITE;
	e->npf.fetch = err & SVM_NPF_FETCH;
	e->npf.present = err & SVM_NPF_PRESENT;
	e->npf.table_walk = err & SVM_NPF_TABLE_WALK;
}

static void decode_virt_insn(const struct vmcb *vmcb, struct vm_exit *e)
{
	e->kind = ARGON_EXIT_VIRT_INSN;
}

static void decode_missing_insn(const struct vmcb *vmcb, struct vm_exit *e)
{
	e->kind = ARGON_EXIT_MISSING_INSN;
}

static void decode_rdpmc(const struct vmcb *vmcb, struct vm_exit *e)
{
	e->kind = ARGON_EXIT_RDPMC;
}

static void decode_invd(const struct vmcb *vmcb, struct vm_exit *e)
{
	e->kind = ARGON_EXIT_INVD;
	e->insn_len = insn_len(vmcb, 2);
}

static void decode_intr(const struct vmcb *vmcb, struct vm_exit *e)
{
	e->kind = ARGON_EXIT_INTR;
}

static void decode_nmi(const struct vmcb *vmcb, struct vm_exit *e)
{
	e->kind = ARGON_EXIT_NMI;
}

static void decode_init(const struct vmcb *vmcb, struct vm_exit *e)
{
	e->kind = ARGON_EXIT_INIT;
}

static void decode_xsetbv(const struct vmcb *vmcb, struct vm_exit *e)
{
	e->kind = ARGON_EXIT_XSETBV;
	e->insn_len = insn_len(vmcb, 3);
}

static void decode_exception(const struct vmcb *vmcb, struct vm_exit *e)
{
	/* #DF, #TS, #NP, #SS, #GP, #PF, #AC and #CP push an error code. */
	const uint32_t with_error = 0x00227D00u;

	e->kind = ARGON_EXIT_EXCEPTION;
	e->exc.vector = (unsigned)(vmcb->ctl.exit_code - SVM_EXIT_EXCP_BASE);
	e->exc.has_error = (with_error >> e->exc.vector) & 1;
	e->exc.error = (uint32_t)vmcb->ctl.exit_info1;
}

static const svm_decoder decoders[SVM_EXIT_MAX_TABLE] = {
	[SVM_EXIT_EXCP_BASE... SVM_EXIT_EXCP_BASE + 31] = decode_exception,
	[SVM_EXIT_INTR] = decode_intr,
	[SVM_EXIT_NMI] = decode_nmi,
	[SVM_EXIT_INIT] = decode_init,
	[SVM_EXIT_CPUID] = decode_cpuid,
	[SVM_EXIT_HLT] = decode_hlt,
	[SVM_EXIT_INVLPGA] = decode_virt_insn,
	[SVM_EXIT_IOIO] = decode_ioio,
	[SVM_EXIT_MSR] = decode_msr,
	[SVM_EXIT_SHUTDOWN] = decode_shutdown,
	[SVM_EXIT_VMRUN] = decode_virt_insn,
	[SVM_EXIT_VMMCALL] = decode_vmmcall,
	[SVM_EXIT_VMLOAD] = decode_virt_insn,
	[SVM_EXIT_VMSAVE] = decode_virt_insn,
	[SVM_EXIT_STGI] = decode_virt_insn,
	[SVM_EXIT_CLGI] = decode_virt_insn,
	[SVM_EXIT_SKINIT] = decode_virt_insn,
	[SVM_EXIT_XSETBV] = decode_xsetbv,
	[SVM_EXIT_RDPMC] = decode_rdpmc,
	[SVM_EXIT_INVD] = decode_invd,
	[SVM_EXIT_MONITOR] = decode_missing_insn,
	[SVM_EXIT_MWAIT] = decode_missing_insn,
	[SVM_EXIT_MWAIT_COND] = decode_missing_insn,
	[SVM_EXIT_NPF] = decode_npf,
};

void svm_decode_exit(struct svm_vcpu *s, struct vm_exit *e)
{
	const struct vmcb *vmcb = s->vmcb;
	uint64_t code = vmcb->ctl.exit_code;

	*e = (struct vm_exit){.raw_reason = code};
	if (code == SVM_EXIT_INVALID) {
		e->kind = ARGON_EXIT_ENTRY_FAIL;
		return;
	}
	if (code < SVM_EXIT_MAX_TABLE && decoders[code]) {
		decoders[code](vmcb, e);
		return;
	}
	e->kind = ARGON_EXIT_UNKNOWN;
}
