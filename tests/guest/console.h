/* The test guest's output: lines on argon's virtual 16550, and power-off
 * through the FADT's PM1a control port. */
#ifndef ARGON_TESTGUEST_CONSOLE_H
#define ARGON_TESTGUEST_CONSOLE_H

void con_puts(const char *s);
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void power_off(void);

#endif
