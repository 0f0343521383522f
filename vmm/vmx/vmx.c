/* VMX detection and per-CPU enable: IA32_FEATURE_CONTROL, fixed CR bits,
 * VMXON (SDM 24.7 and 24.8). */
#include "vmm/vmx/vmx.h"

#include "lib/err.h"
#include "vmm/host/cpu.h"
#include "vmm/log.h"
#include "vmm/page_alloc.h"
#include "vmm/x86.h"

#define CPUID_1_ECX_VMX BIT(5)

struct vmx_caps vmx_caps;
char vmx_break_entry[32];

int vmx_probe(void)
{
	uint64_t fc;
	bool true_ctls;

	if (!(cpuid(1, 0).ecx & CPUID_1_ECX_VMX))
		return -ERR_NODEV;
	fc = rdmsr(MSR_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCKED) && !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		pr_err("VMX is disabled by the firmware (IA32_FEATURE_CONTROL locked)\n");
		return -ERR_NODEV;
	}
	vmx_caps.basic = rdmsr(MSR_VMX_BASIC);
	true_ctls = vmx_caps.basic & VMX_BASIC_TRUE_CTLS;
	vmx_caps.pin = rdmsr(true_ctls ? MSR_VMX_TRUE_PINBASED_CTLS : MSR_VMX_PINBASED_CTLS);
	vmx_caps.proc = rdmsr(true_ctls ? MSR_VMX_TRUE_PROCBASED_CTLS : MSR_VMX_PROCBASED_CTLS);
	vmx_caps.exit = rdmsr(true_ctls ? MSR_VMX_TRUE_EXIT_CTLS : MSR_VMX_EXIT_CTLS);
	vmx_caps.entry = rdmsr(true_ctls ? MSR_VMX_TRUE_ENTRY_CTLS : MSR_VMX_ENTRY_CTLS);
	vmx_caps.misc = rdmsr(MSR_VMX_MISC);
	vmx_caps.cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	vmx_caps.cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	vmx_caps.cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	vmx_caps.cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	vmx_caps.maxphyaddr = cpuid(0x80000008u, 0).eax & 0xFF;
	vmx_caps.vaddr_bits = (cpuid(0x80000008u, 0).eax >> 8) & 0xFF;
	if (!(vmx_caps.proc >> 32 & PROC_SECONDARY)) {
		pr_err("VMX without secondary controls (no EPT) is not supported\n");
		return -ERR_NODEV;
	}
	vmx_caps.proc2 = rdmsr(MSR_VMX_PROCBASED_CTLS2);
	if (!(vmx_caps.proc2 >> 32 & PROC2_ENABLE_EPT)) {
		pr_err("VMX without EPT is not supported\n");
		return -ERR_NODEV;
	}
	vmx_caps.ept_vpid = rdmsr(MSR_VMX_EPT_VPID_CAP);
	if (!(vmx_caps.ept_vpid & EPT_CAP_WALK_4) || !(vmx_caps.ept_vpid & EPT_CAP_WB)) {
		pr_err("EPT without 4-level write-back tables is not supported\n");
		return -ERR_NODEV;
	}
	if (vmx_caps.proc2 >> 32 & PROC2_VMFUNC)
		vmx_caps.vmfunc = rdmsr(MSR_VMX_VMFUNC);
	return 0;
}

int vmx_cpu_enable(struct pcpu *cpu)
{
	uint32_t *region = page_alloc();
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL), pa;
	uint8_t fail;

	if (!region)
		return trace_err(-ERR_NOMEM);
	if (!(fc & FEATURE_CONTROL_LOCKED))
		wrmsr(MSR_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	/* CR0 and CR4 must hold the fixed bits in VMX operation (SDM 24.8). */
	write_cr0((read_cr0() | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1);
	write_cr4(((read_cr4() | CR4_VMXE) | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1);
	region[0] = (uint32_t)(vmx_caps.basic & VMX_BASIC_REVISION_MASK);
	pa = virt_to_phys(region);
	__asm__ volatile("vmxon %[pa]; setna %[fail]"
			 : [fail] "=qm"(fail)
			 : [pa] "m"(pa)
			 : "cc", "memory");
	if (fail) {
		page_free(region);
		return trace_err(-ERR_IO);
	}
	cpu->host_save_pa = pa;
	cpu->virt_on = true;
	return 0;
}
