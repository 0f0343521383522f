/* The config checks argonctl check and argonctl install share. */
#ifndef ARGONCTL_CHECK_H
#define ARGONCTL_CHECK_H

#include <stdbool.h>

#include "tools/argonctl/argonctl.h"

/* Parses conf with argon's parser and, with machine_too, checks it against
 * mach (machine_load first) as argon does at boot; otherwise only that
 * the files it names can be read. Prints the errors as argon does
 * (FILE:LINE:COL: error: ...). 0 when argon would start every guest, 1
 * when not, 2 when conf cannot be read. */
int check_config(const struct source_opts *o, const char *conf, bool machine_too, bool quiet);

/* Parses conf without reporting; 0 when it has no error. */
int check_parse_only(const char *conf, struct argon_config *cfg);

#endif
