#ifndef ARGON_VMM_TSC_H
#define ARGON_VMM_TSC_H

#include <stdint.h>

/* Measures the TSC against the 8254 PIT; 0 if no PIT answered. */
uint64_t tsc_calibrate_khz(void);
extern uint64_t tsc_khz;

static inline uint64_t tsc_to_us(uint64_t cycles)
{
	return tsc_khz ? cycles * 1000 / tsc_khz : 0;
}

#endif
