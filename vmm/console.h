/* The physical console: COM1, 16550, 115200 8N1, shared by argon's log and
 * every guest's virtual UART.
 *
 * Writers put bytes into queues of their own (lib/conq.h) and never wait
 * for the UART or for each other; lib/conmux.c turns the queues into whole
 * "[name] line" lines. The bytes move to the UART on the console CPU, a CPU
 * that no guest uses (argon takes the first free one), which also reads
 * what is typed and passes it to the guest that has the input focus. When
 * every CPU runs a guest there is no console CPU: output then moves when a
 * guest touches its UART or argon logs, and there is no input.
 * docs/console.md has the whole story. */
#ifndef ARGON_VMM_CONSOLE_H
#define ARGON_VMM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/config.h"
#include "lib/conq.h"

#define CONSOLE_MAX_SOURCES (ARGON_MAX_GUESTS + 1) /* argon's log and a guest each */
#define CONSOLE_TICK_VECTOR 0xEF
#define CONSOLE_SPURIOUS_VECTOR 0xFF

/* Bytes typed for a guest: returns how many it took (the rest is kept). */
typedef size_t (*console_input_fn)(void *ctx, const char *data, size_t len);

void console_init(void);
/* Writes straight to the UART, waiting for it: only for panics. */
void console_write(const char *s, size_t len);
/* Argon's own log: a whole line or lines. */
void console_log(const char *s, size_t len);
/* A writer (a guest's UART queue) whose lines get the prefix "[name] ";
 * input, if not NULL, takes what is typed while the writer has the focus.
 * Returns the source's number, negative if there is no room. */
int console_add_source(struct conq *q, const char *name, console_input_fn input, void *ctx);
/* The writer has stopped: its partial line goes out, and the call returns
 * when all it wrote has reached the UART. A later write reopens it. */
void console_flush_source(int src);
/* The writer no longer takes input (its guest stopped for good). */
void console_end_input(int src);
/* Returns once q has room for len bytes, moving console output meanwhile:
 * a writer waits only when its own queue is full. */
void console_make_room(struct conq *q, size_t len);
/* Moves what the UART takes now without waiting; for writers when there is
 * no console CPU. */
void console_kick(void);
/* Everything queued goes out, waiting for the UART, and argon's own lines
 * from then on go out before console_log returns: before power-off. */
void console_drain(void);
/* The console CPU's loop: moves output, reads input, halts between timer
 * ticks. Returns when done() says so (done may be NULL: never). */
void console_serve(bool (*done)(void));
/* Work the console CPU also does, once per tick of console_serve: argon's
 * slow device work that no guest's exit path should wait for. Set before
 * the console CPU starts serving. */
void console_set_work(void (*work)(void));

#endif
