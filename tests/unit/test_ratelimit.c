/* The rate limit of warnings a guest can cause at will (MSI-X refusals):
 * a burst per window, then silence, then how many were dropped. */
#include "check.h"
#include "lib/ratelimit.h"

static void test_burst_and_window(void)
{
	struct ratelimit r = {0};
	uint64_t dropped, logged = 0;

	/* A guest alternating good and bad messages a million times. */
	for (unsigned i = 0; i < 1000000; i++) {
		if (ratelimit_ok(&r, 1000 + i, 5, 60000000, &dropped))
			logged++;
		CHECK_EQ(dropped, 0);
	}
	CHECK_EQ(logged, 5);
	/* The next window: logged again, and the count of the dropped. */
	CHECK(ratelimit_ok(&r, 1000 + 60000000, 5, 60000000, &dropped));
	CHECK_EQ(dropped, 1000000 - 5);
	CHECK(ratelimit_ok(&r, 1000 + 60000001, 5, 60000000, &dropped));
	CHECK_EQ(dropped, 0);
}

CHECK_MAIN(test_burst_and_window)
