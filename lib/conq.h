/* A console queue: bytes from one writer (a guest's UART, argon's log) to
 * one reader (the console pump), in order. The writer never waits: what does
 * not fit is dropped and counted, and the reader reports the count. Writer
 * and reader may run on different cores at once without a lock; several
 * writers (argon's log from any core) must hold a lock of their own. */
#ifndef ARGON_LIB_CONQ_H
#define ARGON_LIB_CONQ_H

#include <stddef.h>
#include <stdint.h>

struct conq {
	char *buf;
	uint64_t size;	  /* a power of two */
	uint64_t head;	  /* bytes written in all (the writer's) */
	uint64_t tail;	  /* bytes read in all (the reader's) */
	uint64_t dropped; /* bytes dropped and not yet reported */
	uint64_t drop_at; /* where in the stream the first of them fell */
};

/* size must be a power of two. */
void conq_init(struct conq *q, char *buf, uint64_t size);
/* Queues what fits of data; returns how many bytes were queued. The rest
 * is counted as dropped. */
size_t conq_put(struct conq *q, const char *data, size_t len);
/* Counts len bytes the writer had to drop before queueing them. */
void conq_drop(struct conq *q, size_t len);
size_t conq_used(const struct conq *q);
size_t conq_room(const struct conq *q);
/* Copies up to len of the oldest queued bytes to out without taking them;
 * returns how many. */
size_t conq_peek(const struct conq *q, char *out, size_t len);
/* Takes n bytes (at most what is queued) off the front. */
void conq_take(struct conq *q, size_t n);
/* Bytes dropped and not yet reported; *at is the stream position (a head
 * value) where the first of them fell, so that the reader can report them
 * after the bytes that came before. */
uint64_t conq_dropped(const struct conq *q, uint64_t *at);
/* Marks the dropped bytes as reported. */
void conq_clear_dropped(struct conq *q, uint64_t count);

#endif
