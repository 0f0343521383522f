#include <stdint.h>

#include "lib/fmt.h"
#include "tests/unit/check.h"

static const char *f(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static const char *f(const char *fmt, ...)
{
	static char buf[128];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

static void test_integers(void)
{
	CHECK_STR(f("%d", 0), "0");
	CHECK_STR(f("%d", -42), "-42");
	CHECK_STR(f("%u", 4000000000u), "4000000000");
	CHECK_STR(f("%lld", (long long)INT64_MIN), "-9223372036854775808");
	CHECK_STR(f("%llx", 0xdeadbeefcafebabeULL), "deadbeefcafebabe");
	CHECK_STR(f("%X", 0xabcu), "ABC");
	CHECK_STR(f("%08x", 0x1234u), "00001234");
	CHECK_STR(f("%-6d|", 12), "12    |");
	CHECK_STR(f("%6d|", -12), "   -12|");
	CHECK_STR(f("%06d", -12), "-00012");
	CHECK_STR(f("%.4u", 7u), "0007");
	CHECK_STR(f("%hhu", 257), "1");
	CHECK_STR(f("%zu", (size_t)123), "123");
	CHECK_STR(f("%p", (void *)0x1000), "0x1000");
}

static void test_strings(void)
{
	const char *volatile none = NULL;

	CHECK_STR(f("%s", "abc"), "abc");
	CHECK_STR(f("%5s|", "ab"), "   ab|");
	CHECK_STR(f("%-5s|", "ab"), "ab   |");
	CHECK_STR(f("%.2s", "abcdef"), "ab");
	CHECK_STR(f("%*s|", 3, "x"), "  x|");
	CHECK_STR(f("%s", none), "(null)");
	CHECK_STR(f("%c%c", 'o', 'k'), "ok");
	CHECK_STR(f("100%%"), "100%");
}

static void test_truncation(void)
{
	char buf[5];

	CHECK_EQ(fmt_snprintf(buf, sizeof(buf), "%s", "abcdefgh"), 8);
	CHECK_STR(buf, "abcd");
	CHECK_EQ(fmt_snprintf(buf, 0, "%d", 12345), 5);
	CHECK_EQ(fmt_snprintf(buf, 1, "%d", 12345), 5);
	CHECK_STR(buf, "");
}

CHECK_MAIN(test_integers, test_strings, test_truncation)
