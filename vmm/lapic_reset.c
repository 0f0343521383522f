/* Local APIC reset for a new guest boot. */
#include "vmm/lapic_reset.h"

#include <stdint.h>

#include "lib/bits.h"
#include "vmm/apic.h"
#include "vmm/cpu_tables.h"
#include "vmm/spinlock.h"
#include "vmm/x86.h"

#define MSR_X2APIC_VERSION 0x803u
#define MSR_X2APIC_TPR 0x808u
#define MSR_X2APIC_SVR 0x80Fu
#define MSR_X2APIC_ISR0 0x810u
#define MSR_X2APIC_IRR0 0x820u
#define MSR_X2APIC_ESR 0x828u
#define MSR_X2APIC_LVT_CMCI 0x82Fu
#define MSR_X2APIC_LVT_THERMAL 0x833u
#define MSR_X2APIC_LVT_PERF 0x834u
#define MSR_X2APIC_LVT_LINT1 0x836u
#define MSR_X2APIC_LVT_ERROR 0x837u
#define MSR_X2APIC_TIMER_INIT 0x838u
#define MSR_X2APIC_TIMER_DIV 0x83Eu
#define APIC_REGS_256 8 /* ISR, IRR: eight 32-bit registers */
#define VERSION_MAXLVT_OFF 16
#define VERSION_MAXLVT_LEN 8
#define SVR_ENABLE (1u << 8)
#define SVR_RESET 0xFFu
#define CPUID1_ECX_TSC_DEADLINE BIT(24)
#define VECTORS 256
#define FIRST_IRQ 32
#define NMI_VECTOR 2
#define GATE_INTR64 0x8E /* present, DPL 0, 64-bit interrupt gate */
#define DRAIN_ROUNDS 512 /* two per vector is plenty */

/* An interrupt or NMI taken while draining: nothing to do but return;
 * the EOIs follow in C. */
__asm__(".text\n"
	".globl lapic_drop_interrupt\n"
	"lapic_drop_interrupt:\n\t"
	"iretq\n");
void lapic_drop_interrupt(void);

struct drain_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct drain_gate) == 16, "IDT gate layout");

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* argon's exception gates for 0-31 (copied from the IDT in use, the same
 * on every core), the dropping stub for NMI and 32-255; built once. */
static struct drain_gate drain_idt[VECTORS] __attribute__((aligned(16)));
static struct spinlock drain_idt_lock;
static bool drain_idt_ready;

static void drain_idt_build(const struct idt_ptr *host)
{
	const struct drain_gate *exc = (const struct drain_gate *)(uintptr_t)host->base;
	unsigned host_gates = (host->limit + 1u) / sizeof(struct drain_gate);
	uint64_t a = (uint64_t)(uintptr_t)lapic_drop_interrupt;

	spin_lock(&drain_idt_lock);
	for (unsigned v = 0; !drain_idt_ready && v < VECTORS; v++) {
		if (v < FIRST_IRQ && v != NMI_VECTOR && v < host_gates) {
			drain_idt[v] = exc[v];
			continue;
		}
		drain_idt[v] = (struct drain_gate){.offset_low = (uint16_t)a,
						   .selector = HOST_CS,
						   .type_attr = GATE_INTR64,
						   .offset_mid = (uint16_t)(a >> 16),
						   .offset_high = (uint32_t)(a >> 32)};
	}
	__atomic_store_n(&drain_idt_ready, true, __ATOMIC_RELEASE);
	spin_unlock(&drain_idt_lock);
}

static bool any_bit(uint32_t first_msr)
{
	for (unsigned i = 0; i < APIC_REGS_256; i++)
		if ((uint32_t)rdmsr(first_msr + i))
			return true;
	return false;
}

/* Each EOI retires the highest interrupt in service. */
static void eoi_all(void)
{
	for (unsigned n = 0; n < VECTORS && any_bit(MSR_X2APIC_ISR0); n++)
		wrmsr(MSR_X2APIC_EOI, 0);
}

/* IRR bits leave only by delivery: let each pending interrupt in, one
 * at a time, and retire it. */
static unsigned drain(void (*window)(bool open))
{
	struct idt_ptr host, ours = {sizeof(drain_idt) - 1, (uint64_t)(uintptr_t)drain_idt};
	unsigned dropped = 0;

	__asm__ volatile("sidt %0" : "=m"(host));
	if (!__atomic_load_n(&drain_idt_ready, __ATOMIC_ACQUIRE))
		drain_idt_build(&host);
	__asm__ volatile("lidt %0" : : "m"(ours) : "memory");
	for (unsigned round = 0; round < DRAIN_ROUNDS; round++) {
		eoi_all();
		/* The first round also takes an NMI the host holds (SVM). */
		if (round && !any_bit(MSR_X2APIC_IRR0))
			break;
		if (window)
			window(true);
		__asm__ volatile("sti\n\tnop\n\tnop\n\tnop\n\tnop\n\tcli" ::: "memory");
		if (window)
			window(false);
		if (any_bit(MSR_X2APIC_ISR0))
			dropped++;
	}
	eoi_all();
	__asm__ volatile("lidt %0" : : "m"(host) : "memory");
	return dropped;
}

unsigned lapic_guest_reset(void (*window)(bool open))
{
	unsigned maxlvt = (unsigned)bit_extract(rdmsr(MSR_X2APIC_VERSION), VERSION_MAXLVT_OFF,
						VERSION_MAXLVT_LEN);
	unsigned dropped;

	wrmsr(MSR_X2APIC_LVT_TIMER, APIC_LVT_MASKED);
	wrmsr(MSR_X2APIC_TIMER_INIT, 0);
	wrmsr(MSR_X2APIC_TIMER_DIV, 0);
	if (cpuid(1, 0).ecx & CPUID1_ECX_TSC_DEADLINE)
		wrmsr(MSR_TSC_DEADLINE, 0);
	wrmsr(MSR_X2APIC_LVT_LINT0, APIC_LVT_MASKED);
	wrmsr(MSR_X2APIC_LVT_LINT1, APIC_LVT_MASKED);
	wrmsr(MSR_X2APIC_LVT_ERROR, APIC_LVT_MASKED);
	/* LVT entries beyond the first four exist by the count in the
	 * version register (SDM 11.5.1): performance, thermal, CMCI. */
	if (maxlvt >= 4)
		wrmsr(MSR_X2APIC_LVT_PERF, APIC_LVT_MASKED);
	if (maxlvt >= 5)
		wrmsr(MSR_X2APIC_LVT_THERMAL, APIC_LVT_MASKED);
	if (maxlvt >= 6)
		wrmsr(MSR_X2APIC_LVT_CMCI, APIC_LVT_MASKED);
	wrmsr(MSR_X2APIC_TPR, 0);
	/* Delivery needs the APIC software-enabled; the LVTs stay masked. */
	wrmsr(MSR_X2APIC_SVR, SVR_ENABLE | SVR_RESET);
	dropped = drain(window);
	wrmsr(MSR_X2APIC_ESR, 0);
	wrmsr(MSR_X2APIC_SVR, SVR_RESET);
	return dropped;
}
