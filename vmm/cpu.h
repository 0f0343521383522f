/* Physical CPUs as argon sees them. */
#ifndef ARGON_VMM_CPU_H
#define ARGON_VMM_CPU_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_CPUS 64

struct vcpu;

struct pcpu {
	unsigned index; /* logical CPU number: MADT order, as argon.conf uses it */
	uint32_t apic_id;
	bool present;
	bool virt_on;		/* VMX/SVM root mode enabled on this CPU */
	volatile bool online;	/* running argon code, ready for work */
	uint64_t host_save_pa;	/* SVM: VM_HSAVE_PA page; VMX: VMXON region */
	uint64_t host_state_pa; /* SVM: VMCB page for VMSAVE/VMLOAD of host state */
	struct vcpu *vcpu;	/* the one vCPU pinned here, if any */
	bool console;		/* no guest here: the console CPU (vmm/console.h) */
};

extern struct pcpu pcpus[MAX_CPUS];
extern unsigned pcpu_count;

struct pcpu *this_cpu(void);
/* Sets up what argon needs of the calling CPU (CR4 bits). */
void cpu_features_init(void);
unsigned boot_cpu_index(void);

#endif
