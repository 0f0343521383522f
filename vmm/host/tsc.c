#include "vmm/host/tsc.h"

#include <stdbool.h>

#include "vmm/x86.h"

#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20
#define CALIBRATE_MS 20u
#define CALIBRATE_RUNS 25u
/* A window whose brackets are within 1/2000 (0.05%) of its length is
 * taken at once; undisturbed, they are well under 0.01% even under
 * QEMU's TCG. */
#define CALIBRATE_GOOD 2000u
#define SPIN_LIMIT 100000000ul

uint64_t tsc_khz;

/* One window of CALIBRATE_MS on PIT channel 2 in mode 0 (interrupt on
 * terminal count: OUT2, seen in port B, rises once the count reaches
 * zero). Each end is only known between two TSC reads: the count starts
 * at the write of its high byte, and ends after the last read of port B
 * that saw OUT2 low and before the end of the first one that sees it
 * high. Anything that holds the CPU up in between (an SMI; under an
 * emulator, the host scheduling it out) widens those brackets, so the
 * window reports its uncertainty in *err, in TSC cycles. 0 if no PIT. */
static uint64_t window_cycles(uint64_t *err)
{
	uint32_t latch = PIT_HZ / (1000 / CALIBRATE_MS);
	uint64_t start_lo, start_hi, end_lo, s, e;
	unsigned long spins = 0;

	outb(PORT_B, (uint8_t)((inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	outb(PIT_CMD, 0xB0);
	outb(PIT_CH2, (uint8_t)latch);
	start_lo = rdtsc();
	outb(PIT_CH2, (uint8_t)(latch >> 8));
	start_hi = rdtsc();
	end_lo = start_lo;
	for (;;) {
		bool high;

		s = rdtsc();
		high = inb(PORT_B) & PORT_B_OUT2;
		e = rdtsc();
		if (high)
			break;
		end_lo = s;
		if (++spins > SPIN_LIMIT)
			return 0;
	}
	*err = ((start_hi - start_lo) + (e - end_lo)) / 2;
	return (end_lo + e) / 2 - (start_lo + start_hi) / 2;
}

/* The first window with tight brackets, else the tightest of
 * CALIBRATE_RUNS: a disturbed window would otherwise set the guests'
 * clock rate (tsc_early_khz) wrong. */
uint64_t tsc_calibrate_khz(void)
{
	uint64_t best = 0, best_err = ~0ULL;

	for (unsigned i = 0; i < CALIBRATE_RUNS; i++) {
		uint64_t err = 0, cycles = window_cycles(&err);

		if (!cycles)
			return tsc_khz = 0;
		if (err < best_err) {
			best = cycles;
			best_err = err;
		}
		if (best_err * CALIBRATE_GOOD < best)
			break;
	}
	tsc_khz = best / CALIBRATE_MS;
	return tsc_khz;
}
