#include "vmm/vmx/vmx_maps.h"

#include "lib/err.h"
#include "lib/string.h"

/* Four 1 KiB quarters: reads of MSRs 0-1FFFh, reads of C0000000h-
 * C0001FFFh, then the same two for writes. */
#define MSR_READ_LOW 0x000
#define MSR_READ_HIGH 0x400
#define MSR_WRITE_OFFSET 0x800
#define MSR_HIGH_BASE 0xC0000000u
#define MSRS_PER_RANGE 0x2000u

static int locate(uint32_t msr, bool write, size_t *byte, unsigned *bit)
{
	size_t base;

	if (msr < MSRS_PER_RANGE)
		base = MSR_READ_LOW;
	else if (msr >= MSR_HIGH_BASE && msr - MSR_HIGH_BASE < MSRS_PER_RANGE)
		base = MSR_READ_HIGH;
	else
		return -ERR_RANGE;
	msr &= MSRS_PER_RANGE - 1;
	*byte = base + (write ? MSR_WRITE_OFFSET : 0) + msr / 8;
	*bit = msr % 8;
	return 0;
}

static void set_bit(uint8_t *p, unsigned bit, bool on)
{
	if (on)
		*p = (uint8_t)(*p | (1u << bit));
	else
		*p = (uint8_t)(*p & ~(1u << bit));
}

void vmx_msr_bitmap_init(uint8_t *bm)
{
	memset(bm, 0xFF, VMX_MSR_BITMAP_SIZE);
}

void vmx_io_bitmap_init(uint8_t *bm)
{
	memset(bm, 0xFF, VMX_IO_BITMAPS_SIZE);
}

int vmx_msr_bitmap_set(uint8_t *bm, uint32_t msr, bool intercept_read, bool intercept_write)
{
	size_t rbyte, wbyte;
	unsigned rbit, wbit;

	if (locate(msr, false, &rbyte, &rbit) || locate(msr, true, &wbyte, &wbit))
		return -ERR_RANGE;
	set_bit(&bm[rbyte], rbit, intercept_read);
	set_bit(&bm[wbyte], wbit, intercept_write);
	return 0;
}

bool vmx_msr_bitmap_intercepts(const uint8_t *bm, uint32_t msr, bool write)
{
	size_t byte;
	unsigned bit;

	if (locate(msr, write, &byte, &bit))
		return true;
	return (bm[byte] >> bit) & 1;
}

void vmx_io_bitmap_set(uint8_t *bm, uint16_t port, bool intercept)
{
	set_bit(&bm[port / 8], port % 8, intercept);
}

bool vmx_io_bitmap_intercepts(const uint8_t *bm, uint16_t port)
{
	return (bm[port / 8] >> (port % 8)) & 1;
}
