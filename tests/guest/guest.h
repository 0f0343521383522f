/* The check runner's entry points used by the other guest files. */
#ifndef ARGON_TESTGUEST_GUEST_H
#define ARGON_TESTGUEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Called by entry.S on its own stack with interrupts off, with what argon
 * handed over (vmm/guest_abi.h): the command line and the RAM size. */
__attribute__((noreturn)) void guest_main(const char *cmdline, uint64_t ram_bytes);

/* Prints "FAIL name: detail", counts it, prints the summary and powers
 * off: for failures the guest cannot continue past. */
__attribute__((noreturn, format(printf, 2, 3))) void guest_fail_fatal(const char *name,
								      const char *fmt, ...);

/* Writes the reason for a failed check into why; returns false. */
__attribute__((format(printf, 3, 4))) bool guest_explain(char *why, size_t size, const char *fmt,
							 ...);

/* testguest.mode=smp: starts the second vCPU through INIT and SIPI. */
bool check_ap_start(char *why, size_t size);

/* testguest.mode=timer-crash (tests/guest/lapic.c): the first boot arms
 * its LAPIC timer and leaves a tick in service and one pending; the next
 * boot checks the LAPIC is as after reset and stays quiet. */
void lapic_arm_and_crash(void);
bool check_lapic_reset(char *why, size_t size);
bool check_lapic_quiet(char *why, size_t size);

/* "testguest.mode=triple-fault": faults with no usable IDT, so the CPU
 * shuts down; argon must stop this guest and nothing else. */
__attribute__((noreturn)) void guest_triple_fault(void);

/* Runs one check: prints "PASS name" or "FAIL name: why" and counts it. */
void guest_run_check(const char *name, bool (*fn)(char *why, size_t size));
/* Prints the summary and powers off. */
__attribute__((noreturn)) void guest_finish(void);

/* testguest.mode=nmi (tests/guest/hostile_nmi.c): NMI bursts to itself
 * and, with peer, to its second vCPU while that one floods the console. */
__attribute__((noreturn)) void hostile_nmi_main(bool peer);

#endif
