/* The SVM (AMD-V) backend, internal interface. */
#ifndef ARGON_VMM_SVM_SVM_H
#define ARGON_VMM_SVM_SVM_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/svm/vmcb.h"
#include "vmm/vcpu.h"

#define MSR_VM_CR 0xC0010114u
#define MSR_VM_HSAVE_PA 0xC0010117u
#define VM_CR_SVMDIS BIT(4)

struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa;
	uint8_t *msrpm;
	uint8_t *iopm;
	bool launched;
	/* The guest runs its NMI handler (argon injected an NMI and has not
	 * seen it finish): NMIs wait. */
	bool nmi_masked;
	/* Stepping over the guest's IRET that ends it; DR6 as before. */
	bool nmi_iret_step;
	bool nmi_db_was_intercepted; /* #DB intercepted before the step */
	uint64_t nmi_dr6;
};

struct svm_caps {
	bool nrips;	/* next RIP saved on exits */
	uint32_t nasid; /* number of ASIDs */
};

extern struct svm_caps svm_caps;

/* -ERR_NODEV with a reason logged when this CPU cannot run SVM guests. */
int svm_probe(void);
int svm_cpu_enable(struct pcpu *cpu);

void svm_vmrun(uint64_t vmcb_pa, struct guest_regs *regs, uint64_t host_state_pa);
void svm_vmsave(uint64_t pa);

/* Turns the exit the VMCB holds into a normalized exit. */
void svm_decode_exit(struct svm_vcpu *s, struct vm_exit *e);

#endif
