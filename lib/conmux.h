/* The console's line multiplexer: turns the byte queues of several writers
 * (argon's log, each guest's UART) into one stream of console lines, each
 * guest's line prefixed with "[name] ". A line is never cut by another
 * writer's: a writer's partial line (a shell prompt, characters being
 * typed) goes out once it has aged, and stays open for its continuation
 * until another writer needs the console. Pure logic: the caller moves the
 * bytes to the UART and supplies the clock. */
#ifndef ARGON_LIB_CONMUX_H
#define ARGON_LIB_CONMUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/conq.h"

#define CONMUX_LINE_MAX 400 /* text of one console line; longer lines are cut */
#define CONMUX_OUT_MAX 512  /* what one conmux_next call may write */

struct conmux_src {
	struct conq *q;
	const char *prefix; /* "[name] ", or "" for argon's own lines */
	bool flush;	    /* the writer has stopped: partial lines go out now */
	/* The reader's view of the writer's progress, for aging partial lines. */
	uint64_t seen_head;
	uint64_t seen_at;
};

struct conmux {
	struct conmux_src *src;
	unsigned count;
	unsigned next; /* round-robin position */
	int open;      /* source whose line is on the console unfinished, or -1 */
};

void conmux_init(struct conmux *m, struct conmux_src *src, unsigned count);
/* Writes the next piece of console output to out (cap >= CONMUX_OUT_MAX):
 * a whole line, a piece of a long line, an aged partial line, or a report
 * of dropped bytes. now and partial_age are in the caller's time unit.
 * Returns the byte count, 0 when no writer has anything ready. */
size_t conmux_next(struct conmux *m, uint64_t now, uint64_t partial_age, char *out, size_t cap);

#endif
