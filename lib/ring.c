#include "lib/ring.h"

void ring_init(struct ring *r, char *buf, size_t size)
{
	r->buf = buf;
	r->size = size;
	r->head = 0;
}

void ring_put(struct ring *r, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		r->buf[(r->head + i) % r->size] = data[i];
	r->head += len;
}

size_t ring_tail(const struct ring *r, char *out, size_t len)
{
	uint64_t kept = r->head < r->size ? r->head : r->size;
	uint64_t n = len < kept ? len : kept;
	uint64_t start = r->head - n;

	for (uint64_t i = 0; i < n; i++)
		out[i] = r->buf[(start + i) % r->size];
	return (size_t)n;
}
