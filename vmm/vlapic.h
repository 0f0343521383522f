/* The one part of a guest's x2APIC that argon intercepts: the ICR. A guest
 * may send IPIs only to its own cores; INIT and SIPI to them start its
 * other vCPUs. */
#ifndef ARGON_VMM_VLAPIC_H
#define ARGON_VMM_VLAPIC_H

#include <stdint.h>

#include "vmm/vcpu.h"

/* 0, or a negative code for a write the guest gets #GP for. */
int vlapic_icr_write(struct vcpu *v, uint64_t icr);

#endif
