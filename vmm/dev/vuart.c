#include "vmm/dev/vuart.h"

#include "lib/string.h"

#define REG_RBR_THR 0
#define REG_IER 1
#define REG_IIR_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7

#define IER_RDA 0x01  /* received data available */
#define IER_THRE 0x02 /* transmitter holding register empty */
#define IER_RLS 0x04  /* receiver line status */
#define IER_MASK 0x0F /* the other bits read as zero on a 16550A */

#define IIR_NO_INT 0x01
#define IIR_RLS 0x06
#define IIR_RDA 0x04
#define IIR_THRE 0x02
#define IIR_FIFO 0xC0 /* both bits: FIFOs enabled (16550A) */

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08 /* gates the interrupt line on a PC */
#define MCR_LOOP 0x10
#define MCR_MASK 0x1F

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

void vuart_reset(struct vuart *u)
{
	memset(u, 0, offsetof(struct vuart, out));
}

void vuart_init(struct vuart *u)
{
	vuart_reset(u);
	conq_init(&u->out, u->out_buf, sizeof(u->out_buf));
	u->irq = NULL;
	u->irq_ctx = NULL;
}

size_t vuart_rx_room(const struct vuart *u)
{
	return VUART_RX_SIZE - u->rx_len;
}

static void rx_push(struct vuart *u, uint8_t c)
{
	if (u->rx_len == VUART_RX_SIZE) {
		u->overrun = true;
		return;
	}
	u->rx[(u->rx_head + u->rx_len++) % VUART_RX_SIZE] = c;
}

/* The transmitter takes the whole FIFO at once when the console queue has
 * room for it; the FIFO emptying is what latches the THRE interrupt. */
static void tx_drain(struct vuart *u)
{
	if (!u->tx_len || conq_room(&u->out) < u->tx_len)
		return;
	conq_put(&u->out, (const char *)u->tx, u->tx_len);
	u->tx_len = 0;
	u->thri = true;
}

/* The highest-priority pending interrupt, as IIR encodes it. */
static uint8_t pending(const struct vuart *u)
{
	if ((u->ier & IER_RLS) && u->overrun)
		return IIR_RLS;
	if ((u->ier & IER_RDA) && u->rx_len)
		return IIR_RDA;
	if ((u->ier & IER_THRE) && u->thri)
		return IIR_THRE;
	return IIR_NO_INT;
}

/* Re-evaluates the interrupt output after an event: a rising edge goes to
 * the interrupt controller. */
static void update_irq(struct vuart *u)
{
	bool out = pending(u) != IIR_NO_INT && (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP);

	if (out && !u->irq_out && u->irq)
		u->irq(u->irq_ctx);
	u->irq_out = out;
}

static uint8_t read_iir(struct vuart *u)
{
	uint8_t id;

	tx_drain(u);
	id = pending(u);
	/* Reading IIR is what acknowledges a THRE interrupt. */
	if (id == IIR_THRE)
		u->thri = false;
	return (uint8_t)(id | ((u->fcr & FCR_ENABLE) ? IIR_FIFO : 0));
}

static uint8_t read_lsr(struct vuart *u)
{
	uint8_t lsr = 0;

	tx_drain(u);
	if (u->rx_len)
		lsr |= LSR_DR;
	if (u->overrun)
		lsr |= LSR_OE;
	if (!u->tx_len)
		lsr |= LSR_THRE | LSR_TEMT;
	u->overrun = false;
	return lsr;
}

static uint8_t read_msr(const struct vuart *u)
{
	uint8_t m = u->mcr;

	/* Loopback wires the modem outputs back to the inputs. */
	if (m & MCR_LOOP)
		return (uint8_t)(((m & MCR_RTS) ? MSR_CTS : 0) | ((m & MCR_DTR) ? MSR_DSR : 0) |
				 ((m & MCR_OUT1) ? MSR_RI : 0) | ((m & MCR_OUT2) ? MSR_DCD : 0));
	return MSR_DCD | MSR_DSR | MSR_CTS;
}

static uint8_t read_rbr(struct vuart *u)
{
	uint8_t c;

	if (!u->rx_len)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VUART_RX_SIZE;
	u->rx_len--;
	return c;
}

uint32_t vuart_read(struct vuart *u, unsigned reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint32_t val;

	switch (reg) {
	case REG_RBR_THR:
		val = dlab ? u->dll : read_rbr(u);
		break;
	case REG_IER:
		val = dlab ? u->dlm : u->ier;
		break;
	case REG_IIR_FCR:
		val = read_iir(u);
		break;
	case REG_LCR:
		val = u->lcr;
		break;
	case REG_MCR:
		val = u->mcr;
		break;
	case REG_LSR:
		val = read_lsr(u);
		break;
	case REG_MSR:
		val = read_msr(u);
		break;
	case REG_SCR:
		val = u->scr;
		break;
	default:
		val = 0xFF;
		break;
	}
	update_irq(u);
	return val;
}

static void write_thr(struct vuart *u, uint8_t c)
{
	if (u->mcr & MCR_LOOP) {
		rx_push(u, c);
		return;
	}
	tx_drain(u);
	if (u->tx_len == VUART_FIFO) {
		/* Written without waiting for THRE: lost, as on the real part,
		 * and counted so that the console can say so. */
		conq_drop(&u->out, 1);
		return;
	}
	u->tx[u->tx_len++] = c;
	u->thri = false;
}

static void write_fcr(struct vuart *u, uint8_t v)
{
	u->fcr = v & (uint8_t) ~(FCR_CLEAR_RX | FCR_CLEAR_TX);
	if (v & FCR_CLEAR_RX) {
		u->rx_len = 0;
		u->rx_head = 0;
	}
	/* Clearing the transmit FIFO sends nothing of it. */
	if ((v & FCR_CLEAR_TX) && u->tx_len) {
		u->tx_len = 0;
		u->thri = true;
	}
}

void vuart_write(struct vuart *u, unsigned reg, uint32_t val)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t v = (uint8_t)val;

	switch (reg) {
	case REG_RBR_THR:
		if (dlab)
			u->dll = v;
		else
			write_thr(u, v);
		break;
	case REG_IER:
		if (dlab) {
			u->dlm = v;
			break;
		}
		/* Enabling the THRE interrupt with the FIFO empty raises it
		 * at once: drivers start transmitting this way. */
		if ((v & IER_THRE) && !(u->ier & IER_THRE) && !u->tx_len)
			u->thri = true;
		u->ier = v & IER_MASK;
		break;
	case REG_IIR_FCR:
		write_fcr(u, v);
		break;
	case REG_LCR:
		u->lcr = v;
		break;
	case REG_MCR:
		u->mcr = v & MCR_MASK;
		break;
	case REG_SCR:
		u->scr = v;
		break;
	default:
		break;
	}
	update_irq(u);
}

size_t vuart_receive(struct vuart *u, const char *data, size_t len)
{
	size_t n = len < vuart_rx_room(u) ? len : vuart_rx_room(u);

	for (size_t i = 0; i < n; i++)
		rx_push(u, (uint8_t)data[i]);
	update_irq(u);
	return n;
}
