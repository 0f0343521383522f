/* argon's own command line (from the boot loader): space-separated
 * `key=value` or bare `key` words. */
#ifndef ARGON_LIB_CMDLINE_H
#define ARGON_LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/* Copies the value of the last `key=value` word into out (NUL-terminated,
 * cut to size) and returns true; a bare `key` gives "". false if absent. */
bool cmdline_get(const char *cmdline, const char *key, char *out, size_t size);

#endif
