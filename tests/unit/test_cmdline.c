#include "lib/cmdline.h"
#include "tests/unit/check.h"

static void test_values(void)
{
	char v[16];

	CHECK(cmdline_get("log=debug vmx.break_entry=guest-tr", "vmx.break_entry", v, sizeof(v)));
	CHECK_STR(v, "guest-tr");
	CHECK(cmdline_get("  log=debug\tquiet ", "log", v, sizeof(v)));
	CHECK_STR(v, "debug");
	CHECK(cmdline_get("quiet", "quiet", v, sizeof(v)));
	CHECK_STR(v, "");
	/* The last word wins, as on Linux. */
	CHECK(cmdline_get("log=info log=debug", "log", v, sizeof(v)));
	CHECK_STR(v, "debug");
}

static void test_absent(void)
{
	char v[16] = "unchanged";

	CHECK(!cmdline_get("", "log", v, sizeof(v)));
	CHECK(!cmdline_get(NULL, "log", v, sizeof(v)));
	CHECK(!cmdline_get("logx=1 xlog=2 lo=3", "log", v, sizeof(v)));
	CHECK_STR(v, "unchanged");
}

static void test_truncation(void)
{
	char v[4];

	CHECK(cmdline_get("k=abcdef", "k", v, sizeof(v)));
	CHECK_STR(v, "abc");
	CHECK(cmdline_get("k=abcdef", "k", v, 0));
}

CHECK_MAIN(test_values, test_absent, test_truncation)
