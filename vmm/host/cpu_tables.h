/* Per-CPU descriptor tables: argon's own GDT (with a TSS) and IDT. */
#ifndef ARGON_VMM_CPU_TABLES_H
#define ARGON_VMM_CPU_TABLES_H

#include <stdbool.h>
#include <stdint.h>

#define HOST_CS 0x08
#define HOST_DS 0x10
#define HOST_TSS 0x18

/* Register state pushed by the exception stubs (vmm/host/isr.S), lowest first. */
struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

struct cpu_tables;

/* The boot CPU's tables (static). */
struct cpu_tables *cpu_tables_boot(void);
/* Another CPU's (a zeroed page), or NULL when memory is exhausted. */
struct cpu_tables *cpu_tables_alloc(void);
/* Fills t with argon's GDT (a TSS in it) and loads it, the TSS and the IDT
 * on the calling CPU. Each CPU has its own t. */
void cpu_tables_load(struct cpu_tables *t);
/* Loads argon's IDT on the calling CPU, or (drain) the one for draining a
 * core's LAPIC: argon's exception gates, but an NMI and vectors 32-255
 * only return. */
void idt_load(bool drain);
void exception_dispatch(struct exc_frame *f);
/* Vector 2: an NMI while argon runs (vmm/host/exceptions.c). */
void nmi_dispatch(void);
/* The console CPU's timer tick (isr.S): acknowledges it, nothing more. */
void console_tick_isr(void);
/* An interrupt argon did not ask for, vector 32-255 (isr.S): counted,
 * acknowledged at the LAPIC when it is in service, returned from. */
void stray_irq_dispatch(uint64_t vector);
/* Logs the stray interrupts counted since the last report (each vector
 * at most once a minute); called where logging is safe. */
void stray_irq_log(void);
/* Returns at once: the spurious vector, and what the drain IDT takes. */
void spurious_isr(void);

#endif
