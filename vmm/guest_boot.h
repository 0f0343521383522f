/* Starting a guest's vCPUs: the state after INIT/SIPI, and a 64-bit entry
 * with a GDT and identity tables that argon builds in the guest's RAM. */
#ifndef ARGON_VMM_GUEST_BOOT_H
#define ARGON_VMM_GUEST_BOOT_H

#include <stdint.h>

#include "vmm/guest.h"

/* The state a vCPU starts in after INIT and a SIPI with this vector: real
 * mode at vector << 12, EDX = signature (the guest's CPUID.1:EAX). */
void guest_sipi_state(unsigned vector, uint32_t signature, struct vcpu_init_state *st);

/* Puts a GDT (64-bit code at selector cs, data at ds) and identity page
 * tables for the first 4 GiB into the guest's RAM at ARGON_GUEST_BOOT_AREA
 * and fills the initial vCPU state for 64-bit entry at rip. */
int guest_boot_long_mode(struct guest *g, uint64_t rip, uint16_t cs, uint16_t ds,
			 struct vcpu_init_state *st);

#endif
