#include "lib/conq.h"

void conq_init(struct conq *q, char *buf, uint64_t size)
{
	q->buf = buf;
	q->size = size;
	q->head = 0;
	q->tail = 0;
	q->dropped = 0;
	q->drop_at = 0;
}

size_t conq_used(const struct conq *q)
{
	uint64_t head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
	uint64_t tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);

	return (size_t)(head - tail);
}

size_t conq_room(const struct conq *q)
{
	return (size_t)(q->size - conq_used(q));
}

void conq_drop(struct conq *q, size_t len)
{
	if (!len)
		return;
	if (!__atomic_load_n(&q->dropped, __ATOMIC_ACQUIRE))
		q->drop_at = q->head;
	__atomic_fetch_add(&q->dropped, len, __ATOMIC_RELEASE);
}

size_t conq_put(struct conq *q, const char *data, size_t len)
{
	size_t room = conq_room(q), n = len < room ? len : room;
	uint64_t head = q->head;

	for (size_t i = 0; i < n; i++)
		q->buf[(head + i) & (q->size - 1)] = data[i];
	/* The bytes are in place before the reader can see them. */
	__atomic_store_n(&q->head, head + n, __ATOMIC_RELEASE);
	conq_drop(q, len - n);
	return n;
}

size_t conq_peek(const struct conq *q, char *out, size_t len)
{
	size_t used = conq_used(q), n = len < used ? len : used;
	uint64_t tail = q->tail;

	for (size_t i = 0; i < n; i++)
		out[i] = q->buf[(tail + i) & (q->size - 1)];
	return n;
}

void conq_take(struct conq *q, size_t n)
{
	size_t used = conq_used(q);

	/* The writer may reuse the space once the new tail is visible. */
	__atomic_store_n(&q->tail, q->tail + (n < used ? n : used), __ATOMIC_RELEASE);
}

uint64_t conq_dropped(const struct conq *q, uint64_t *at)
{
	uint64_t n = __atomic_load_n(&q->dropped, __ATOMIC_ACQUIRE);

	*at = q->drop_at;
	return n;
}

void conq_clear_dropped(struct conq *q, uint64_t count)
{
	__atomic_fetch_sub(&q->dropped, count, __ATOMIC_RELEASE);
}
