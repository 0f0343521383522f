/* The one part of a guest's x2APIC that argon intercepts: the ICR. A guest
 * may send IPIs only to its own cores; INIT and SIPI to them start its
 * other vCPUs. */
#ifndef ARGON_VMM_VLAPIC_H
#define ARGON_VMM_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/vcpu.h"

struct guest;

/* 0, or a negative code for a write the guest gets #GP for. */
int vlapic_icr_write(struct vcpu *v, uint64_t icr);

/* Sends a fixed interrupt with `vector` to the guest's cores that dest
 * names (an x2APIC physical id, 0xFFFFFFFF for all, or an x2APIC logical
 * destination), and only to them; with `lowest`, to the first of them
 * (lowest-priority delivery, without priorities). For the guest's
 * virtual interrupt controllers; any core may call it. */
void vlapic_send_fixed(struct guest *g, uint32_t dest, bool logical, bool lowest, uint8_t vector);

#endif
