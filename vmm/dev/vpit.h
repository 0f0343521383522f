/* Channel 2 of an 8254 timer (ports 0x42, 0x43) and the gate and output
 * bits of port 0x61, counted from the TSC: what a kernel uses to measure
 * its CPU's frequency. Channels 0 and 1 do not exist (no interrupt line);
 * reading them gives what an absent device gives. */
#ifndef ARGON_VMM_VPIT_H
#define ARGON_VMM_VPIT_H

#include <stdbool.h>
#include <stdint.h>

#define VPIT_CH2_PORT 0x42u
#define VPIT_CMD_PORT 0x43u
#define VPIT_PORT_B 0x61u
#define VPIT_HZ 1193182u

struct vpit {
	uint16_t reload;
	uint16_t latch;
	uint8_t mode;	/* 0..5 */
	uint8_t access; /* 1 low byte, 2 high byte, 3 low then high */
	bool write_hi;	/* next data write is the high byte */
	bool read_hi;	/* next data read is the high byte */
	bool latched;	/* a latch command froze the count */
	bool latch_read_hi;
	bool gate;    /* port 0x61 bit 0 */
	bool speaker; /* port 0x61 bit 1 */
	bool refresh; /* port 0x61 bit 4 toggles on reads */
	bool counting;
	uint64_t start_tsc; /* when counting started */
};

/* The count and output at `ticks` PIT ticks after counting started. Pure,
 * for unit tests: mode 0 counts down once and raises OUT at zero; modes 2
 * and 3 reload. */
uint16_t vpit_count(uint8_t mode, uint16_t reload, uint64_t ticks);
bool vpit_out(uint8_t mode, uint16_t reload, uint64_t ticks);

void vpit_init(struct vpit *p);
uint8_t vpit_read(struct vpit *p, uint16_t port);
void vpit_write(struct vpit *p, uint16_t port, uint8_t val);

#endif
