/* The parts of a guest's x2APIC that argon intercepts: the ICR and writes
 * to the LVTs other than the timer's. A guest may send IPIs only to its
 * own cores; INIT and SIPI to them start its other vCPUs; its LVTs may
 * deliver only fixed interrupts and NMIs to its core. */
#ifndef ARGON_VMM_VLAPIC_H
#define ARGON_VMM_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/vcpu.h"

struct guest;

/* 0, or a negative code for a write the guest gets #GP for. */
int vlapic_icr_write(struct vcpu *v, uint64_t icr);

/* A write to an LVT (vmm/guest_rules.h): 0, or a negative code for #GP.
 * SMI, INIT, ExtINT and reserved delivery modes are written masked. */
int vlapic_lvt_write(struct vcpu *v, uint32_t msr, uint64_t val);

/* On a restart: each refused kind warns once more per boot, so every
 * boot's attempts show in the log. */
void vlapic_guest_reset(struct guest *g);

/* Sends a fixed interrupt with `vector` to the guest's cores that dest
 * names (an x2APIC physical id, 0xFFFFFFFF for all, or an x2APIC logical
 * destination), and only to them; with `lowest`, to the first of them
 * (lowest-priority delivery, without priorities). For the guest's
 * virtual interrupt controllers; any core may call it. */
void vlapic_send_fixed(struct guest *g, uint32_t dest, bool logical, bool lowest, uint8_t vector);

#endif
