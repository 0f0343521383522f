#include "tests/unit/check.h"
#include "vmm/dev/vpit.h"

static void test_mode0(void)
{
	/* Linux's calibration: mode 0, reload 0xFFFF, watch the MSB fall. */
	CHECK_EQ(vpit_count(0, 0xFFFF, 0), 0xFFFF);
	CHECK_EQ(vpit_count(0, 0xFFFF, 256), 0xFEFF);
	CHECK_EQ(vpit_count(0, 0xFFFF, 0xFFFF), 0);
	CHECK(!vpit_out(0, 0xFFFF, 0xFFFE));
	CHECK(vpit_out(0, 0xFFFF, 0xFFFF));
	/* Past terminal count it wraps and goes on; OUT stays high. */
	CHECK_EQ(vpit_count(0, 10, 11), 0xFFFF);
	CHECK(vpit_out(0, 10, 1000));
	/* A reload of 0 means 65536. */
	CHECK_EQ(vpit_count(0, 0, 1), 0xFFFF);
	CHECK(!vpit_out(0, 0, 65535));
	CHECK(vpit_out(0, 0, 65536));
}

static void test_periodic(void)
{
	CHECK_EQ(vpit_count(2, 100, 0), 100);
	CHECK_EQ(vpit_count(2, 100, 99), 1);
	CHECK_EQ(vpit_count(2, 100, 100), 100);
	CHECK(vpit_out(2, 100, 98));
	CHECK(!vpit_out(2, 100, 99));
	CHECK(vpit_out(3, 100, 49));
	CHECK(!vpit_out(3, 100, 50));
	CHECK(vpit_out(3, 100, 100));
}

CHECK_MAIN(test_mode0, test_periodic)
