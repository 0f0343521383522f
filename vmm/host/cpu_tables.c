#include "vmm/host/cpu_tables.h"

#include "lib/bits.h"
#include "lib/string.h"
#include "vmm/console.h"
#include "vmm/host/cpu.h"
#include "vmm/host/idt.h"
#include "vmm/page_alloc.h"

/* Segment descriptor fields (SDM vol 3, 3.4.5). */
#define DESC_TYPE_OFF 40
#define DESC_S BIT(44)
#define DESC_P BIT(47)
#define DESC_L BIT(53)
#define DESC_DB BIT(54)
#define DESC_G BIT(55)
#define DESC_LIMIT_LOW 0xFFFFULL
#define DESC_LIMIT_HIGH (0xFULL << 48)

#define CODE64                                                                            \
	(DESC_P | DESC_S | (0xAULL << DESC_TYPE_OFF) | DESC_L | DESC_G | DESC_LIMIT_LOW | \
	 DESC_LIMIT_HIGH)
#define DATA64                                                                             \
	(DESC_P | DESC_S | (0x2ULL << DESC_TYPE_OFF) | DESC_DB | DESC_G | DESC_LIMIT_LOW | \
	 DESC_LIMIT_HIGH)
#define TSS_AVAIL 0x9ULL

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "TSS layout");

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

struct cpu_tables {
	uint64_t gdt[5] __attribute__((aligned(16)));
	struct tss64 tss __attribute__((aligned(16)));
};

#define NUM_EXC_VECTORS 32
extern const uint64_t isr_stub_table[NUM_EXC_VECTORS];
extern const uint64_t irq_stub_table[IDT_VECTORS - NUM_EXC_VECTORS];

/* The boot CPU's are static: it loads them before memory is set up. The
 * others get theirs from cpu_tables_alloc, when they are started. */
static struct cpu_tables boot_tables;
/* Vectors 32-255 all have a gate: the console CPU's timer tick, its
 * LAPIC's spurious vector, and for every other one a stub that counts the
 * interrupt, acknowledges it and returns (exceptions.c, stray_irq_dispatch):
 * an interrupt argon did not ask for must not stop it. */
static struct idt_gate idt[256] __attribute__((aligned(16)));
/* For draining a core's LAPIC before a guest boots (vmm/host/lapic_reset.c):
 * argon's exception gates, but an NMI and every interrupt only return. */
static struct idt_gate drain_idt[256] __attribute__((aligned(16)));

#define NMI_VECTOR 2

static void idt_init_once(void)
{
	uint64_t ret_only = (uint64_t)(uintptr_t)spurious_isr;

	if (idt[0].selector)
		return;
	idt_fill(idt, HOST_CS, isr_stub_table, irq_stub_table, CONSOLE_TICK_VECTOR,
		 (uint64_t)(uintptr_t)console_tick_isr, CONSOLE_SPURIOUS_VECTOR, ret_only);
	for (unsigned v = 0; v < 256; v++)
		idt_set(drain_idt, v, HOST_CS,
			v < NUM_EXC_VECTORS && v != NMI_VECTOR ? isr_stub_table[v] : ret_only);
}

void idt_load(bool drain)
{
	struct desc_ptr idtr = {sizeof(idt) - 1, (uint64_t)(uintptr_t)(drain ? drain_idt : idt)};

	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

struct cpu_tables *cpu_tables_boot(void)
{
	return &boot_tables;
}

struct cpu_tables *cpu_tables_alloc(void)
{
	_Static_assert(sizeof(struct cpu_tables) <= PAGE_SIZE, "one page per CPU");
	return page_alloc();
}

void cpu_tables_load(struct cpu_tables *t)
{
	uint64_t tss = (uint64_t)(uintptr_t)&t->tss;
	uint64_t limit = sizeof(t->tss) - 1;
	struct desc_ptr gdtr = {sizeof(t->gdt) - 1, (uint64_t)(uintptr_t)t->gdt};

	idt_init_once();
	memset(&t->tss, 0, sizeof(t->tss));
	t->tss.iomap_base = sizeof(t->tss);
	t->gdt[0] = 0;
	t->gdt[1] = CODE64;
	t->gdt[2] = DATA64;
	t->gdt[3] = (limit & 0xFFFF) | ((tss & 0xFFFFFF) << 16) | (TSS_AVAIL << DESC_TYPE_OFF) |
		    DESC_P | (((limit >> 16) & 0xF) << 48) | (((tss >> 24) & 0xFF) << 56);
	t->gdt[4] = tss >> 32;

	__asm__ volatile("lgdt %0" : : "m"(gdtr));
	/* Reload CS with a far return, then the data segments and TR. */
	__asm__ volatile("pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w[ds], %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs\n\t"
			 :
			 : [cs] "i"(HOST_CS), [ds] "i"(HOST_DS)
			 : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)HOST_TSS));
	idt_load(false);
}
