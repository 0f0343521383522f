/* Local APIC reset for a new guest boot. */
#include "vmm/host/lapic_reset.h"

#include <stdint.h>

#include "lib/bits.h"
#include "vmm/host/apic.h"
#include "vmm/host/cpu_tables.h"
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
#define DRAIN_ROUNDS 512 /* two per vector is plenty */

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
	unsigned dropped = 0;

	idt_load(true);
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
	idt_load(false);
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
