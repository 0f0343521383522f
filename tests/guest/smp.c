/* With "testguest.mode=smp": start the second vCPU through the x2APIC
 * (INIT and SIPI to all but self, as the guest knows no other APIC id) and
 * see it run. It then spins in the guest until argon stops the guest, which
 * must pull it out. */
#include <stdint.h>

#include "lib/string.h"
#include "tests/guest/arch.h"
#include "tests/guest/guest.h"
#include "vmm/host/apic.h"

#define AP_PAGE 0x20000u
#define AP_COUNTER (AP_PAGE + 0x100u)
#define AP_WAIT_CYCLES 20000000000ull /* 20 s at 1 GHz: generous for emulation */
#define AP_WANT_COUNT 1000u

extern const uint8_t ap_stub_start[], ap_stub_end[];

bool check_ap_start(char *why, size_t size)
{
	volatile uint32_t *counter = (volatile uint32_t *)(uintptr_t)AP_COUNTER;
	uint32_t others = ICR_SHORTHAND_OTHERS << ICR_SHORTHAND_OFF;
	uint64_t start;

	memcpy((void *)(uintptr_t)AP_PAGE, ap_stub_start, (size_t)(ap_stub_end - ap_stub_start));
	*counter = 0;
	wrmsr(MSR_X2APIC_ICR, others | ICR_MODE_INIT << ICR_MODE_OFF | ICR_LEVEL_ASSERT);
	wrmsr(MSR_X2APIC_ICR, others | ICR_MODE_SIPI << ICR_MODE_OFF | (AP_PAGE >> 12));
	start = rdtsc();
	while (*counter < AP_WANT_COUNT) {
		if (rdtsc() - start > AP_WAIT_CYCLES)
			return guest_explain(why, size, "second vCPU counted to %u only", *counter);
		cpu_relax();
	}
	return true;
}
