/* The test guest's IDT: all 256 vectors go to one C handler. A check can
 * announce one fault it provokes (trap_expect), which the handler records
 * and steps over; any other exception ends the run with a FAIL line, and
 * interrupts (vectors 2 and 32-255) are counted and ignored. */
#ifndef ARGON_TESTGUEST_IDT_H
#define ARGON_TESTGUEST_IDT_H

#include <stdint.h>

/* What entry.S pushes below the CPU's interrupt frame, lowest address
 * first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;		   /* error is 0 for vectors without a code */
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

_Static_assert(sizeof(struct trap_frame) == 22 * 8, "entry.S pushes 22 quadwords");
_Static_assert(__builtin_offsetof(struct trap_frame, vector) == 15 * 8, "see entry.S");
_Static_assert(__builtin_offsetof(struct trap_frame, rip) == 17 * 8, "see entry.S");

/* What the last expected fault looked like. */
struct trap_record {
	uint64_t count; /* expected faults taken so far */
	uint64_t vector;
	uint64_t error;
	uint64_t rip; /* of the faulting instruction */
};

void idt_init(void);

/* The next exception `vector` is expected: record it, then resume
 * `skip_len` bytes past the faulting instruction's start. One-shot. */
void trap_expect(unsigned vector, unsigned skip_len);
/* Cancels an expectation that did not fire. */
void trap_expect_none(void);
struct trap_record trap_last(void);

/* Interrupts delivered so far (vectors 2 and 32-255). */
uint64_t trap_stray_interrupts(void);
/* Deliveries of one vector so far (2 or 32-255; counted among those). */
uint64_t trap_vector_count(unsigned vector);
/* NMIs delivered so far (counted among those too). */
uint64_t trap_nmis(void);

/* Called by entry.S with interrupts off. */
void trap_handler(struct trap_frame *f);

#endif
