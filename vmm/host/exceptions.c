/* An exception in argon itself is a bug: dump everything and stop. An
 * NMI is not: it is held for the guest of the core. Neither path takes a
 * lock, so that a CPU interrupted inside the console or the log cannot
 * deadlock on its own lock. */
#include "vmm/host/apic.h"
#include "vmm/host/cpu.h"
#include "vmm/host/cpu_tables.h"
#include "vmm/host/idt.h"
#include "vmm/host/tsc.h"
#include "vmm/log.h"
#include "vmm/panic.h"
#include "vmm/vcpu.h"
#include "vmm/x86.h"

static const char *const exc_names[32] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM device not available",
	"#DF double fault",
	"coprocessor overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved",
	"#MF x87 error",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD error",
	"#VE virtualization",
	"#CP control protection",
};

void exception_dispatch(struct exc_frame *f)
{
	const char *name =
		f->vector < 32 && exc_names[f->vector] ? exc_names[f->vector] : "reserved";

	/* The dump goes straight to the UART from this CPU, whatever the
	 * console CPU does and whatever lock this CPU held. */
	panic_print("argon: PANIC: exception %llu (%s) in argon, error code 0x%llx\n",
		    (unsigned long long)f->vector, name, (unsigned long long)f->error);
	panic_print("  rip %016llx cs %04llx rflags %016llx rsp %016llx ss %04llx\n",
		    (unsigned long long)f->rip, (unsigned long long)f->cs,
		    (unsigned long long)f->rflags, (unsigned long long)f->rsp,
		    (unsigned long long)f->ss);
	panic_print("  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n",
		    (unsigned long long)f->rax, (unsigned long long)f->rbx,
		    (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	panic_print("  rsi %016llx rdi %016llx rbp %016llx r8  %016llx\n",
		    (unsigned long long)f->rsi, (unsigned long long)f->rdi,
		    (unsigned long long)f->rbp, (unsigned long long)f->r8);
	panic_print("  r9  %016llx r10 %016llx r11 %016llx r12 %016llx\n",
		    (unsigned long long)f->r9, (unsigned long long)f->r10,
		    (unsigned long long)f->r11, (unsigned long long)f->r12);
	panic_print("  r13 %016llx r14 %016llx r15 %016llx\n", (unsigned long long)f->r13,
		    (unsigned long long)f->r14, (unsigned long long)f->r15);
	panic_print("  cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx\n",
		    (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
		    (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	panic("halting after an exception in argon\n");
}

static struct pcpu *nmi_this_cpu(void)
{
	uint32_t id;

	/* Before x2APIC mode (early boot) no guest runs, and the ID MSR
	 * would fault. */
	if (!pcpus || !(rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD))
		return NULL;
	id = (uint32_t)rdmsr(MSR_X2APIC_ID);
	for (unsigned i = 0; i < pcpu_count; i++) {
		if (pcpus[i].apic_id == id)
			return &pcpus[i];
	}
	return NULL;
}

/* An NMI while argon runs (isr.S, vector 2). On a core with a vCPU it is
 * the guest's (its own NMI IPI, or one argon resent to it; argon's VMX
 * kick is INIT, and SVM holds NMIs with GIF clear while argon runs):
 * held for the guest's next entry. Elsewhere there is no one to pass it
 * to, and it is dropped. */
void nmi_dispatch(void)
{
	struct pcpu *cpu = nmi_this_cpu();
	struct vcpu *v = cpu ? cpu->vcpu : NULL;

	if (!v)
		return;
	__atomic_store_n(&v->nmi_pending, true, __ATOMIC_RELEASE);
	if (cpu->virt_on && v->arch && vcpu_ops && vcpu_ops->host_nmi)
		vcpu_ops->host_nmi(v);
}

static struct stray_irqs stray;

#define MSR_X2APIC_ISR0 0x810u

/* A vector argon has no use for reached this CPU while interrupts were
 * on (the console CPU's HLT): a device's compatibility-format message the
 * IOMMU let through, a stray IPI. Counted; acknowledged if the LAPIC holds
 * it in service (a fixed interrupt; not an NMI-like or spurious one), so
 * that it does not block lower vectors; never fatal. Takes no lock. */
void stray_irq_dispatch(uint64_t vector)
{
	unsigned v = (unsigned)vector & 0xFF;

	stray_irq_count(&stray, v);
	if (!(rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD))
		return;
	if (rdmsr(MSR_X2APIC_ISR0 + v / 32) & (1ull << (v % 32)))
		wrmsr(MSR_X2APIC_EOI, 0);
}

static void stray_report(unsigned vector, uint64_t total)
{
	pr_warn("interrupt vector 0x%02x that argon does not use arrived (%llu so far): "
		"acknowledged and ignored\n",
		vector, (unsigned long long)total);
}

void stray_irq_log(void)
{
	stray_irq_report(&stray, tsc_to_us(rdtsc()), stray_report);
}
