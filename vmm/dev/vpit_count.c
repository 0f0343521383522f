#include "vmm/dev/vpit.h"

/* A reload of 0 counts 65536 ticks. */
static uint64_t period(uint16_t reload)
{
	return reload ? reload : 65536;
}

uint16_t vpit_count(uint8_t mode, uint16_t reload, uint64_t ticks)
{
	uint64_t n = period(reload);

	if (mode == 2 || mode == 3)
		return (uint16_t)(n - ticks % n);
	/* Mode 0 (and the one-shot modes): down to 0, then wraps on. */
	return (uint16_t)((n - ticks) & 0xFFFF);
}

bool vpit_out(uint8_t mode, uint16_t reload, uint64_t ticks)
{
	uint64_t n = period(reload);

	if (mode == 3)
		return ticks % n < (n + 1) / 2;
	if (mode == 2)
		return ticks % n != n - 1;
	return ticks >= n;
}
