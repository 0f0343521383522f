#include "vmm/dev/vrtc.h"

#include "lib/civil_time.h"
#include "vmm/log.h"
#include "vmm/host/tsc.h"
#include "vmm/x86.h"

#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS 0x04
#define RTC_WEEKDAY 0x06
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_STATUS_A 0x0A
#define RTC_STATUS_B 0x0B
#define RTC_STATUS_C 0x0C
#define RTC_STATUS_D 0x0D
#define RTC_CENTURY 0x32
#define RTC_INDEX_MASK 0x7F /* bit 7 of the index port masks NMIs */
#define STATUS_A_UIP 0x80
#define STATUS_A_DIVIDER 0x26 /* 32.768 kHz time base, 1024 Hz rate */
#define STATUS_B_24H 0x02
#define STATUS_B_BINARY 0x04
#define STATUS_D_VALID 0x80
#define HOUR_PM 0x80

static uint64_t boot_epoch, boot_tsc;

static uint8_t cmos_read(uint8_t reg)
{
	outb(VRTC_INDEX_PORT, reg);
	return inb(VRTC_DATA_PORT);
}

void host_rtc_init(void)
{
	struct civil_time t;
	uint8_t b;
	int64_t e;

	/* Read outside an update cycle (SDM-era PC convention: UIP clear). */
	for (unsigned i = 0; i < 1000000 && (cmos_read(RTC_STATUS_A) & STATUS_A_UIP); i++)
		cpu_relax();
	b = cmos_read(RTC_STATUS_B);
	t.second = cmos_read(RTC_SECONDS);
	t.minute = cmos_read(RTC_MINUTES);
	t.hour = cmos_read(RTC_HOURS);
	t.day = cmos_read(RTC_DAY);
	t.month = cmos_read(RTC_MONTH);
	t.year = cmos_read(RTC_YEAR);
	boot_tsc = rdtsc();
	if (!(b & STATUS_B_BINARY)) {
		t.second = bcd_decode((uint8_t)t.second);
		t.minute = bcd_decode((uint8_t)t.minute);
		t.hour = bcd_decode((uint8_t)(t.hour & ~HOUR_PM)) | (t.hour & HOUR_PM);
		t.day = bcd_decode((uint8_t)t.day);
		t.month = bcd_decode((uint8_t)t.month);
		t.year = bcd_decode((uint8_t)t.year);
	}
	if (!(b & STATUS_B_24H) && (t.hour & HOUR_PM))
		t.hour = (t.hour & ~HOUR_PM) % 12 + 12;
	else if (!(b & STATUS_B_24H))
		t.hour %= 12;
	t.year += 2000;
	e = epoch_from_civil(&t);
	if (e < 0) {
		pr_warn("the machine's RTC reads no valid date; guests' clocks start at 1970\n");
		e = 0;
	}
	boot_epoch = (uint64_t)e;
}

uint64_t host_rtc_now(void)
{
	return boot_epoch + (tsc_khz ? (rdtsc() - boot_tsc) / (tsc_khz * 1000) : 0);
}

void vrtc_init(struct vrtc *r)
{
	r->index = 0;
	r->status_b = STATUS_B_24H;
}

static uint8_t field(const struct vrtc *r, unsigned v)
{
	return r->status_b & STATUS_B_BINARY ? (uint8_t)v : bcd_encode(v);
}

static uint8_t hours(const struct vrtc *r, unsigned h)
{
	unsigned h12;

	if (r->status_b & STATUS_B_24H)
		return field(r, h);
	h12 = h % 12 ? h % 12 : 12;
	return (uint8_t)(field(r, h12) | (h >= 12 ? HOUR_PM : 0));
}

uint8_t vrtc_read(struct vrtc *r, uint16_t port)
{
	struct civil_time t;

	if (port == VRTC_INDEX_PORT)
		return 0xFF;
	t = civil_from_epoch(host_rtc_now());
	switch (r->index) {
	case RTC_SECONDS:
		return field(r, t.second);
	case RTC_MINUTES:
		return field(r, t.minute);
	case RTC_HOURS:
		return hours(r, t.hour);
	case RTC_WEEKDAY:
		return field(r, t.weekday);
	case RTC_DAY:
		return field(r, t.day);
	case RTC_MONTH:
		return field(r, t.month);
	case RTC_YEAR:
		return field(r, t.year % 100);
	case RTC_CENTURY:
		return field(r, t.year / 100);
	case RTC_STATUS_A:
		/* Never mid-update: the time is computed whole on each read. */
		return STATUS_A_DIVIDER;
	case RTC_STATUS_B:
		return r->status_b;
	case RTC_STATUS_D:
		return STATUS_D_VALID;
	default:
		return 0;
	}
}

void vrtc_write(struct vrtc *r, uint16_t port, uint8_t val)
{
	if (port == VRTC_INDEX_PORT)
		r->index = val & RTC_INDEX_MASK;
	else if (r->index == RTC_STATUS_B)
		r->status_b = val & (STATUS_B_24H | STATUS_B_BINARY);
}
