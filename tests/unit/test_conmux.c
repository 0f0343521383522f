#include "lib/conmux.h"
#include "tests/unit/check.h"

/* Runs the mux until it has nothing ready, collecting what it wrote. */
static const char *drain(struct conmux *m, uint64_t now, uint64_t age)
{
	static char all[8192];
	char out[CONMUX_OUT_MAX];
	size_t len, pos = 0;

	while ((len = conmux_next(m, now, age, out, sizeof(out))) > 0) {
		CHECK(len <= sizeof(out));
		memcpy(all + pos, out, len);
		pos += len;
	}
	all[pos] = 0;
	return all;
}

static void test_queue_drops_and_counts(void)
{
	char store[8], out[16];
	struct conq q;
	uint64_t at;

	conq_init(&q, store, sizeof(store));
	CHECK_EQ(conq_put(&q, "abcdef", 6), 6);
	CHECK_EQ(conq_put(&q, "ghijk", 5), 2); /* 3 dropped after "gh" */
	CHECK_EQ(conq_dropped(&q, &at), 3);
	CHECK_EQ(at, 8);
	CHECK_EQ(conq_peek(&q, out, sizeof(out)), 8);
	CHECK(!memcmp(out, "abcdefgh", 8));
	conq_take(&q, 5);
	CHECK_EQ(conq_room(&q), 5);
	CHECK_EQ(conq_put(&q, "12345", 5), 5); /* wraps */
	CHECK_EQ(conq_peek(&q, out, sizeof(out)), 8);
	CHECK(!memcmp(out, "fgh12345", 8));
	conq_take(&q, 100); /* at most what is there */
	CHECK_EQ(conq_used(&q), 0);
	conq_clear_dropped(&q, 3);
	CHECK_EQ(conq_dropped(&q, &at), 0);
}

static void test_lines_are_prefixed_and_whole(void)
{
	char ba[64], bb[64];
	struct conq a, b;
	struct conmux_src src[2] = {{.q = &a, .prefix = "[a] "}, {.q = &b, .prefix = "[b] "}};
	struct conmux m;

	conq_init(&a, ba, sizeof(ba));
	conq_init(&b, bb, sizeof(bb));
	conmux_init(&m, src, 2);
	conq_put(&a, "one\r\ntw", 7);
	conq_put(&b, "x\n", 2);
	/* a's "tw" is young: only whole lines go out, each writer's whole. */
	CHECK_STR(drain(&m, 0, 10), "[a] one\n[b] x\n");
	conq_put(&a, "o\n", 2);
	CHECK_STR(drain(&m, 1, 10), "[a] two\n");
	CHECK_STR(drain(&m, 2, 10), "");
}

static void test_partial_line_stays_open(void)
{
	char ba[64], bb[64];
	struct conq a, b;
	struct conmux_src src[2] = {{.q = &a, .prefix = "[a] "}, {.q = &b, .prefix = "[b] "}};
	struct conmux m;

	conq_init(&a, ba, sizeof(ba));
	conq_init(&b, bb, sizeof(bb));
	conmux_init(&m, src, 2);
	conq_put(&a, "# ", 2);			 /* a prompt */
	CHECK_STR(drain(&m, 100, 50), "");	 /* first seen now */
	CHECK_STR(drain(&m, 149, 50), "");	 /* still young */
	CHECK_STR(drain(&m, 150, 50), "[a] # "); /* aged: out, line open */
	conq_put(&a, "l", 1);			 /* typed characters continue it */
	CHECK_STR(drain(&m, 200, 50), "");
	CHECK_STR(drain(&m, 250, 50), "l");
	conq_put(&a, "s\n", 2);
	CHECK_STR(drain(&m, 251, 50), "s\n");
	/* Another writer closes an open line; the rest gets a new prefix. */
	conq_put(&a, "# ", 2);
	drain(&m, 300, 50);
	CHECK_STR(drain(&m, 350, 50), "[a] # ");
	conq_put(&b, "boot\n", 5);
	CHECK_STR(drain(&m, 351, 50), "\n[b] boot\n");
	conq_put(&a, "x\n", 2);
	CHECK_STR(drain(&m, 352, 50), "[a] x\n");
}

static void test_long_lines_are_cut(void)
{
	static char store[2048];
	char line[CONMUX_LINE_MAX + 10], want[CONMUX_LINE_MAX + 40];
	struct conq a;
	struct conmux_src src[1] = {{.q = &a, .prefix = "[a] "}};
	struct conmux m;

	conq_init(&a, store, sizeof(store));
	conmux_init(&m, src, 1);
	memset(line, 'x', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	conq_put(&a, line, sizeof(line));
	snprintf(want, sizeof(want), "[a] %.*s\n[a] xxxxxxxxx\n", CONMUX_LINE_MAX, line);
	CHECK_STR(drain(&m, 0, 1000), want);
}

static void test_drops_reported_in_place(void)
{
	char ba[8];
	struct conq a;
	struct conmux_src src[1] = {{.q = &a, .prefix = "[a] "}};
	struct conmux m;

	conq_init(&a, ba, sizeof(ba));
	conmux_init(&m, src, 1);
	conq_put(&a, "abc\ndefgh", 9); /* "h" dropped after "abc\ndefg" */
	conq_put(&a, "ij", 2);	       /* and these */
	CHECK_STR(drain(&m, 0, 1000), "[a] abc\n[a] defg\n[a] ... 3 bytes dropped\n");
	conq_put(&a, "k\n", 2);
	CHECK_STR(drain(&m, 1, 1000), "[a] k\n");
}

static void test_flush_sends_partial_at_once(void)
{
	char ba[16];
	struct conq a;
	struct conmux_src src[1] = {{.q = &a, .prefix = "[a] "}};
	struct conmux m;

	conq_init(&a, ba, sizeof(ba));
	conmux_init(&m, src, 1);
	conq_put(&a, "bye", 3);
	CHECK_STR(drain(&m, 0, 1000), "");
	src[0].flush = true;
	CHECK_STR(drain(&m, 0, 1000), "[a] bye\n");
}

CHECK_MAIN(test_queue_drops_and_counts, test_lines_are_prefixed_and_whole,
	   test_partial_line_stays_open, test_long_lines_are_cut, test_drops_reported_in_place,
	   test_flush_sends_partial_at_once)
