#include "lib/civil_time.h"
#include "tests/unit/check.h"

static void check_date(uint64_t epoch, unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi,
		       unsigned s, unsigned wd)
{
	struct civil_time t = civil_from_epoch(epoch);

	CHECK_EQ(t.year, y);
	CHECK_EQ(t.month, mo);
	CHECK_EQ(t.day, d);
	CHECK_EQ(t.hour, h);
	CHECK_EQ(t.minute, mi);
	CHECK_EQ(t.second, s);
	CHECK_EQ(t.weekday, wd);
	CHECK_EQ(epoch_from_civil(&t), epoch);
}

static void test_known_dates(void)
{
	/* Values from `date -u -d @N` (weekday: Sunday = 1). */
	check_date(0, 1970, 1, 1, 0, 0, 0, 5);		/* Thursday */
	check_date(951782400, 2000, 2, 29, 0, 0, 0, 3); /* leap day of a 400-year leap year */
	check_date(1709251199, 2024, 2, 29, 23, 59, 59, 5);
	check_date(1796256000, 2026, 12, 3, 0, 0, 0, 5);
	check_date(4107542399, 2100, 2, 28, 23, 59, 59, 1); /* 2100 is no leap year */
	check_date(4107542400, 2100, 3, 1, 0, 0, 0, 2);
}

static void test_round_trip_and_invalid(void)
{
	struct civil_time t = {2023, 2, 29, 0, 0, 0, 0};

	struct civil_time zero = {0, 0, 0, 0, 0, 0, 0};

	CHECK_EQ(epoch_from_civil(&zero), -1);
	for (uint64_t e = 0; e < 4102444800ULL; e += 86400ULL * 37 + 3671) {
		struct civil_time c = civil_from_epoch(e);

		if (epoch_from_civil(&c) != (int64_t)e) {
			CHECK_EQ(epoch_from_civil(&c), e);
			break;
		}
	}
	CHECK_EQ(epoch_from_civil(&t), -1); /* 2023 is no leap year */
	t = (struct civil_time){1969, 12, 31, 23, 59, 59, 0};
	CHECK_EQ(epoch_from_civil(&t), -1);
	t = (struct civil_time){2024, 13, 1, 0, 0, 0, 0};
	CHECK_EQ(epoch_from_civil(&t), -1);
}

static void test_bcd(void)
{
	CHECK_EQ(bcd_encode(59), 0x59);
	CHECK_EQ(bcd_encode(7), 0x07);
	CHECK_EQ(bcd_decode(0x26), 26);
	for (unsigned v = 0; v < 100; v++)
		CHECK_EQ(bcd_decode(bcd_encode(v)), v);
}

CHECK_MAIN(test_known_dates, test_round_trip_and_invalid, test_bcd)
