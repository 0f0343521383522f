/* argon's IDT: every vector has a present gate (an interrupt nobody asked
 * for must not raise #NP in argon), and stray interrupts are reported once
 * per vector and at most once a minute after that. */
#include "check.h"
#include "vmm/host/idt.h"

static struct idt_gate table[IDT_VECTORS];

static void test_every_gate_present(void)
{
	uint64_t exc[IDT_EXC_VECTORS], irq[IDT_VECTORS - IDT_EXC_VECTORS];

	for (unsigned v = 0; v < IDT_EXC_VECTORS; v++)
		exc[v] = 0xffffffff80001000ull + v * 16;
	for (unsigned v = 0; v < IDT_VECTORS - IDT_EXC_VECTORS; v++)
		irq[v] = 0xffffffff80002000ull + v * 16;
	idt_fill(table, 0x08, exc, irq, 0xEF, 0x1234567890ull, 0xFF, 0xabcdef0123ull);
	for (unsigned v = 0; v < IDT_VECTORS; v++) {
		CHECK(table[v].type_attr & IDT_GATE_PRESENT);
		CHECK_EQ(table[v].type_attr & 0xF, 0xE);
		CHECK_EQ(table[v].selector, 0x08);
		CHECK_EQ(table[v].ist, 0);
	}
	CHECK_EQ(idt_handler(&table[14]), exc[14]);
	CHECK_EQ(idt_handler(&table[0x30]), irq[0x30 - 32]);
	CHECK_EQ(idt_handler(&table[0xFE]), irq[0xFE - 32]);
	CHECK_EQ(idt_handler(&table[0xEF]), 0x1234567890ull);
	CHECK_EQ(idt_handler(&table[0xFF]), 0xabcdef0123ull);
}

static unsigned reports[IDT_VECTORS];
static uint64_t last_total[IDT_VECTORS];

static void report(unsigned vector, uint64_t total)
{
	reports[vector]++;
	last_total[vector] = total;
}

static void test_stray_reports(void)
{
	static struct stray_irqs s;

	CHECK_EQ(stray_irq_report(&s, 0, report), 0);
	stray_irq_count(&s, 0x41);
	stray_irq_count(&s, 0x41);
	stray_irq_count(&s, 0x99);
	CHECK_EQ(stray_irq_report(&s, 1000, report), 2);
	CHECK_EQ(reports[0x41], 1);
	CHECK_EQ(last_total[0x41], 2);
	CHECK_EQ(reports[0x99], 1);
	/* A flood: nothing more within the minute, then one line. */
	for (unsigned i = 0; i < 100000; i++)
		stray_irq_count(&s, 0x41);
	CHECK_EQ(stray_irq_report(&s, 1000 + STRAY_REPORT_US - 1, report), 0);
	CHECK_EQ(stray_irq_report(&s, 1000 + STRAY_REPORT_US, report), 1);
	CHECK_EQ(reports[0x41], 2);
	CHECK_EQ(last_total[0x41], 100002);
	/* Nothing new: nothing reported, however late. */
	CHECK_EQ(stray_irq_report(&s, 10 * STRAY_REPORT_US, report), 0);
}

CHECK_MAIN(test_every_gate_present, test_stray_reports)
