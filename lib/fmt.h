/* Formatted output into a buffer: a subset of C's printf family.
 * Conversions: %d %i %u %x %X %p %s %c %%; flags '-' '0'; width and
 * precision (also '*'); length modifiers hh h l ll z. */
#ifndef ARGON_LIB_FMT_H
#define ARGON_LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
