#include "vmm/msr_policy.h"

#include "lib/bits.h"
#include "lib/err.h"
#include "vmm/host/apic.h"
#include "vmm/cpuid_policy.h"
#include "vmm/guest_rules.h"
#include "vmm/log.h"
#include "vmm/panic.h"
#include "vmm/dev/vlapic.h"
#include "vmm/x86.h"

#define EFER_GUEST_WRITABLE (EFER_SCE | EFER_LME | EFER_NXE)
#define CPUID_D1_EAX_XSAVES BIT(3)
#define PASSTHROUGH_MAX 32

struct msr_passthrough msr_passthrough_list[PASSTHROUGH_MAX];
size_t msr_passthrough_count;

void msr_policy_init(void)
{
	int n = msr_passthrough_build(&cpu_host, msr_passthrough_list, PASSTHROUGH_MAX);

	if (n < 0)
		panic("MSR pass-through list longer than %d runs\n", PASSTHROUGH_MAX);
	msr_passthrough_count = (size_t)n;
}

void msr_policy_vcpu_start(struct vcpu *v)
{
	v->mtrr_def_type = MTRR_DEF_TYPE_RESET;
	if (msr_policy_how(&cpu_host, MSR_SPEC_CTRL, true) == MSR_DIRECT)
		wrmsr(MSR_SPEC_CTRL, 0);
	/* The guest sees XSS as 0 (msr_emulate_read); XSAVES on its core
	 * must find the same. */
	if (cpuid(0, 0).eax >= 0xD && (cpuid(0xD, 1).eax & CPUID_D1_EAX_XSAVES))
		wrmsr(MSR_XSS, 0);
}

int msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	switch (msr_policy_how(&cpu_host, msr, false)) {
	case MSR_GP:
		return -ERR_NOTSUP;
	case MSR_DIRECT:
		/* Not intercepted, so never here: argon does not touch the
		 * real register on a guest's behalf (a fault would be argon's). */
		return -ERR_NOTSUP;
	case MSR_EMULATED:
		return msr_emulate_read(&cpu_host, &v->mtrr_def_type, msr, val);
	case MSR_VCPU:
		break;
	}
	switch (msr) {
	case MSR_EFER:
		*val = vcpu_ops->get_efer(v);
		return 0;
	case MSR_APIC_BASE:
		/* The guest's first vCPU is its bootstrap processor. */
		*val = (rdmsr(msr) & ~APIC_BASE_BSP) | (v->index == 0 ? APIC_BASE_BSP : 0);
		return 0;
	default:
		return -ERR_NOTSUP;
	}
}

int msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint64_t efer;

	switch (msr_policy_how(&cpu_host, msr, true)) {
	case MSR_GP:
		return -ERR_NOTSUP;
	case MSR_DIRECT:
		return -ERR_NOTSUP;
	case MSR_EMULATED:
		return msr_emulate_write(&cpu_host, &v->mtrr_def_type, msr, val);
	case MSR_VCPU:
		break;
	}
	switch (msr) {
	case MSR_EFER:
		if (val & ~(EFER_GUEST_WRITABLE | EFER_LMA))
			return -ERR_INVAL;
		efer = vcpu_ops->get_efer(v);
		/* LME cannot change while paging is on (SDM vol 4, WRMSR). */
		if (((val ^ efer) & EFER_LME) && (vcpu_ops->get_cr(v, 0) & CR0_PG))
			return -ERR_INVAL;
		/* LMA follows CR0.PG and LME; software cannot set it. */
		vcpu_ops->set_efer(v, (val & EFER_GUEST_WRITABLE) | (efer & EFER_LMA));
		return 0;
	case MSR_APIC_BASE:
		/* Writing back what it read is fine; leaving x2APIC mode or
		 * moving the APIC is not. */
		return ((rdmsr(msr) ^ val) & ~APIC_BASE_BSP) ? -ERR_NOTSUP : 0;
	case MSR_X2APIC_ICR:
		return vlapic_icr_write(v, val);
	case MSR_X2APIC_LVT_CMCI:
	case MSR_X2APIC_LVT_THERMAL:
	case MSR_X2APIC_LVT_PERF:
	case MSR_X2APIC_LVT_LINT0:
	case MSR_X2APIC_LVT_LINT1:
	case MSR_X2APIC_LVT_ERROR:
		return vlapic_lvt_write(v, msr, val);
	default:
		return -ERR_NOTSUP;
	}
}
