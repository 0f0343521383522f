/* Per-CPU descriptor tables: argon's own GDT (with a TSS) and IDT. */
#ifndef ARGON_VMM_CPU_TABLES_H
#define ARGON_VMM_CPU_TABLES_H

#include <stdint.h>

#define HOST_CS 0x08
#define HOST_DS 0x10
#define HOST_TSS 0x18

/* Register state pushed by the exception stubs (vmm/isr.S), lowest first. */
struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Loads this CPU's GDT, TSS and IDT (cpu < MAX_CPUS). */
void cpu_tables_load(unsigned cpu);
void exception_dispatch(struct exc_frame *f);
/* The console CPU's timer tick (isr.S): acknowledges it, nothing more. */
void console_tick_isr(void);
void spurious_isr(void);

#endif
