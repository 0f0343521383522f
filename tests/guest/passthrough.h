/* Scenarios with an NVMe controller assigned to the guest
 * (tests/guest/passthrough.c): nvme-io, dma-escape, irq-escape and
 * nvme-restart. */
#ifndef ARGON_TESTGUEST_PASSTHROUGH_H
#define ARGON_TESTGUEST_PASSTHROUGH_H

#include <stdbool.h>
#include <stdint.h>

/* Runs the scenario testguest.mode= names and powers off; returns false
 * when it names none of these. */
bool passthrough_run(const char *cmdline, uint64_t ram_bytes);

#endif
