#ifndef ARGON_VMM_PANIC_H
#define ARGON_VMM_PANIC_H

/* For argon's own broken invariants only, never for a guest's doing or a
 * bad config: prints, then stops this CPU for good. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Formats straight to the UART, taking no lock: for the fault and panic
 * paths, which may run on a CPU that holds the console's or the log's
 * lock. Lines of other CPUs may interleave. */
void panic_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define BUG_ON(cond)                                                             \
	do {                                                                     \
		if (cond)                                                        \
			panic("%s:%d: BUG_ON(%s)\n", __FILE__, __LINE__, #cond); \
	} while (0)

#endif
