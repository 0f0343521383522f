#include "tests/unit/check.h"
#include "vmm/dev/vuart.h"

enum { RBR, IER, IIR, LCR, MCR, LSR, MSR, SCR };
#define FCR IIR
#define THR RBR

static int edges;

static void count_edge(void *ctx)
{
	(void)ctx;
	edges++;
}

static struct vuart *fresh(void)
{
	static struct vuart u;

	vuart_init(&u);
	u.irq = count_edge;
	edges = 0;
	return &u;
}

static size_t sent(struct vuart *u, char *out, size_t len)
{
	size_t n = conq_peek(&u->out, out, len - 1);

	out[n] = 0;
	return n;
}

/* What Linux's 8250 autoconfig checks to call the part a 16550A. */
static void test_probe_as_16550a(void)
{
	struct vuart *u = fresh();

	vuart_write(u, IER, 0);
	CHECK_EQ(vuart_read(u, IER) & 0x0F, 0);
	vuart_write(u, IER, 0x0F);
	CHECK_EQ(vuart_read(u, IER) & 0x0F, 0x0F);
	vuart_write(u, IER, 0x4F); /* UUE does not stick: not an XScale */
	CHECK_EQ(vuart_read(u, IER), 0x0F);
	vuart_write(u, IER, 0);
	vuart_write(u, MCR, 0x10 | 0x0A); /* loopback, RTS, OUT2 */
	CHECK_EQ(vuart_read(u, MSR) & 0xF0, 0x90);
	vuart_write(u, MCR, 0x0B);
	CHECK_EQ(vuart_read(u, MSR) & 0xF0, 0xB0);
	vuart_write(u, FCR, 0x01);
	CHECK_EQ(vuart_read(u, IIR) >> 6, 3);
	/* No TI16750: bit 5 of IIR stays clear with 0x20 in FCR. */
	vuart_write(u, LCR, 0x80);
	vuart_write(u, FCR, 0x21);
	CHECK_EQ(vuart_read(u, IIR) >> 5, 6);
	vuart_write(u, LCR, 0x03);
	vuart_write(u, SCR, 0x5A);
	CHECK_EQ(vuart_read(u, SCR), 0x5A);
	/* The divisor latch. */
	vuart_write(u, LCR, 0x83);
	vuart_write(u, RBR, 0x01);
	vuart_write(u, IER, 0x00);
	CHECK_EQ(vuart_read(u, RBR), 0x01);
	vuart_write(u, LCR, 0x03);
	CHECK_EQ(vuart_read(u, LSR), 0x60);
	CHECK_EQ(edges, 0);
}

/* Linux's test for UARTs that do not re-assert THRE: a real 16550 raises
 * it each time the interrupt is enabled with the transmitter idle. */
static void test_thre_reasserts_when_enabled(void)
{
	struct vuart *u = fresh();

	vuart_write(u, FCR, 0x07);
	vuart_write(u, MCR, 0x0B);
	vuart_write(u, IER, 0x02);
	CHECK_EQ(vuart_read(u, IIR), 0xC2);
	CHECK_EQ(vuart_read(u, IIR), 0xC1); /* read IIR acknowledged it */
	vuart_write(u, IER, 0);
	vuart_write(u, IER, 0x02);
	CHECK_EQ(vuart_read(u, IIR), 0xC2);
	CHECK_EQ(edges, 2);
}

/* Interrupt-driven output the way the 8250 driver does it: 16 bytes per
 * THRE interrupt, IIR read until it says no interrupt. */
static void test_interrupt_driven_output(void)
{
	struct vuart *u = fresh();
	const char *text = "hello from a tty, more than sixteen bytes\n";
	size_t pos = 0, len = strlen(text);
	char out[128];

	vuart_write(u, FCR, 0x07);
	vuart_write(u, MCR, 0x0B);
	vuart_write(u, IER, 0x01 | 0x02); /* start_tx */
	CHECK_EQ(edges, 1);
	for (int rounds = 0; rounds < 10; rounds++) {
		uint32_t iir = vuart_read(u, IIR);

		if (iir & 1)
			break;
		CHECK_EQ(iir & 0x0F, 0x02);
		CHECK(vuart_read(u, LSR) & 0x20);
		for (int i = 0; i < 16 && pos < len; i++)
			vuart_write(u, THR, (uint8_t)text[pos++]);
		if (pos == len)
			vuart_write(u, IER, 0x01); /* stop_tx */
	}
	CHECK_EQ(vuart_read(u, IIR), 0xC1);
	CHECK_EQ(sent(u, out, sizeof(out)), len);
	CHECK_STR(out, text);
	/* The handler saw every interrupt itself: no further edge. */
	CHECK_EQ(edges, 1);
}

