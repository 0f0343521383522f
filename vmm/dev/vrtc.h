/* A guest's CMOS real-time clock at ports 0x70/0x71: the date and time
 * argon read from the machine's RTC at boot, advanced by the TSC. Read-only
 * time (writes to the time registers are ignored); no alarm, no periodic
 * interrupt (a guest has no interrupt line for it). */
#ifndef ARGON_VMM_VRTC_H
#define ARGON_VMM_VRTC_H

#include <stdint.h>

#define VRTC_INDEX_PORT 0x70u
#define VRTC_DATA_PORT 0x71u

struct vrtc {
	uint8_t index;
	uint8_t status_b; /* the guest's choice of BCD/binary and 12/24 hours */
};

/* Reads the machine's RTC once; every guest's clock starts from it. */
void host_rtc_init(void);
/* Seconds since 1970 now, by the machine's RTC at boot plus the TSC. */
uint64_t host_rtc_now(void);

void vrtc_init(struct vrtc *r);
uint8_t vrtc_read(struct vrtc *r, uint16_t port);
void vrtc_write(struct vrtc *r, uint16_t port, uint8_t val);

#endif
