#include "lib/ring.h"
#include "tests/unit/check.h"

static void test_fill_and_wrap(void)
{
	char store[8], out[16];
	struct ring r;

	ring_init(&r, store, sizeof(store));
	CHECK_EQ(ring_tail(&r, out, sizeof(out)), 0);
	ring_put(&r, "abc", 3);
	CHECK_EQ(ring_tail(&r, out, sizeof(out)), 3);
	CHECK(!memcmp(out, "abc", 3));
	ring_put(&r, "defghij", 7); /* 10 bytes in an 8-byte ring */
	CHECK_EQ(ring_tail(&r, out, sizeof(out)), 8);
	CHECK(!memcmp(out, "cdefghij", 8));
	CHECK_EQ(ring_tail(&r, out, 3), 3);
	CHECK(!memcmp(out, "hij", 3));
	ring_put(&r, "0123456789ABCDEFGHIJ", 20); /* more than the ring at once */
	CHECK_EQ(ring_tail(&r, out, sizeof(out)), 8);
	CHECK(!memcmp(out, "CDEFGHIJ", 8));
}

CHECK_MAIN(test_fill_and_wrap)
