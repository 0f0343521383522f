/* The physical console: COM1, 16550, 115200 8N1. */
#ifndef ARGON_VMM_CONSOLE_H
#define ARGON_VMM_CONSOLE_H

#include <stddef.h>

void console_init(void);
void console_write(const char *s, size_t len);

#endif
