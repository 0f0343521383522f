#include "lib/conmux.h"

#include "lib/fmt.h"
#include "lib/string.h"

void conmux_init(struct conmux *m, struct conmux_src *src, unsigned count)
{
	m->src = src;
	m->count = count;
	m->next = 0;
	m->open = -1;
}

/* Appends what fits of text to out (the console line) without the CRs a
 * guest's terminal handling puts in: the console adds its own. */
static size_t put_text(char *out, size_t pos, size_t cap, const char *text, size_t len)
{
	for (size_t i = 0; i < len && pos < cap; i++)
		if (text[i] != '\r')
			out[pos++] = text[i];
	return pos;
}

/* Starts output for source i: closes another source's open line, and
 * writes i's prefix unless its own line is the open one. */
static size_t begin(struct conmux *m, unsigned i, char *out, size_t cap)
{
	size_t pos = 0;

	if (m->open == (int)i)
		return 0;
	if (m->open >= 0)
		pos = put_text(out, pos, cap, "\n", 1);
	return put_text(out, pos, cap, m->src[i].prefix, strlen(m->src[i].prefix));
}

/* What source i has ready, written to out; 0 if nothing. */
static size_t next_from(struct conmux *m, unsigned i, uint64_t now, uint64_t age, char *out,
			size_t cap)
{
	struct conmux_src *s = &m->src[i];
	char text[CONMUX_LINE_MAX + 1];
	uint64_t drop_at, dropped = conq_dropped(s->q, &drop_at);
	uint64_t head = __atomic_load_n(&s->q->head, __ATOMIC_ACQUIRE);
	size_t want = sizeof(text), n, len, pos;
	bool newline = false, ready;

	if (head != s->seen_head) {
		s->seen_head = head;
		s->seen_at = now;
	}
	/* Bytes queued before a drop go out before its report. */
	if (dropped && drop_at - s->q->tail < want)
		want = (size_t)(drop_at - s->q->tail);
	n = conq_peek(s->q, text, want);
	for (len = 0; len < n && !newline; len++)
		newline = text[len] == '\n';
	if (newline)
		len--;
	ready = newline || len >= CONMUX_LINE_MAX || (dropped && n == want) || s->flush ||
		now - s->seen_at >= age;
	if (dropped && n == 0) {
		pos = begin(m, i, out, cap);
		pos += fmt_snprintf(out + pos, cap - pos, "... %llu bytes dropped\n",
				    (unsigned long long)dropped);
		conq_clear_dropped(s->q, dropped);
		m->open = -1;
		return pos;
	}
	if (!n || !ready)
		return 0;
	if (len > CONMUX_LINE_MAX)
		len = CONMUX_LINE_MAX;
	pos = begin(m, i, out, cap);
	pos = put_text(out, pos, cap, text, len);
	conq_take(s->q, len + newline);
	/* A whole line, a cut one or a stopped writer's last ends here; a
	 * partial one stays open. */
	if (newline || len == CONMUX_LINE_MAX || (dropped && n == want) || s->flush) {
		pos = put_text(out, pos, cap, "\n", 1);
		m->open = -1;
	} else {
		m->open = (int)i;
	}
	return pos;
}

size_t conmux_next(struct conmux *m, uint64_t now, uint64_t partial_age, char *out, size_t cap)
{
	size_t len;

	/* The open line's writer goes first, so that its line is finished
	 * before another one closes it. */
	if (m->open >= 0) {
		len = next_from(m, (unsigned)m->open, now, partial_age, out, cap);
		if (len)
			return len;
	}
	for (unsigned k = 0; k < m->count; k++) {
		unsigned i = (m->next + k) % m->count;

		if ((int)i == m->open || !m->src[i].q)
			continue;
		len = next_from(m, i, now, partial_age, out, cap);
		if (len) {
			m->next = (i + 1) % m->count;
			return len;
		}
	}
	return 0;
}
