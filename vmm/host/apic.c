#include "vmm/host/apic.h"

#include "lib/bits.h"
#include "vmm/x86.h"

#define CPUID_1_ECX_X2APIC BIT(21)

bool x2apic_enable(void)
{
	uint64_t base;

	if (!(cpuid(1, 0).ecx & CPUID_1_ECX_X2APIC))
		return false;
	base = rdmsr(MSR_APIC_BASE);
	/* xAPIC to x2APIC goes through EN=1, EXTD=0 (SDM 11.12.5). */
	if (!(base & APIC_BASE_EN))
		wrmsr(MSR_APIC_BASE, base |= APIC_BASE_EN);
	if (!(base & APIC_BASE_EXTD))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD);
	return true;
}

uint32_t x2apic_id(void)
{
	return (uint32_t)rdmsr(MSR_X2APIC_ID);
}

void x2apic_send(uint32_t dest, uint32_t icr_low)
{
	wrmsr(MSR_X2APIC_ICR, ((uint64_t)dest << 32) | icr_low);
}

#define PIC1_DATA 0x21
#define PIC2_DATA 0xA1

void interrupts_quiesce(bool boot_cpu)
{
	if (boot_cpu) {
		outb(PIC1_DATA, 0xFF);
		outb(PIC2_DATA, 0xFF);
	}
	wrmsr(MSR_X2APIC_LVT_TIMER, rdmsr(MSR_X2APIC_LVT_TIMER) | APIC_LVT_MASKED);
	wrmsr(MSR_X2APIC_LVT_LINT0, rdmsr(MSR_X2APIC_LVT_LINT0) | APIC_LVT_MASKED);
}
