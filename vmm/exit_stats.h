/* Exit counters: kept per vCPU by the exit path, summed per guest. */
#ifndef ARGON_VMM_EXIT_STATS_H
#define ARGON_VMM_EXIT_STATS_H

#include <stdint.h>

#include "vmm/guest.h"

/* Sum of one exit kind over all vCPUs. */
uint64_t guest_exit_count(const struct guest *g, enum argon_exit_kind kind);
void guest_print_stats(const struct guest *g);
const char *exit_kind_name(enum argon_exit_kind kind);

#endif
