/* Decoding VMX exits into struct vm_exit: one function per basic reason. */
#include "vmm/vmx/vmx.h"
#include "vmm/x86.h"

typedef void (*vmx_decoder)(struct vm_exit *e);

static unsigned insn_len(void)
{
	return (unsigned)vmread(VMCS_EXIT_INSN_LEN);
}

static void decode_exception_nmi(struct vm_exit *e)
{
	uint64_t info = vmread(VMCS_EXIT_INTR_INFO);

	if (bit_extract(info, INTR_INFO_TYPE_OFF, INTR_INFO_TYPE_LEN) == INTR_TYPE_NMI) {
		e->kind = ARGON_EXIT_NMI;
		return;
	}
	e->kind = ARGON_EXIT_EXCEPTION;
	e->exc.vector = (unsigned)bit_extract(info, INTR_INFO_VECTOR_OFF, INTR_INFO_VECTOR_LEN);
	e->exc.has_error = info & INTR_INFO_DELIVER_ERROR;
	e->exc.error = (uint32_t)vmread(VMCS_EXIT_INTR_ERROR);
}

static void decode_ext_intr(struct vm_exit *e)
{
	e->kind = ARGON_EXIT_INTR;
}

static void decode_triple_fault(struct vm_exit *e)
{
	e->kind = ARGON_EXIT_SHUTDOWN;
}

static void decode_init(struct vm_exit *e)
{
	e->kind = ARGON_EXIT_INIT;
}

static void decode_cpuid(struct vm_exit *e)
{
	e->kind = ARGON_EXIT_CPUID;
	e->insn_len = insn_len();
}

static void decode_hlt(struct vm_exit *e)
{
	e->kind = ARGON_EXIT_HLT;
	e->insn_len = insn_len();
}

static void decode_vmcall(struct vm_exit *e)
{
	e->kind = ARGON_EXIT_HYPERCALL;
	e->insn_len = insn_len();
}

static void decode_virt_insn(struct vm_exit *e)
{
	e->kind = ARGON_EXIT_VIRT_INSN;
}

static void decode_missing_insn(struct vm_exit *e)
{
	e->kind = ARGON_EXIT_MISSING_INSN;
}

static void decode_rdpmc(struct vm_exit *e)
{
	e->kind = ARGON_EXIT_RDPMC;
}

static void decode_invd(struct vm_exit *e)
{
	e->kind = ARGON_EXIT_INVD;
	e->insn_len = insn_len();
}

static void decode_io(struct vm_exit *e)
{
	uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);

	e->kind = ARGON_EXIT_IO;
	e->io.size = (uint8_t)(bit_extract(q, IO_QUAL_SIZE_OFF, IO_QUAL_SIZE_LEN) + 1);
	e->io.in = q & IO_QUAL_IN;
	e->io.string = q & IO_QUAL_STRING;
	e->io.rep = q & IO_QUAL_REP;
	e->io.port = (uint16_t)bit_extract(q, IO_QUAL_PORT_OFF, IO_QUAL_PORT_LEN);
	e->insn_len = insn_len();
}

static void decode_rdmsr(struct vm_exit *e)
{
	e->kind = ARGON_EXIT_MSR_READ;
	e->insn_len = insn_len();
}

static void decode_wrmsr(struct vm_exit *e)
{
	e->kind = ARGON_EXIT_MSR_WRITE;
	e->insn_len = insn_len();
}

static void decode_entry_fail(struct vm_exit *e)
{
	e->kind = ARGON_EXIT_ENTRY_FAIL;
}

static void decode_ept_violation(struct vm_exit *e)
{
	uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);

	e->kind = ARGON_EXIT_NPF;
	e->npf.gpa = vmread(VMCS_GUEST_PHYSICAL_ADDR);
	e->npf.write = q & EPT_QUAL_WRITE;
	e->npf.fetch = q & EPT_QUAL_FETCH;
	e->npf.present = q & EPT_QUAL_PERM_MASK;
	e->npf.table_walk = (q & EPT_QUAL_LINEAR_VALID) && !(q & EPT_QUAL_TRANSLATED);
}

/* Only the bits argon owns exit (vmx_cr.h), and CR3/CR8 accesses should
 * the CPU insist on exiting them. */
