/* Calendar arithmetic for the virtual RTC: seconds since 1970-01-01 UTC to
 * a date and time and back (proleptic Gregorian), and BCD. */
#ifndef ARGON_LIB_CIVIL_TIME_H
#define ARGON_LIB_CIVIL_TIME_H

#include <stdbool.h>
#include <stdint.h>

struct civil_time {
	unsigned year;	  /* e.g. 2026 */
	unsigned month;	  /* 1-12 */
	unsigned day;	  /* 1-31 */
	unsigned hour;	  /* 0-23 */
	unsigned minute;  /* 0-59 */
	unsigned second;  /* 0-59 */
	unsigned weekday; /* 1 (Sunday) - 7, as the CMOS RTC counts */
};

struct civil_time civil_from_epoch(uint64_t seconds);
/* -1 for a date that does not exist or lies before 1970. */
int64_t epoch_from_civil(const struct civil_time *t);

static inline uint8_t bcd_encode(unsigned v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static inline unsigned bcd_decode(uint8_t v)
{
	return (unsigned)((v >> 4) * 10 + (v & 0xF));
}

#endif
