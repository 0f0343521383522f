#include "vmm/svm/svm_maps.h"

#include "lib/err.h"
#include "lib/string.h"

/* Each covered MSR range is 8K MSRs at 2 bits each: 2 KiB of map. */
static const struct {
	uint32_t first;
	size_t map_offset;
} msr_ranges[] = {
	{0x00000000u, 0x000},
	{0xC0000000u, 0x800},
	{0xC0010000u, 0x1000},
};

#define MSRS_PER_RANGE 0x2000u

int svm_msrpm_locate(uint32_t msr, size_t *byte, unsigned *bit)
{
	for (size_t i = 0; i < sizeof(msr_ranges) / sizeof(msr_ranges[0]); i++) {
		uint32_t n = msr - msr_ranges[i].first;

		if (msr >= msr_ranges[i].first && n < MSRS_PER_RANGE) {
			*byte = msr_ranges[i].map_offset + n / 4;
			*bit = (n % 4) * 2;
			return 0;
		}
	}
	return -ERR_RANGE;
}

void svm_msrpm_init(uint8_t *pm)
{
	memset(pm, 0xFF, SVM_MSRPM_SIZE);
}

void svm_iopm_init(uint8_t *pm)
{
	memset(pm, 0xFF, SVM_IOPM_SIZE);
}

static void set_bit(uint8_t *p, unsigned bit, bool on)
{
	if (on)
		*p = (uint8_t)(*p | (1u << bit));
	else
		*p = (uint8_t)(*p & ~(1u << bit));
}

int svm_msrpm_set(uint8_t *pm, uint32_t msr, bool intercept_read, bool intercept_write)
{
	size_t byte;
	unsigned bit;
	int err = svm_msrpm_locate(msr, &byte, &bit);

	if (err)
		return err;
	set_bit(&pm[byte], bit, intercept_read);
	set_bit(&pm[byte], bit + 1, intercept_write);
	return 0;
}

bool svm_msrpm_intercepts(const uint8_t *pm, uint32_t msr, bool write)
{
	size_t byte;
	unsigned bit;

	if (svm_msrpm_locate(msr, &byte, &bit))
		return true;
	return (pm[byte] >> (bit + (write ? 1 : 0))) & 1;
}

void svm_iopm_set(uint8_t *pm, uint16_t port, bool intercept)
{
	set_bit(&pm[port / 8], port % 8, intercept);
}

bool svm_iopm_intercepts(const uint8_t *pm, uint16_t port)
{
	return (pm[port / 8] >> (port % 8)) & 1;
}