static void decode_cr_access(struct vm_exit *e)
{
	uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);

	e->kind = ARGON_EXIT_CR;
	e->insn_len = insn_len();
	e->cr.cr = (uint8_t)bit_extract(q, CR_QUAL_CR_OFF, CR_QUAL_CR_LEN);
	e->cr.access = (enum cr_access)bit_extract(q, CR_QUAL_ACCESS_OFF, CR_QUAL_ACCESS_LEN);
	e->cr.gpr = (uint8_t)bit_extract(q, CR_QUAL_GPR_OFF, CR_QUAL_GPR_LEN);
	e->cr.lmsw_src = (uint16_t)bit_extract(q, CR_QUAL_LMSW_SRC_OFF, CR_QUAL_LMSW_SRC_LEN);
	e->cr.op64 = (vmread(VMCS_GUEST_EFER) & EFER_LMA) && (vmread(VMCS_GUEST_CS_AR) & AR_L);
}

static void decode_xsetbv(struct vm_exit *e)
{
	e->kind = ARGON_EXIT_XSETBV;
	e->insn_len = insn_len();
}

static const vmx_decoder decoders[EXIT_REASON_MAX] = {
	[EXIT_REASON_EXCEPTION_NMI] = decode_exception_nmi,
	[EXIT_REASON_EXT_INTR] = decode_ext_intr,
	[EXIT_REASON_TRIPLE_FAULT] = decode_triple_fault,
	[EXIT_REASON_INIT] = decode_init,
	[EXIT_REASON_CPUID] = decode_cpuid,
	[EXIT_REASON_HLT] = decode_hlt,
	[EXIT_REASON_VMCALL] = decode_vmcall,
	[EXIT_REASON_VMCLEAR] = decode_virt_insn,
	[EXIT_REASON_VMLAUNCH] = decode_virt_insn,
	[EXIT_REASON_VMPTRLD] = decode_virt_insn,
	[EXIT_REASON_VMPTRST] = decode_virt_insn,
	[EXIT_REASON_VMREAD] = decode_virt_insn,
	[EXIT_REASON_VMRESUME] = decode_virt_insn,
	[EXIT_REASON_VMWRITE] = decode_virt_insn,
	[EXIT_REASON_VMXOFF] = decode_virt_insn,
	[EXIT_REASON_VMXON] = decode_virt_insn,
	[EXIT_REASON_INVEPT] = decode_virt_insn,
	[EXIT_REASON_INVVPID] = decode_virt_insn,
	[EXIT_REASON_CR_ACCESS] = decode_cr_access,
	[EXIT_REASON_IO] = decode_io,
	[EXIT_REASON_RDMSR] = decode_rdmsr,
	[EXIT_REASON_WRMSR] = decode_wrmsr,
	[EXIT_REASON_INVALID_GUEST_STATE] = decode_entry_fail,
	[EXIT_REASON_MSR_LOADING] = decode_entry_fail,
	[EXIT_REASON_MACHINE_CHECK] = decode_entry_fail,
	[EXIT_REASON_EPT_VIOLATION] = decode_ept_violation,
	[EXIT_REASON_XSETBV] = decode_xsetbv,
	[EXIT_REASON_GETSEC] = decode_missing_insn,
	[EXIT_REASON_INVD] = decode_invd,
	[EXIT_REASON_RDPMC] = decode_rdpmc,
	[EXIT_REASON_MWAIT] = decode_missing_insn,
	[EXIT_REASON_MONITOR] = decode_missing_insn,
};

void vmx_decode_exit(struct vm_exit *e)
{
	uint64_t reason = vmread(VMCS_EXIT_REASON);
	unsigned basic = (unsigned)(reason & EXIT_REASON_BASIC_MASK);

	*e = (struct vm_exit){.raw_reason = reason};
	if (reason & EXIT_REASON_ENTRY_FAIL) {
		e->kind = ARGON_EXIT_ENTRY_FAIL;
		return;
	}
	if (basic < EXIT_REASON_MAX && decoders[basic]) {
		decoders[basic](e);
		return;
	}
	e->kind = ARGON_EXIT_UNKNOWN;
}
