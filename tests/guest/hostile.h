/* The hostile-guest suite (docs/security.md): a victim that checksums its
 * RAM and prints heartbeats, and attackers that each try one class of
 * writes argon executes on a guest's behalf. */
#ifndef ARGON_TESTGUEST_HOSTILE_H
#define ARGON_TESTGUEST_HOSTILE_H

#include <stdbool.h>
#include <stdint.h>

/* Runs the scenario the command line names (testguest.mode=victim,
 * hostile-icr, hostile-lvt, hostile-xsetbv, hostile-cr) and powers off;
 * returns false when it names none. */
bool hostile_run(const char *cmdline, uint64_t ram_bytes);

/* TSC cycles per second, measured against the 8254's channel 2 (about
 * 55 ms). */
uint64_t tsc_hz(void);

/* The number after key on the command line ("testguest.secs=" ...), or
 * dflt. */
uint64_t cmdline_u64(const char *cmdline, const char *key, uint64_t dflt);

#endif
