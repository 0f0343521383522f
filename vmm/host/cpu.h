/* Physical CPUs as argon sees them. */
#ifndef ARGON_VMM_CPU_H
#define ARGON_VMM_CPU_H

#include <stdbool.h>
#include <stdint.h>

/* Today's largest two-socket servers have up to 768 logical CPUs. */
#define MAX_CPUS 1024

struct vcpu;
struct cpu_tables;

struct pcpu {
	unsigned index; /* logical CPU number: MADT order, as argon.conf uses it */
	uint32_t apic_id;
	uint32_t socket, core, thread; /* from the APIC id (vmm/host/cpu_topo.h) */
	bool present;
	bool wanted;		   /* a guest runs here: smp_start_aps starts it */
	bool parked;		   /* unused: halted in argon's loop (smp_park_unused) */
	bool virt_on;		   /* VMX/SVM root mode enabled on this CPU */
	volatile bool online;	   /* running argon code, ready for work */
	struct cpu_tables *tables; /* its GDT, TSS and IDT */
	uint64_t host_save_pa;	   /* SVM: VM_HSAVE_PA page; VMX: VMXON region */
	uint64_t host_state_pa;	   /* SVM: VMCB page for VMSAVE/VMLOAD of host state */
	struct vcpu *vcpu;	   /* the one vCPU pinned here, if any */
	bool console;		   /* no guest here: the console CPU (vmm/console.h) */
};

/* pcpus[0..pcpu_count), allocated for the CPUs the MADT lists (until
 * then, and on a machine without one, the boot CPU alone). */
extern struct pcpu *pcpus;
extern unsigned pcpu_count;

struct pcpu *this_cpu(void);
/* Sets up what argon needs of the calling CPU (CR4 bits). */
void cpu_features_init(void);
unsigned boot_cpu_index(void);

/* Prints the CPU table (docs/cpus.md). */
void host_cpus_print(void);

#endif
