/* At most `burst` events logged per window: for warnings a guest can
 * cause as often as it likes. */
#ifndef ARGON_LIB_RATELIMIT_H
#define ARGON_LIB_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit {
	uint64_t start_us; /* the current window's start */
	unsigned logged;   /* events logged in it */
	uint64_t dropped;  /* events not logged since the last report of them */
	bool started;
};

/* Whether the event at now_us may be logged. When a new window opens,
 * *dropped_before gets how many were not logged in the earlier ones (to
 * say so once), else 0. */
static inline bool ratelimit_ok(struct ratelimit *r, uint64_t now_us, unsigned burst,
				uint64_t window_us, uint64_t *dropped_before)
{
	*dropped_before = 0;
	if (!r->started || now_us - r->start_us >= window_us) {
		*dropped_before = r->dropped;
		r->dropped = 0;
		r->start_us = now_us;
		r->logged = 0;
		r->started = true;
	}
	if (r->logged < burst) {
		r->logged++;
		return true;
	}
	r->dropped++;
	return false;
}

#endif
