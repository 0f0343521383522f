#ifndef ARGON_VMM_PANIC_H
#define ARGON_VMM_PANIC_H

/* For argon's own broken invariants only, never for a guest's doing or a
 * bad config: prints, then stops this CPU for good. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#define BUG_ON(cond)                                                             \
	do {                                                                     \
		if (cond)                                                        \
			panic("%s:%d: BUG_ON(%s)\n", __FILE__, __LINE__, #cond); \
	} while (0)

#endif
