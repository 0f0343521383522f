/* A guest's virtual 16550 at 0x3F8: console only. Output is cut into lines
 * and printed as "[name] line" on argon's console. */
#ifndef ARGON_VMM_VUART_H
#define ARGON_VMM_VUART_H

#include <stdbool.h>
#include <stdint.h>

#define VUART_PORTS 8
#define VUART_LINE_MAX 240

struct vuart {
	const char *owner; /* guest name, for the prefix */
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	unsigned len;
	char line[VUART_LINE_MAX];
};

void vuart_init(struct vuart *u, const char *owner);
uint32_t vuart_read(struct vuart *u, unsigned reg);
void vuart_write(struct vuart *u, unsigned reg, uint32_t val);
/* Prints a partial line, e.g. when the guest stops. */
void vuart_flush(struct vuart *u);

#endif
