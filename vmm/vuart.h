/* A guest's virtual 16550 at 0x3F8: console only. Output is cut into lines
 * and printed as "[name] line" on argon's console. */
#ifndef ARGON_VMM_VUART_H
#define ARGON_VMM_VUART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/ring.h"

#define VUART_PORTS 8
#define VUART_LINE_MAX 240
#define VUART_HISTORY 16384 /* bytes of output kept per guest */

struct vuart {
	const char *owner; /* guest name, for the prefix */
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	unsigned len;
	char line[VUART_LINE_MAX];
	struct ring history; /* everything the guest printed, newest kept */
	char history_buf[VUART_HISTORY];
};

void vuart_init(struct vuart *u, const char *owner);
uint32_t vuart_read(struct vuart *u, unsigned reg);
void vuart_write(struct vuart *u, unsigned reg, uint32_t val);
/* The newest len bytes of the guest's output at most, oldest first. */
size_t vuart_history(const struct vuart *u, char *out, size_t len);
/* Prints a partial line, e.g. when the guest stops. */
void vuart_flush(struct vuart *u);

#endif
