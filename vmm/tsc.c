#include "vmm/tsc.h"

#include "vmm/x86.h"

#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20
#define CALIBRATE_MS 50u

uint64_t tsc_khz;

uint64_t tsc_calibrate_khz(void)
{
	uint32_t latch = PIT_HZ / (1000 / CALIBRATE_MS);
	uint64_t t0, t1;
	unsigned long spins = 0;

	/* Channel 2, mode 0 (interrupt on terminal count): OUT2 rises once
	 * the count reaches zero, and port B shows it. */
	outb(PORT_B, (uint8_t)((inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	outb(PIT_CMD, 0xB0);
	outb(PIT_CH2, (uint8_t)latch);
	outb(PIT_CH2, (uint8_t)(latch >> 8));
	t0 = rdtsc();
	while (!(inb(PORT_B) & PORT_B_OUT2)) {
		if (++spins > 100000000ul)
			return tsc_khz = 0;
	}
	t1 = rdtsc();
	tsc_khz = (t1 - t0) / CALIBRATE_MS;
	return tsc_khz;
}
