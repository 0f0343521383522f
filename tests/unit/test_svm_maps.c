#include <stdlib.h>

#include "lib/err.h"
#include "tests/unit/check.h"
#include "vmm/svm/svm_maps.h"

static void test_msrpm_locate(void)
{
	size_t byte;
	unsigned bit;

	/* APM 15.11: MSR 0 is bits 1:0 of byte 0; C000_0080h (EFER) sits in
	 * the second 2 KiB at 0x80 * 2 bits; C001_0117h in the third. */
	CHECK_EQ(svm_msrpm_locate(0, &byte, &bit), 0);
	CHECK_EQ(byte, 0);
	CHECK_EQ(bit, 0);
	CHECK_EQ(svm_msrpm_locate(0x1FFF, &byte, &bit), 0);
	CHECK_EQ(byte, 0x7FF);
	CHECK_EQ(bit, 6);
	CHECK_EQ(svm_msrpm_locate(0xC0000080, &byte, &bit), 0);
	CHECK_EQ(byte, 0x800 + 0x80 / 4);
	CHECK_EQ(bit, 0);
	CHECK_EQ(svm_msrpm_locate(0xC0010117, &byte, &bit), 0);
	CHECK_EQ(byte, 0x1000 + 0x117 / 4);
	CHECK_EQ(bit, (0x117 % 4) * 2);
	CHECK_EQ(svm_msrpm_locate(0x2000, &byte, &bit), -ERR_RANGE);
	CHECK_EQ(svm_msrpm_locate(0x40000000, &byte, &bit), -ERR_RANGE);
	CHECK_EQ(svm_msrpm_locate(0xC0012000, &byte, &bit), -ERR_RANGE);
}

static void test_msrpm_set(void)
{
	uint8_t *pm = malloc(SVM_MSRPM_SIZE);

	svm_msrpm_init(pm);
	CHECK(svm_msrpm_intercepts(pm, 0xC0000100, false));
	CHECK_EQ(svm_msrpm_set(pm, 0xC0000100, false, false), 0);
	CHECK(!svm_msrpm_intercepts(pm, 0xC0000100, false));
	CHECK(!svm_msrpm_intercepts(pm, 0xC0000100, true));
	/* Neighbours sharing the byte keep their bits. */
	CHECK(svm_msrpm_intercepts(pm, 0xC0000101, false));
	CHECK(svm_msrpm_intercepts(pm, 0xC00000FF, true));
	CHECK_EQ(svm_msrpm_set(pm, 0x10, false, true), 0);
	CHECK(!svm_msrpm_intercepts(pm, 0x10, false));
	CHECK(svm_msrpm_intercepts(pm, 0x10, true));
	/* Outside the map: always intercepted, cannot be cleared. */
	CHECK_EQ(svm_msrpm_set(pm, 0x40000000, false, false), -ERR_RANGE);
	CHECK(svm_msrpm_intercepts(pm, 0x40000000, false));
	free(pm);
}

static void test_iopm(void)
{
	uint8_t *pm = malloc(SVM_IOPM_SIZE);

	svm_iopm_init(pm);
	CHECK(svm_iopm_intercepts(pm, 0x3F8));
	svm_iopm_set(pm, 0x80, false);
	CHECK(!svm_iopm_intercepts(pm, 0x80));
	CHECK(svm_iopm_intercepts(pm, 0x81));
	CHECK_EQ(pm[0x80 / 8], 0xFE);
	svm_iopm_set(pm, 0xFFFF, false);
	CHECK(!svm_iopm_intercepts(pm, 0xFFFF));
	CHECK_EQ(pm[0x1FFF], 0x7F);
	free(pm);
}

CHECK_MAIN(test_msrpm_locate, test_msrpm_set, test_iopm)
