/* With "testguest.mode=timer-crash": the first boot leaves its core's
 * LAPIC busy (a periodic timer running, one tick in service, the next
 * pending, TPR raised) and triple-faults; argon restarts it, and the
 * second boot checks that it got the LAPIC of a core just out of reset
 * and that no interrupt arrives with interrupts enabled for many timer
 * periods. */
#include <stdint.h>

#include "tests/guest/arch.h"
#include "tests/guest/console.h"
#include "tests/guest/guest.h"
#include "tests/guest/idt.h"
#include "vmm/host/apic.h"

#define MSR_X2APIC_TPR 0x808u
#define MSR_X2APIC_SVR 0x80Fu
#define MSR_X2APIC_ISR0 0x810u
#define MSR_X2APIC_IRR0 0x820u
#define MSR_X2APIC_TIMER_INIT 0x838u
#define MSR_X2APIC_TIMER_CUR 0x839u
#define MSR_X2APIC_TIMER_DIV 0x83Eu
#define APIC_REGS_256 8
#define SVR_ENABLE (1u << 8)
#define LVT_RESET APIC_LVT_MASKED
#define LVT_TIMER_PERIODIC (1u << 17)
#define TIMER_DIV_1 0xBu
#define TIMER_VECTOR 0x40u
#define TIMER_COUNT 0x100000u
#define TPR_RAISED 0x20u
#define WAIT_LIMIT 20000000000ull /* TSC cycles: generous for emulation */
#define QUIET_CYCLES 400000000ull /* how long boot 2 listens */

static bool vector_bit(uint32_t first_msr, unsigned vector)
{
	return (rdmsr(first_msr + vector / 32) >> (vector % 32)) & 1;
}

static uint64_t wait_for(bool (*done)(void), const char *what)
{
	uint64_t start = rdtsc();

	while (!done()) {
		if (rdtsc() - start > WAIT_LIMIT)
			guest_fail_fatal("lapic-arm", "no %s within %llu TSC cycles", what,
					 WAIT_LIMIT);
		cpu_relax();
	}
	return rdtsc();
}

static uint64_t ticks_before;

static bool tick_taken(void)
{
	return trap_stray_interrupts() > ticks_before;
}

static bool tick_pending(void)
{
	return vector_bit(MSR_X2APIC_IRR0, TIMER_VECTOR);
}

void lapic_arm_and_crash(void)
{
	uint64_t first, second;

	wrmsr(MSR_X2APIC_SVR, SVR_ENABLE | 0xFF);
	wrmsr(MSR_X2APIC_TPR, 0);
	wrmsr(MSR_X2APIC_TIMER_DIV, TIMER_DIV_1);
	wrmsr(MSR_X2APIC_LVT_TIMER, LVT_TIMER_PERIODIC | TIMER_VECTOR);
	ticks_before = trap_stray_interrupts();
	wrmsr(MSR_X2APIC_TIMER_INIT, TIMER_COUNT);
	/* The handler sends no EOI: the first tick stays in service and the
	 * next one waits in the IRR. */
	__asm__ volatile("sti" ::: "memory");
	first = wait_for(tick_taken, "first timer tick");
	__asm__ volatile("cli" ::: "memory");
	second = wait_for(tick_pending, "second tick pending");
	if (!vector_bit(MSR_X2APIC_ISR0, TIMER_VECTOR))
		guest_fail_fatal("lapic-arm", "the first tick is not in service");
	wrmsr(MSR_X2APIC_TPR, TPR_RAISED);
	con_printf("argon-testguest: LAPIC timer armed, period %llu TSC cycles, one tick in "
		   "service, one pending; crashing\n",
		   (unsigned long long)(second - first));
}

bool check_lapic_reset(char *why, size_t size)
{
	uint64_t lvt = rdmsr(MSR_X2APIC_LVT_TIMER), init = rdmsr(MSR_X2APIC_TIMER_INIT);
	uint64_t cur = rdmsr(MSR_X2APIC_TIMER_CUR), tpr = rdmsr(MSR_X2APIC_TPR);
	uint64_t svr = rdmsr(MSR_X2APIC_SVR);

	if (lvt != LVT_RESET || init || cur)
		return guest_explain(why, size,
				     "timer LVT 0x%llx initial count 0x%llx current 0x%llx, want "
				     "0x%x 0 0",
				     (unsigned long long)lvt, (unsigned long long)init,
				     (unsigned long long)cur, LVT_RESET);
	if (tpr)
		return guest_explain(why, size, "TPR 0x%llx, want 0", (unsigned long long)tpr);
	if (svr & SVR_ENABLE)
		return guest_explain(why, size, "SVR 0x%llx: APIC software-enabled at start",
				     (unsigned long long)svr);
	for (unsigned i = 0; i < APIC_REGS_256; i++) {
		uint64_t isr = rdmsr(MSR_X2APIC_ISR0 + i), irr = rdmsr(MSR_X2APIC_IRR0 + i);

		if (isr || irr)
			return guest_explain(why, size, "ISR%u 0x%llx IRR%u 0x%llx, want 0", i,
					     (unsigned long long)isr, i, (unsigned long long)irr);
	}
	return true;
}

bool check_lapic_quiet(char *why, size_t size)
{
	uint64_t before = trap_stray_interrupts(), start, waited, got;

	/* As an OS does at start: APIC on, anything in service retired. */
	wrmsr(MSR_X2APIC_SVR, SVR_ENABLE | 0xFF);
	for (unsigned i = 0; i < APIC_REGS_256; i++)
		while (rdmsr(MSR_X2APIC_ISR0 + i))
			wrmsr(MSR_X2APIC_EOI, 0);
	start = rdtsc();
	__asm__ volatile("sti" ::: "memory");
	while (rdtsc() - start < QUIET_CYCLES)
		cpu_relax();
	__asm__ volatile("cli" ::: "memory");
	waited = rdtsc() - start;
	got = trap_stray_interrupts() - before;
	con_printf("argon-testguest: listened %llu TSC cycles with interrupts on\n",
		   (unsigned long long)waited);
	if (got)
		return guest_explain(why, size, "%llu interrupt(s) arrived",
				     (unsigned long long)got);
	return true;
}
