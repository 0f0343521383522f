/* The test guest's output: lines on argon's virtual 16550, and power-off
 * through the FADT's PM1a control port. */
#ifndef ARGON_TESTGUEST_CONSOLE_H
#define ARGON_TESTGUEST_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void con_puts(const char *s);
/* Reads a line typed on the console (the guest must have argon's input
 * focus), without its end; empty lines are skipped. false if none ended
 * within timeout_cycles of the TSC. */
bool con_read_line(char *buf, size_t size, uint64_t timeout_cycles);
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void power_off(void);

#endif
