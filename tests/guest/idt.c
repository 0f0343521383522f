#include "tests/guest/idt.h"

#include "tests/guest/arch.h"
#include "tests/guest/guest.h"
#include "vmm/guest_abi.h"

#define IDT_VECTORS 256
#define EXC_NMI 2
#define EXC_FIRST_IRQ 32

/* 64-bit IDT gate, 16 bytes:
 *   [15:0]   offset 15:0      [31:16]  selector
 *   [34:32]  IST              [43:40]  type (0xE: interrupt gate)
 *   [46:45]  DPL              [47]     present
 *   [63:48]  offset 31:16     [95:64]  offset 63:32   [127:96] reserved */
#define GATE_SEL_OFF 16
#define GATE_TYPE_OFF 40
#define GATE_TYPE_INTR64 0xEull
#define GATE_P (1ull << 47)

struct idt_gate {
	uint64_t lo, hi;
};

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

_Static_assert(sizeof(struct idt_gate) == 16, "64-bit gates are 16 bytes");
_Static_assert(sizeof(struct desc_ptr) == 10, "LIDT operand is 10 bytes");

extern const uint64_t isr_table[IDT_VECTORS]; /* entry.S */

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

static volatile int expect_vector = -1;
static volatile unsigned expect_skip;
static volatile struct trap_record last;
static volatile uint64_t stray;
static volatile uint64_t nmis;
static volatile uint64_t per_vector[IDT_VECTORS];

static struct idt_gate make_gate(uint64_t handler)
{
	struct idt_gate g;

	g.lo = (handler & 0xFFFF) | ((uint64_t)ARGON_GUEST_CS << GATE_SEL_OFF) |
	       (GATE_TYPE_INTR64 << GATE_TYPE_OFF) | GATE_P | (((handler >> 16) & 0xFFFF) << 48);
	g.hi = handler >> 32;
	return g;
}

void idt_init(void)
{
	struct desc_ptr p;

	for (int i = 0; i < IDT_VECTORS; i++)
		idt[i] = make_gate(isr_table[i]);
	p.limit = sizeof(idt) - 1;
	p.base = (uint64_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

void trap_expect(unsigned vector, unsigned skip_len)
{
	expect_skip = skip_len;
	expect_vector = (int)vector;
}

void trap_expect_none(void)
{
	expect_vector = -1;
}

struct trap_record trap_last(void)
{
	struct trap_record r;

	r.count = last.count;
	r.vector = last.vector;
	r.error = last.error;
	r.rip = last.rip;
	return r;
}

uint64_t trap_stray_interrupts(void)
{
	return stray;
}

uint64_t trap_vector_count(unsigned vector)
{
	return vector < IDT_VECTORS ? per_vector[vector] : 0;
}

uint64_t trap_nmis(void)
{
	return nmis;
}

void trap_handler(struct trap_frame *f)
{
	if (f->vector == EXC_NMI)
		nmis = nmis + 1;
	if (f->vector == EXC_NMI || f->vector >= EXC_FIRST_IRQ) {
		stray = stray + 1;
		per_vector[f->vector] = per_vector[f->vector] + 1;
		return;
	}
	if ((int)f->vector == expect_vector) {
		expect_vector = -1;
		last.vector = f->vector;
		last.error = f->error;
		last.rip = f->rip;
		last.count = last.count + 1;
		f->rip += expect_skip;
		return;
	}
	guest_fail_fatal("unexpected-exception",
			 "vector %lu error 0x%lx rip 0x%lx cr2 0x%lx rsp 0x%lx", f->vector,
			 f->error, f->rip, read_cr2(), f->rsp);
}
