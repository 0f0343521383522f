/* quantum N: runs N equal units of pure CPU work (a fixed number of
 * integer operations on registers, no memory traffic beyond the stack, no
 * system calls) on the calling core, times each with CLOCK_MONOTONIC, and
 * prints the distribution of their durations, one "METRIC VALUE UNIT" per
 * line: p50, p99, max in microseconds and the spread (p99 - p50) / p50 in
 * percent. Anything that takes the core away from the loop (an interrupt,
 * an exit to a hypervisor, the emulator's own work) lengthens a unit. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "timing.h"

#define UNIT_ITERS 200000u

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
	uint64_t *d, x = 0x9e3779b97f4a7c15ull;

	if (n < 10 || !(d = calloc(n, sizeof(*d)))) {
		fprintf(stderr, "usage: quantum N (N >= 10)\n");
		return 2;
	}
	for (unsigned long i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		for (unsigned j = 0; j < UNIT_ITERS; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			__asm__ volatile("" : "+r"(x));
		}
		d[i] = now_ns() - t0;
	}
	qsort(d, n, sizeof(*d), cmp_u64);
	uint64_t p50 = d[n / 2], p99 = d[n * 99 / 100], max = d[n - 1];
	printf("p50 %.3f us\n", (double)p50 / 1000.0);
	printf("p99 %.3f us\n", (double)p99 / 1000.0);
	printf("max %.3f us\n", (double)max / 1000.0);
	printf("spread %.3f %%\n", p50 ? (double)(p99 - p50) * 100.0 / (double)p50 : 0.0);
	return x == 0; /* keeps x live */
}
