/* The VMCS by field name, and the VM-entry checker run over it. */
#include "vmm/guest.h"
#include "vmm/log.h"
#include "vmm/vmx/vmx.h"

static const struct {
	const char *name;
	uint32_t field;
} dump_fields[] = {
#define F(x)                 \
	{                    \
#x, VMCS_##x \
	}
	F(EXIT_REASON),
	F(EXIT_QUALIFICATION),
	F(INSN_ERROR),
	F(EXIT_INTR_INFO),
	F(EXIT_INTR_ERROR),
	F(IDT_VECTORING_INFO),
	F(EXIT_INSN_LEN),
	F(GUEST_PHYSICAL_ADDR),
	F(GUEST_LINEAR_ADDR),
	F(PIN_CONTROLS),
	F(PROC_CONTROLS),
	F(PROC_CONTROLS2),
	F(EXIT_CONTROLS),
	F(ENTRY_CONTROLS),
	F(ENTRY_INTR_INFO),
	F(EXCEPTION_BITMAP),
	F(EPT_POINTER),
	F(VPID),
	F(GUEST_RIP),
	F(GUEST_RSP),
	F(GUEST_RFLAGS),
	F(GUEST_CR0),
	F(CR0_MASK),
	F(CR0_READ_SHADOW),
	F(GUEST_CR3),
	F(GUEST_CR4),
	F(CR4_MASK),
	F(CR4_READ_SHADOW),
	F(GUEST_EFER),
	F(GUEST_PAT),
	F(GUEST_DR7),
	F(GUEST_CS_SEL),
	F(GUEST_CS_AR),
	F(GUEST_CS_LIMIT),
	F(GUEST_CS_BASE),
	F(GUEST_SS_SEL),
	F(GUEST_SS_AR),
	F(GUEST_DS_SEL),
	F(GUEST_DS_AR),
	F(GUEST_TR_SEL),
	F(GUEST_TR_AR),
	F(GUEST_TR_LIMIT),
	F(GUEST_TR_BASE),
	F(GUEST_LDTR_SEL),
	F(GUEST_LDTR_AR),
	F(GUEST_GDTR_BASE),
	F(GUEST_GDTR_LIMIT),
	F(GUEST_IDTR_BASE),
	F(GUEST_IDTR_LIMIT),
	F(GUEST_INTERRUPTIBILITY),
	F(GUEST_ACTIVITY_STATE),
	F(LINK_POINTER),
	F(HOST_CR0),
	F(HOST_CR3),
	F(HOST_CR4),
	F(HOST_EFER),
	F(HOST_RIP),
	F(HOST_RSP),
#undef F
};

void vmx_dump(struct vcpu *v);

void vmx_dump(struct vcpu *v)
{
	const struct guest_regs *r = &v->regs;

	for (size_t i = 0; i < sizeof(dump_fields) / sizeof(dump_fields[0]); i += 2) {
		if (i + 1 < sizeof(dump_fields) / sizeof(dump_fields[0]))
			log_raw("  %-24s %016llx   %-24s %016llx\n", dump_fields[i].name,
				(unsigned long long)vmread(dump_fields[i].field),
				dump_fields[i + 1].name,
				(unsigned long long)vmread(dump_fields[i + 1].field));
		else
			log_raw("  %-24s %016llx\n", dump_fields[i].name,
				(unsigned long long)vmread(dump_fields[i].field));
	}
	log_raw("  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", (unsigned long long)r->rax,
		(unsigned long long)r->rbx, (unsigned long long)r->rcx, (unsigned long long)r->rdx);
	log_raw("  rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n", (unsigned long long)r->rsi,
		(unsigned long long)r->rdi, (unsigned long long)r->rbp, (unsigned long long)r->r8);
	vmx_check_current_vmcs();
}

static uint64_t read_field(void *ctx, uint32_t field)
{
	return vmread(field);
}

unsigned vmx_check_current_vmcs(void)
{
	static struct vmcs_check_result res;
	struct vmcs_reader rd = {read_field, NULL};
	unsigned n = vmcs_check_entry(&rd, &vmx_caps, &res);

	for (unsigned i = 0; i < n && i < VMCS_CHECK_MAX_FAILURES; i++)
		log_raw("argon: vmcs check failed: %s (SDM %s): %s\n", res.f[i].name, res.f[i].sdm,
			res.f[i].detail);
	if (n > VMCS_CHECK_MAX_FAILURES)
		log_raw("argon: vmcs check: %u more failures not shown\n",
			n - VMCS_CHECK_MAX_FAILURES);
	return n;
}
