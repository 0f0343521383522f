#include "lib/civil_time.h"

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(unsigned y, unsigned m)
{
	static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

struct civil_time civil_from_epoch(uint64_t seconds)
{
	struct civil_time t;
	uint64_t days = seconds / 86400, rem = seconds % 86400;

	t.hour = (unsigned)(rem / 3600);
	t.minute = (unsigned)(rem % 3600 / 60);
	t.second = (unsigned)(rem % 60);
	/* 1970-01-01 was a Thursday: weekday 5 when Sunday is 1. */
	t.weekday = (unsigned)((days + 4) % 7) + 1;
	for (t.year = 1970;; t.year++) {
		unsigned n = leap(t.year) ? 366 : 365;

		if (days < n)
			break;
		days -= n;
	}
	for (t.month = 1; days >= month_days(t.year, t.month); t.month++)
		days -= month_days(t.year, t.month);
	t.day = (unsigned)days + 1;
	return t;
}

int64_t epoch_from_civil(const struct civil_time *t)
{
	int64_t days = 0;

	if (t->year < 1970 || t->month < 1 || t->month > 12 || t->day < 1 ||
	    t->day > month_days(t->year, t->month) || t->hour > 23 || t->minute > 59 ||
	    t->second > 59)
		return -1;
	for (unsigned y = 1970; y < t->year; y++)
		days += leap(y) ? 366 : 365;
	for (unsigned m = 1; m < t->month; m++)
		days += month_days(t->year, m);
	days += t->day - 1;
	return days * 86400 + (int64_t)t->hour * 3600 + (int64_t)t->minute * 60 + t->second;
}
