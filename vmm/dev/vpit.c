#include "vmm/dev/vpit.h"

#include "lib/string.h"
#include "vmm/host/tsc.h"
#include "vmm/x86.h"

#define CMD_CHANNEL_OFF 6
#define CMD_ACCESS_OFF 4
#define CMD_MODE_OFF 1
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_REFRESH 0x10
#define PORT_B_OUT2 0x20

static uint64_t ticks(const struct vpit *p)
{
	if (!p->counting || !tsc_khz)
		return 0;
	return (rdtsc() - p->start_tsc) * VPIT_HZ / (tsc_khz * 1000);
}

static void start(struct vpit *p)
{
	p->counting = p->gate;
	p->start_tsc = rdtsc();
}

void vpit_init(struct vpit *p)
{
	memset(p, 0, sizeof(*p));
	p->access = 3;
}

uint8_t vpit_read(struct vpit *p, uint16_t port)
{
	uint16_t count;
	bool hi;

	if (port == VPIT_PORT_B) {
		p->refresh = !p->refresh;
		return (uint8_t)((p->gate ? PORT_B_GATE2 : 0) | (p->speaker ? PORT_B_SPEAKER : 0) |
				 (p->refresh ? PORT_B_REFRESH : 0) |
				 (p->counting && vpit_out(p->mode, p->reload, ticks(p))
					  ? PORT_B_OUT2
					  : 0));
	}
	if (port != VPIT_CH2_PORT)
		return 0xFF;
	if (p->latched) {
		hi = p->latch_read_hi;
		p->latch_read_hi = !hi;
		if (hi || p->access != 3)
			p->latched = false;
		return (uint8_t)(hi ? p->latch >> 8 : p->latch);
	}
	count = p->counting ? vpit_count(p->mode, p->reload, ticks(p)) : p->reload;
	hi = p->access == 2 || (p->access == 3 && p->read_hi);
	if (p->access == 3)
		p->read_hi = !p->read_hi;
	return (uint8_t)(hi ? count >> 8 : count);
}

void vpit_write(struct vpit *p, uint16_t port, uint8_t val)
{
	if (port == VPIT_PORT_B) {
		bool rising = !p->gate && (val & PORT_B_GATE2);

		p->gate = val & PORT_B_GATE2;
		p->speaker = val & PORT_B_SPEAKER;
		if (rising)
			start(p);
		return;
	}
	if (port == VPIT_CMD_PORT) {
		if ((val >> CMD_CHANNEL_OFF) != 2)
			return; /* channels 0 and 1 are not there */
		if (!((val >> CMD_ACCESS_OFF) & 3)) {
			p->latch =
				p->counting ? vpit_count(p->mode, p->reload, ticks(p)) : p->reload;
			p->latched = true;
			p->latch_read_hi = false;
			return;
		}
		p->access = (val >> CMD_ACCESS_OFF) & 3;
		p->mode = (val >> CMD_MODE_OFF) & 7;
		if (p->mode > 5)
			p->mode -= 4; /* 6 and 7 are aliases of 2 and 3 */
		p->write_hi = p->access == 2;
		p->read_hi = p->access == 2;
		p->counting = false;
		return;
	}
	if (port != VPIT_CH2_PORT)
		return;
	if (p->access == 1 || (p->access == 3 && !p->write_hi)) {
		p->reload = (uint16_t)((p->reload & 0xFF00) | val);
		if (p->access == 3) {
			p->write_hi = true;
			return;
		}
	} else {
		p->reload = (uint16_t)((p->reload & 0x00FF) | (val << 8));
		if (p->access == 3)
			p->write_hi = false;
	}
	start(p);
}
