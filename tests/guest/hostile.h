/* The hostile-guest suite (docs/security.md): a victim that checksums its
 * RAM and prints heartbeats, and attackers that each try one class of
 * writes argon executes on a guest's behalf. */
#ifndef ARGON_TESTGUEST_HOSTILE_H
#define ARGON_TESTGUEST_HOSTILE_H

#include <stdbool.h>
#include <stdint.h>

/* Runs the scenario the command line names (testguest.mode=victim,
 * hostile-icr, hostile-lvt, hostile-xsetbv, hostile-cr, hostile-ac-storm,
 * hostile-db-storm, hostile-triple-fault-storm) and powers off;
 * returns false when it names none. */
bool hostile_run(const char *cmdline, uint64_t ram_bytes);

/* TSC cycles per second, measured against the 8254's channel 2 (about
 * 55 ms). */
uint64_t tsc_hz(void);

/* The number after key on the command line ("testguest.secs=" ...), or
 * dflt. */
uint64_t cmdline_u64(const char *cmdline, const char *key, uint64_t dflt);

/* One PASS or FAIL line, counted for hostile_finish's summary. */
void hostile_verdict(bool ok, const char *name, const char *detail);
/* Prints "argon-WHO: N passed, M failed"; hostile_finish then powers off. */
void hostile_summary(const char *who);
__attribute__((noreturn)) void hostile_finish(const char *who);

/* The exception storms (hostile_storm.c): "ac-storm", "db-storm" and
 * "triple-fault-storm". */
__attribute__((noreturn)) void hostile_ac_storm(void);
__attribute__((noreturn)) void hostile_db_storm(void);
__attribute__((noreturn)) void hostile_tf_storm(const char *cmdline);
/* "console-flood-all": both vCPUs flood the console. */
__attribute__((noreturn)) void hostile_console_flood_all(void);

/* The sweeps (hostile_sweep.c): "msr-sweep", "io-sweep", "mmio-sweep". */
__attribute__((noreturn)) void hostile_msr_sweep(void);
__attribute__((noreturn)) void hostile_io_sweep(void);
__attribute__((noreturn)) void hostile_mmio_sweep(const char *cmdline, uint64_t ram_bytes);

/* "insns" (hostile_insns.c). */
__attribute__((noreturn)) void hostile_insns(void);

#endif
