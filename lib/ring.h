/* A byte ring that keeps the newest bytes: a guest's console history. */
#ifndef ARGON_LIB_RING_H
#define ARGON_LIB_RING_H

#include <stddef.h>
#include <stdint.h>

struct ring {
	char *buf;
	size_t size;   /* capacity in bytes */
	uint64_t head; /* bytes written in all; the newest is at (head - 1) % size */
};

void ring_init(struct ring *r, char *buf, size_t size);
void ring_put(struct ring *r, const char *data, size_t len);
/* Copies the newest min(len, what is kept) bytes into out, oldest first;
 * returns how many. */
size_t ring_tail(const struct ring *r, char *out, size_t len);

#endif
