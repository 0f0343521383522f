/* Application processors: start-up and the per-CPU work loop. */
#ifndef ARGON_VMM_SMP_H
#define ARGON_VMM_SMP_H

#include "vmm/cpu.h"

/* Starts every CPU marked wanted but the boot CPU (INIT-SIPI-SIPI through
 * a trampoline in the pages below 1 MiB that mem_init set aside); each
 * loads its own tables, enables x2APIC and the vCPU backend, then waits
 * for smp_release() and runs the vCPU pinned to it. CPUs no guest uses
 * stay as the firmware left them. Returns how many came up. */
unsigned smp_start_aps(void);

/* Lets every CPU go on to its vCPU (or to halt, if it has none). */
void smp_release(void);

/* Busy-waits (TSC). */
void udelay(uint64_t us);

#endif
