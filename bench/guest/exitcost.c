/* exitcost: the time of one CPUID instruction (leaf 0), the median over 31
 * batches of 2000, in nanoseconds, printed as "cpuid VALUE ns". Bare, the
 * CPU (or the emulator) answers CPUID itself; under argon every CPUID
 * exits to argon and back, so the difference of the two sides is the cost
 * of an exit round trip on this machine: what the bench multiplies the
 * exits per second of the other workloads by (docs/bench.md). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "timing.h"

#define BATCHES 31u
#define PER_BATCH 2000u

int main(void)
{
	uint64_t d[BATCHES];
	uint32_t sum = 0;

	for (unsigned b = 0; b < BATCHES; b++) {
		uint64_t t0 = now_ns();

		for (unsigned i = 0; i < PER_BATCH; i++) {
			uint32_t a = 0, bx, c = 0, dx;

			__asm__ volatile("cpuid" : "+a"(a), "=b"(bx), "+c"(c), "=d"(dx));
			sum += a + bx + c + dx;
		}
		d[b] = now_ns() - t0;
	}
	qsort(d, BATCHES, sizeof(d[0]), cmp_u64);
	printf("cpuid %.1f ns\n", (double)d[BATCHES / 2] / PER_BATCH);
	return sum == 0; /* keeps the results live */
}
