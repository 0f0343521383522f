#include "vmm/vuart.h"

#include "lib/string.h"
#include "vmm/log.h"

#define REG_THR_RBR 0
#define REG_IER 1
#define REG_IIR_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7
#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NO_INT 0x01
#define MSR_DCD_DSR_CTS 0xB0

void vuart_init(struct vuart *u, const char *owner)
{
	memset(u, 0, sizeof(*u));
	u->owner = owner;
	ring_init(&u->history, u->history_buf, sizeof(u->history_buf));
}

void vuart_flush(struct vuart *u)
{
	if (!u->len)
		return;
	log_raw("[%s] %.*s\n", u->owner, (int)u->len, u->line);
	u->len = 0;
}

size_t vuart_history(const struct vuart *u, char *out, size_t len)
{
	return ring_tail(&u->history, out, len);
}

static void put(struct vuart *u, char c)
{
	ring_put(&u->history, &c, 1);
	if (c == '\n') {
		/* An empty line is still a line the guest printed. */
		log_raw("[%s] %.*s\n", u->owner, (int)u->len, u->line);
		u->len = 0;
		return;
	}
	if (c == '\r')
		return;
	if (u->len == VUART_LINE_MAX)
		vuart_flush(u);
	u->line[u->len++] = c;
}

uint32_t vuart_read(struct vuart *u, unsigned reg)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case REG_THR_RBR:
		return dlab ? u->dll : 0;
	case REG_IER:
		return dlab ? u->dlm : u->ier;
	case REG_IIR_FCR:
		return IIR_NO_INT;
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		/* The transmitter is always ready: output never waits. */
		return LSR_THRE | LSR_TEMT;
	case REG_MSR:
		return MSR_DCD_DSR_CTS;
	case REG_SCR:
		return u->scr;
	default:
		return 0xFF;
	}
}

void vuart_write(struct vuart *u, unsigned reg, uint32_t val)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t v = (uint8_t)val;

	switch (reg) {
	case REG_THR_RBR:
		if (dlab)
			u->dll = v;
		else
			put(u, (char)v);
		break;
	case REG_IER:
		if (dlab)
			u->dlm = v;
		else
			u->ier = v & 0x0F;
		break;
	case REG_LCR:
		u->lcr = v;
		break;
	case REG_MCR:
		u->mcr = v;
		break;
	case REG_SCR:
		u->scr = v;
		break;
	default:
		break;
	}
}
