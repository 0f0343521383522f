/* SVM detection and per-CPU enable (APM vol 2, 15.4). */
#include "vmm/svm/svm.h"

#include "lib/err.h"
#include "vmm/host/cpu.h"
#include "vmm/log.h"
#include "vmm/page_alloc.h"
#include "vmm/x86.h"

#define CPUID_8000_0001_ECX_SVM BIT(2)
#define CPUID_8000_000A_EDX_NP BIT(0)
#define CPUID_8000_000A_EDX_NRIPS BIT(3)
#define CPUID_8000_000A_EDX_DECODE_ASSISTS BIT(7)

struct svm_caps svm_caps;

int svm_probe(void)
{
	struct cpuid_regs r = cpuid(0x80000000u, 0);

	if (r.eax < 0x8000000Au)
		return -ERR_NODEV;
	if (!(cpuid(0x80000001u, 0).ecx & CPUID_8000_0001_ECX_SVM))
		return -ERR_NODEV;
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		pr_err("SVM is disabled by the firmware (VM_CR.SVMDIS)\n");
		return -ERR_NODEV;
	}
	r = cpuid(0x8000000Au, 0);
	if (!(r.edx & CPUID_8000_000A_EDX_NP)) {
		pr_err("SVM without nested paging is not supported\n");
		return -ERR_NODEV;
	}
	svm_caps.nrips = r.edx & CPUID_8000_000A_EDX_NRIPS;
	svm_caps.nasid = r.ebx;
	/* Decode assists would hand over the bytes of an instruction that
	 * faulted on MMIO; argon fetches and decodes them itself either way
	 * (QEMU's TCG offers neither of these). */
	pr_info("SVM: next-RIP save %s, decode assists %s\n", svm_caps.nrips ? "yes" : "no",
		(r.edx & CPUID_8000_000A_EDX_DECODE_ASSISTS) ? "yes" : "no");
	return 0;
}

int svm_cpu_enable(struct pcpu *cpu)
{
	void *hsave = page_alloc(), *host_state = page_alloc();

	if (!hsave || !host_state)
		return trace_err(-ERR_NOMEM);
	cpu->host_save_pa = virt_to_phys(hsave);
	cpu->host_state_pa = virt_to_phys(host_state);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, cpu->host_save_pa);
	/* The host's FS/GS/TR/LDTR and syscall MSRs, for the VMLOAD after
	 * every exit. They never change once the CPU is up. */
	svm_vmsave(cpu->host_state_pa);
	/* From here on the host runs with GIF clear (see svm_run.S). */
	__asm__ volatile("clgi" ::: "memory");
	cpu->virt_on = true;
	return 0;
}