/* OUT2 gates the line, as on a PC; loopback disconnects it. */
static void test_out2_gates_the_line(void)
{
	struct vuart *u = fresh();

	vuart_write(u, IER, 0x02);
	CHECK_EQ(edges, 0);
	CHECK_EQ(vuart_read(u, IIR) & 0x0F, 0x02); /* pending all the same */
	vuart_write(u, IER, 0);
	vuart_write(u, MCR, 0x08);
	vuart_write(u, IER, 0x02);
	CHECK_EQ(edges, 1);
}

static void test_receive_and_loopback(void)
{
	struct vuart *u = fresh();
	char big[VUART_RX_SIZE + 10];

	vuart_write(u, MCR, 0x08);
	vuart_write(u, IER, 0x01);
	CHECK_EQ(vuart_read(u, LSR) & 0x01, 0);
	CHECK_EQ(vuart_receive(u, "ab", 2), 2);
	CHECK_EQ(edges, 1);
	CHECK_EQ(vuart_read(u, IIR) & 0x0F, 0x04);
	CHECK_EQ(vuart_read(u, LSR) & 0x01, 1);
	CHECK_EQ(vuart_read(u, RBR), 'a');
	CHECK_EQ(vuart_read(u, RBR), 'b');
	CHECK_EQ(vuart_read(u, LSR) & 0x01, 0);
	CHECK_EQ(vuart_read(u, IIR) & 0x0F, 0x01);
	/* A full receive FIFO takes what fits; the caller keeps the rest. */
	memset(big, 'x', sizeof(big));
	CHECK_EQ(vuart_receive(u, big, sizeof(big)), VUART_RX_SIZE);
	CHECK_EQ(vuart_rx_room(u), 0);
	vuart_write(u, FCR, 0x03); /* clear the receive FIFO */
	CHECK_EQ(vuart_rx_room(u), VUART_RX_SIZE);
	/* Loopback: what is sent comes back, nothing reaches the console. */
	vuart_write(u, MCR, 0x10);
	vuart_write(u, THR, 'z');
	CHECK_EQ(vuart_read(u, RBR), 'z');
	CHECK_EQ(conq_used(&u->out), 0);
}

/* A full console queue holds the transmitter (THRE stays clear) instead
 * of losing bytes; a write without waiting for THRE is counted as dropped. */
static void test_flow_control_and_overrun(void)
{
	struct vuart *u = fresh();
	char out[32];
	uint64_t at;

	vuart_write(u, MCR, 0x08);
	for (size_t i = 0; i < VUART_OUT_SIZE; i++)
		vuart_write(u, THR, 'q');
	for (int i = 0; i < 16; i++)
		vuart_write(u, THR, 'r');
	CHECK_EQ(vuart_read(u, LSR) & 0x60, 0);
	vuart_write(u, THR, 's');
	CHECK_EQ(conq_dropped(&u->out, &at), 1);
	vuart_write(u, IER, 0x02);
	CHECK_EQ(edges, 0); /* no THRE yet */
	conq_take(&u->out, 100);
	vuart_read(u, LSR); /* the guest looks again: room now, the FIFO empties */
	CHECK_EQ(edges, 1);
	CHECK_EQ(vuart_read(u, LSR) & 0x60, 0x60);
	conq_take(&u->out, VUART_OUT_SIZE - 100 - 16 + 16);
	CHECK_EQ(sent(u, out, sizeof(out)), 16);
	CHECK_STR(out, "rrrrrrrrrrrrrrrr");
}

CHECK_MAIN(test_probe_as_16550a, test_thre_reasserts_when_enabled, test_interrupt_driven_output,
	   test_out2_gates_the_line, test_receive_and_loopback, test_flow_control_and_overrun)
