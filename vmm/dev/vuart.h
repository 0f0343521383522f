/* A guest's virtual 16550A at 0x3F8, the guest's console. It behaves as
 * the real part does for Linux's 8250 driver and for firmware-style polling
 * code: divisor latch, IER, IIR with its priorities and FIFO bits, FCR,
 * LCR, MCR with loopback, LSR, MSR, scratch; a 16-byte transmit FIFO and a
 * receive FIFO. Bytes the guest sends go to a console queue (lib/conq.h)
 * that argon's console prints as "[name] line"; bytes typed for the guest
 * arrive through vuart_receive. The interrupt output (gated by MCR.OUT2, as
 * on a PC) calls irq on each rising edge. Pure logic: no hardware access. */
#ifndef ARGON_VMM_VUART_H
#define ARGON_VMM_VUART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/conq.h"

#define VUART_PORTS 8
#define VUART_FIFO 16	      /* transmit FIFO, as on a 16550A */
#define VUART_RX_SIZE 256     /* receive FIFO */
#define VUART_OUT_SIZE 16384u /* console queue per guest: a power of two */

struct vuart {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thri;    /* THR-empty interrupt latched */
	bool overrun; /* LSR.OE, cleared when LSR is read */
	bool irq_out; /* the interrupt output after the last event */
	uint8_t tx[VUART_FIFO];
	unsigned tx_len;
	uint8_t rx[VUART_RX_SIZE];
	unsigned rx_head, rx_len;
	struct conq out; /* what the guest sent, for the console */
	char out_buf[VUART_OUT_SIZE];
	void (*irq)(void *ctx); /* a rising edge of the interrupt output */
	void *irq_ctx;
};

void vuart_init(struct vuart *u);
/* Power-on state of the registers and FIFOs; the console queue and the
 * interrupt hook stay. */
void vuart_reset(struct vuart *u);
uint32_t vuart_read(struct vuart *u, unsigned reg);
void vuart_write(struct vuart *u, unsigned reg, uint32_t val);
/* Moves bytes typed for the guest into the receive FIFO; returns how many
 * fit (the rest stays with the caller). */
size_t vuart_receive(struct vuart *u, const char *data, size_t len);
/* Free bytes in the receive FIFO. */
size_t vuart_rx_room(const struct vuart *u);

#endif
