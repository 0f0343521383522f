/* Application processors: start-up and the per-CPU work loop. */
#ifndef ARGON_VMM_SMP_H
#define ARGON_VMM_SMP_H

#include "vmm/boot_info.h"
#include "vmm/cpu.h"

/* Starts every CPU but the boot CPU (INIT-SIPI-SIPI through a trampoline
 * below 1 MiB); each loads argon's tables, enables x2APIC and the vCPU
 * backend, then waits for smp_release() and runs the vCPU pinned to it,
 * if any. Returns how many came up. */
unsigned smp_start_aps(const struct boot_info *bi);

/* Lets every CPU go on to its vCPU (or to halt, if it has none). */
void smp_release(void);

/* Busy-waits (TSC). */
void udelay(uint64_t us);

#endif
