/* Application processors: start-up and the per-CPU work loop. */
#ifndef ARGON_VMM_SMP_H
#define ARGON_VMM_SMP_H

#include "vmm/host/cpu.h"

/* Starts every CPU marked wanted but the boot CPU (INIT-SIPI-SIPI through
 * a trampoline in the pages below 1 MiB that mem_init set aside); each
 * loads its own tables, enables x2APIC and the vCPU backend, then waits
 * for smp_release() and runs the vCPU pinned to it. CPUs no guest uses
 * are left to smp_park_unused. Returns how many came up. */
unsigned smp_start_aps(void);

/* Parks every CPU that is neither the boot CPU nor wanted: INIT, then a
 * start into argon's own halt loop (cli; hlt) on a stack in argon's
 * memory, so no CPU is left running firmware code in memory that guests
 * may get as RAM (docs/cpus.md). A CPU that does not come up stays in
 * wait-for-SIPI after its INIT. Returns how many are parked. */
unsigned smp_park_unused(void);

/* Lets every CPU go on to its vCPU (or to halt, if it has none). */
void smp_release(void);

/* Busy-waits (TSC). */
void udelay(uint64_t us);

#endif
