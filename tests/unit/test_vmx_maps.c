#include <stdlib.h>

#include "lib/err.h"
#include "tests/unit/check.h"
#include "vmm/vmx/vmx_maps.h"

static void test_msr_bitmap_layout(void)
{
	uint8_t *bm = malloc(VMX_MSR_BITMAP_SIZE);

	/* SDM 25.6.9: read-low at 0, read-high at 1024, write-low at 2048,
	 * write-high at 3072; one bit per MSR. */
	vmx_msr_bitmap_init(bm);
	CHECK_EQ(vmx_msr_bitmap_set(bm, 0x10, false, true), 0);
	CHECK_EQ(bm[0x10 / 8], 0xFE);
	CHECK_EQ(bm[2048 + 0x10 / 8], 0xFF);
	CHECK_EQ(vmx_msr_bitmap_set(bm, 0xC0000100, false, false), 0);
	CHECK_EQ(bm[1024 + 0x100 / 8], 0xFE);
	CHECK_EQ(bm[3072 + 0x100 / 8], 0xFE);
	CHECK_EQ(vmx_msr_bitmap_set(bm, 0x1FFF, false, false), 0);
	CHECK_EQ(bm[1023], 0x7F);
	CHECK_EQ(bm[2048 + 1023], 0x7F);
	CHECK(!vmx_msr_bitmap_intercepts(bm, 0x10, false));
	CHECK(vmx_msr_bitmap_intercepts(bm, 0x10, true));
	CHECK(vmx_msr_bitmap_intercepts(bm, 0x11, false));
	CHECK(!vmx_msr_bitmap_intercepts(bm, 0xC0000100, true));
	free(bm);
}

static void test_msr_bitmap_range(void)
{
	uint8_t *bm = malloc(VMX_MSR_BITMAP_SIZE);

	vmx_msr_bitmap_init(bm);
	CHECK_EQ(vmx_msr_bitmap_set(bm, 0x2000, false, false), -ERR_RANGE);
	CHECK_EQ(vmx_msr_bitmap_set(bm, 0xC0010117, false, false), -ERR_RANGE);
	CHECK_EQ(vmx_msr_bitmap_set(bm, 0xBFFFFFFF, false, false), -ERR_RANGE);
	CHECK(vmx_msr_bitmap_intercepts(bm, 0x40000000, false));
	free(bm);
}

static void test_io_bitmaps(void)
{
	uint8_t *bm = malloc(VMX_IO_BITMAPS_SIZE);

	vmx_io_bitmap_init(bm);
	vmx_io_bitmap_set(bm, 0x80, false);
	CHECK_EQ(bm[0x10], 0xFE);
	CHECK(!vmx_io_bitmap_intercepts(bm, 0x80));
	CHECK(vmx_io_bitmap_intercepts(bm, 0x81));
	/* Port 8000h is bit 0 of bitmap B, the second page. */
	vmx_io_bitmap_set(bm, 0x8000, false);
	CHECK_EQ(bm[4096], 0xFE);
	vmx_io_bitmap_set(bm, 0xFFFF, false);
	CHECK_EQ(bm[8191], 0x7F);
	free(bm);
}

CHECK_MAIN(test_msr_bitmap_layout, test_msr_bitmap_range, test_io_bitmaps)
