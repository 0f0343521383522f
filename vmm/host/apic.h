/* The local APIC in x2APIC mode: argon switches every core to it before any
 * guest runs, so guests get their cores' LAPICs in x2APIC mode. */
#ifndef ARGON_VMM_APIC_H
#define ARGON_VMM_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_X2APIC_BASE 0x800u
#define MSR_X2APIC_ID 0x802u
#define MSR_X2APIC_VERSION 0x803u
#define MSR_X2APIC_EOI 0x80Bu
#define MSR_X2APIC_ICR 0x830u
#define MSR_X2APIC_LVT_TIMER 0x832u
#define MSR_X2APIC_LAST 0x8FFu
#define MSR_TSC_DEADLINE 0x6E0u

#define APIC_BASE_BSP (1ULL << 8)
#define APIC_BASE_EXTD (1ULL << 10)
#define APIC_BASE_EN (1ULL << 11)

/* ICR (SDM vol 3, 11.6.1; in x2APIC mode one 64-bit MSR, destination in
 * bits 63:32). */
#define ICR_VECTOR_MASK 0xFFu
#define ICR_MODE_OFF 8
#define ICR_MODE_LEN 3
#define ICR_MODE_FIXED 0u
#define ICR_MODE_LOWEST 1u
#define ICR_MODE_SMI 2u
#define ICR_MODE_NMI 4u
#define ICR_MODE_INIT 5u
#define ICR_MODE_SIPI 6u
#define ICR_DEST_LOGICAL (1u << 11)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ICR_SHORTHAND_OFF 18
#define ICR_SHORTHAND_LEN 2
#define ICR_SHORTHAND_NONE 0u
#define ICR_SHORTHAND_SELF 1u
#define ICR_SHORTHAND_ALL 2u
#define ICR_SHORTHAND_OTHERS 3u

#define MSR_X2APIC_LVT_LINT0 0x835u
#define APIC_LVT_MASKED (1u << 16)

/* Masks what the firmware may have left able to interrupt this core: the
 * LAPIC timer and LINT0 (where the 8259 delivers ExtINT), and, on the
 * boot CPU, every line of both 8259s. A guest gets its core's LAPIC, and
 * an interrupt it did not ask for would arrive at whatever vector the
 * firmware chose (the BIOS puts the PIT's IRQ 0 at vector 8, #DF). */
void interrupts_quiesce(bool boot_cpu);

/* Switches this core's LAPIC to x2APIC mode; false if the CPU has none. */
bool x2apic_enable(void);
uint32_t x2apic_id(void);
void x2apic_send(uint32_t dest, uint32_t icr_low);

#endif
