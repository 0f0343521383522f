/* argon's interrupt descriptor table, built by pure code (host tests check
 * it), and the accounting of interrupts argon did not ask for. */
#ifndef ARGON_VMM_HOST_IDT_H
#define ARGON_VMM_HOST_IDT_H

#include <stdbool.h>
#include <stdint.h>

#define IDT_VECTORS 256
#define IDT_EXC_VECTORS 32

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr; /* P | DPL | type (0xE: 64-bit interrupt gate) */
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

#define IDT_GATE_PRESENT 0x80u

/* A present interrupt gate to handler in code segment cs. */
void idt_set(struct idt_gate *table, unsigned v, uint16_t cs, uint64_t handler);
uint64_t idt_handler(const struct idt_gate *g);

/* argon's IDT: exc[v] for the exceptions 0-31, irq[v - 32] for every
 * vector 32-255 (stray interrupts: counted, acknowledged, returned from),
 * then tick and spurious at their vectors. No gate is left not present:
 * an interrupt nobody asked for (a device's compatibility-format message,
 * a stray IPI) would otherwise raise #NP, fatal in argon. */
void idt_fill(struct idt_gate *table, uint16_t cs, const uint64_t *exc, const uint64_t *irq,
	      unsigned tick_vector, uint64_t tick, unsigned spurious_vector, uint64_t spurious);

/* Interrupts argon did not ask for, per vector: counted where they arrive
 * (any CPU, lock-free), reported later from a context that may log. */
struct stray_irqs {
	uint64_t count[IDT_VECTORS];
	uint64_t reported[IDT_VECTORS];	   /* count at the last report */
	uint64_t reported_us[IDT_VECTORS]; /* when */
};

/* Reports at most once per STRAY_REPORT_US per vector. */
#define STRAY_REPORT_US (60ull * 1000 * 1000)

void stray_irq_count(struct stray_irqs *s, unsigned vector);
/* Calls report(vector, total) for each vector with new interrupts whose
 * last report is old enough (or that was never reported). Returns how
 * many vectors it reported. */
unsigned stray_irq_report(struct stray_irqs *s, uint64_t now_us,
			  void (*report)(unsigned vector, uint64_t total));

#endif
