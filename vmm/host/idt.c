/* argon's IDT contents and the stray-interrupt accounting (pure). */
#include "vmm/host/idt.h"

void idt_set(struct idt_gate *table, unsigned v, uint16_t cs, uint64_t handler)
{
	table[v].offset_low = (uint16_t)handler;
	table[v].offset_mid = (uint16_t)(handler >> 16);
	table[v].offset_high = (uint32_t)(handler >> 32);
	table[v].selector = cs;
	table[v].ist = 0;
	table[v].type_attr = IDT_GATE_PRESENT | 0xE; /* present, interrupt gate */
	table[v].reserved = 0;
}

uint64_t idt_handler(const struct idt_gate *g)
{
	return (uint64_t)g->offset_high << 32 | (uint64_t)g->offset_mid << 16 | g->offset_low;
}

void idt_fill(struct idt_gate *table, uint16_t cs, const uint64_t *exc, const uint64_t *irq,
	      unsigned tick_vector, uint64_t tick, unsigned spurious_vector, uint64_t spurious)
{
	for (unsigned v = 0; v < IDT_EXC_VECTORS; v++)
		idt_set(table, v, cs, exc[v]);
	for (unsigned v = IDT_EXC_VECTORS; v < IDT_VECTORS; v++)
		idt_set(table, v, cs, irq[v - IDT_EXC_VECTORS]);
	idt_set(table, tick_vector, cs, tick);
	idt_set(table, spurious_vector, cs, spurious);
}

void stray_irq_count(struct stray_irqs *s, unsigned vector)
{
	__atomic_fetch_add(&s->count[vector % IDT_VECTORS], 1, __ATOMIC_RELAXED);
}

unsigned stray_irq_report(struct stray_irqs *s, uint64_t now_us,
			  void (*report)(unsigned vector, uint64_t total))
{
	unsigned n = 0;

	for (unsigned v = 0; v < IDT_VECTORS; v++) {
		uint64_t c = __atomic_load_n(&s->count[v], __ATOMIC_RELAXED);

		if (c == s->reported[v])
			continue;
		if (s->reported[v] && now_us - s->reported_us[v] < STRAY_REPORT_US)
			continue;
		s->reported[v] = c;
		s->reported_us[v] = now_us;
		report(v, c);
		n++;
	}
	return n;
}
