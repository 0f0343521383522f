/* Booting a Linux bzImage directly, as its 64-bit boot protocol says. */
#ifndef ARGON_VMM_GUEST_LINUX_H
#define ARGON_VMM_GUEST_LINUX_H

#include "vmm/boot_info.h"
#include "vmm/guest.h"

/* Loads a Linux bzImage (and initrd, if any) with the 64-bit boot protocol:
 * ACPI tables, e820 map, zero page, command line (argon appends
 * tsc_early_khz=), kernel and initrd in guest RAM. */
int guest_load_linux(struct guest *g, const struct boot_file *kernel,
		     const struct boot_file *initrd, struct vcpu_init_state *st);

#endif
