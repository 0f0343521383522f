#include <stdarg.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/toml.h"
#include "tests/unit/check.h"

/* Everything the parser reports, one event per line, so that a test can
 * compare the whole story with one CHECK_STR. */
struct rec {
	char buf[8192];
	size_t len;
	int stop_at_key; /* return -ERR_BUSY from the n-th keyval (1-based) */
	int nkeys;
};

static void add(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct rec *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->len, sizeof(r->buf) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += (size_t)n;
	if (r->len >= sizeof(r->buf))
		r->len = sizeof(r->buf) - 1;
}

static void add_table(struct rec *r, const struct toml_table *t)
{
	for (unsigned i = 0; i < t->nseg; i++)
		add(r, "%s%.*s", i ? "." : "", (int)t->seg[i].len, t->seg[i].ptr);
}

static void add_value(struct rec *r, const struct toml_value *v)
{
	char s[256];
	struct toml_iter it;
	struct toml_value e;
	int first = 1;

	switch (v->type) {
	case TOML_STRING:
		toml_str_decode(v, s, sizeof(s));
		add(r, "\"%s\"", s);
		break;
	case TOML_INT:
		add(r, "%lld", (long long)v->i);
		break;
	case TOML_BOOL:
		add(r, "%s", v->b ? "true" : "false");
		break;
	case TOML_ARRAY:
		add(r, "[");
		toml_array_iter(v, &it);
		while (toml_array_next(&it, &e)) {
			add(r, "%s", first ? "" : ",");
			add_value(r, &e);
			add(r, "@%u:%u", e.line, e.col);
			first = 0;
		}
		add(r, "]");
		break;
	default:
		add(r, "?");
		break;
	}
}

static int on_table(void *ctx, const struct toml_table *t)
{
	struct rec *r = ctx;

	add(r, "[");
	add_table(r, t);
	add(r, "]@%u:%u\n", t->line, t->col);
	return 0;
}

static int on_keyval(void *ctx, const struct toml_table *t, const struct toml_key *k,
		     const struct toml_value *v)
{
	struct rec *r = ctx;

	add_table(r, t);
	add(r, ".%.*s@%u:%u = ", (int)k->name.len, k->name.ptr, k->line, k->col);
	add_value(r, v);
	add(r, "@%u:%u\n", v->line, v->col);
	if (++r->nkeys == r->stop_at_key)
		return -ERR_BUSY;
	return 0;
}

static void on_error(void *ctx, unsigned line, unsigned col, const char *msg)
{
	add(ctx, "E %u:%u %s\n", line, col, msg);
}

static const struct toml_handler handler = {on_table, on_keyval, on_error};

static struct rec rec;

/* Parses text and returns the recorded events; *rc gets toml_parse's result. */
static const char *parse(const char *text, int *rc)
{
	memset(&rec, 0, sizeof(rec));
	*rc = toml_parse(text, strlen(text), &handler, &rec);
	return rec.buf;
}

static void test_values(void)
{
	int rc;
	const char *out = parse("# leading comment\n"
				"top = 1\n"
				"\n"
				"  [argon]   # trailing comment\n"
				"s = \"hi there\"\n"
				"esc = \"a\\\"b\\\\c\\nd\\te\" # comment\n"
				"empty = \"\"\n"
				"hash = \"not # a comment\"\n"
				"dec = 1_000_000\n"
				"neg = -42\n"
				"pos = +7\n"
				"zero = 0\n"
				"hex = 0xdead_BEEF\n"
				"t = true\n"
				"f=false\n"
				"[ guest . web-1 ]\n"
				"\tkey_2\t=\t3\t\n",
				&rc);

	CHECK_EQ(rc, 0);
	CHECK_STR(out, ".top@2:1 = 1@2:7\n"
		       "[argon]@4:3\n"
		       "argon.s@5:1 = \"hi there\"@5:5\n"
		       "argon.esc@6:1 = \"a\"b\\c\nd\te\"@6:7\n"
		       "argon.empty@7:1 = \"\"@7:9\n"
		       "argon.hash@8:1 = \"not # a comment\"@8:8\n"
		       "argon.dec@9:1 = 1000000@9:7\n"
		       "argon.neg@10:1 = -42@10:7\n"
		       "argon.pos@11:1 = 7@11:7\n"
		       "argon.zero@12:1 = 0@12:8\n"
		       "argon.hex@13:1 = 3735928559@13:7\n"
		       "argon.t@14:1 = true@14:5\n"
		       "argon.f@15:1 = false@15:3\n"
		       "[guest.web-1]@16:1\n"
		       "guest.web-1.key_2@17:2 = 3@17:10\n");
}

static void test_int_limits(void)
{
	int rc;

	CHECK_STR(parse("a = 9223372036854775807\n"
			"b = -9223372036854775808\n"
			"c = 0x7fffffffffffffff\n"
			"d = -0\n",
			&rc),
		  ".a@1:1 = 9223372036854775807@1:5\n"
		  ".b@2:1 = -9223372036854775808@2:5\n"
		  ".c@3:1 = 9223372036854775807@3:5\n"
		  ".d@4:1 = 0@4:5\n");
	CHECK_EQ(rc, 0);
	CHECK_STR(parse("a = 9223372036854775808\n"
			"b = -9223372036854775809\n"
			"c = 0x8000000000000000\n",
			&rc),
		  "E 1:5 integer '9223372036854775808' out of range\n"
		  "E 2:5 integer '-9223372036854775809' out of range\n"
		  "E 3:5 integer '0x8000000000000000' out of range\n");
	CHECK_EQ(rc, -ERR_INVAL);
}

static void test_bad_ints(void)
{
	int rc;

	CHECK_STR(parse("a = 12X\n"
			"b = 012\n"
			"c = 1__0\n"
			"d = _1\n"
			"e = 1_\n"
			"f = 1.5\n"
			"g = 0xg\n"
			"h = -0x10\n"
			"i = 0X10\n"
			"j = +\n"
			"k = 0x\n",
			&rc),
		  "E 1:5 invalid integer '12X'\n"
		  "E 2:5 leading zeros are not allowed ('012')\n"
		  "E 3:5 invalid integer '1__0'\n"
		  "E 4:5 expected a value, found '_'\n"
		  "E 5:5 invalid integer '1_'\n"
		  "E 6:5 floats are not supported ('1.5')\n"
		  "E 7:5 invalid integer '0xg'\n"
		  "E 8:5 invalid integer '-0x10'\n"
		  "E 9:5 invalid integer '0X10'\n"
		  "E 10:5 invalid integer '+'\n"
		  "E 11:5 invalid integer '0x'\n");
	CHECK_EQ(rc, -ERR_INVAL);
}

static void test_arrays(void)
{
	int rc;

	CHECK_STR(parse("a = []\n"
			"b = [ 1, 0x10, -3 ]\n"
			"c = [\n"
			"  \"x\",  # first\n"
			"  # a whole comment line\n"
			"\n"
			"  \"y,]\",\n"
			"]\n"
			"d = [1,2,]   # trailing comma\n"
			"e = [\r\n"
			"\t5\r\n"
			"]\r\n",
			&rc),
		  ".a@1:1 = []@1:5\n"
		  ".b@2:1 = [1@2:7,16@2:10,-3@2:16]@2:5\n"
		  ".c@3:1 = [\"x\"@4:3,\"y,]\"@7:3]@3:5\n"
		  ".d@9:1 = [1@9:6,2@9:8]@9:5\n"
		  ".e@10:1 = [5@11:2]@10:5\n");
	CHECK_EQ(rc, 0);
}

static void test_array_value(void)
{
	const char *text = "cpus = [ 4 , 5,\n 6 ]\n";
	struct toml_value v = {0};
	int rc;

	/* The value handed out carries its span and count. */
	parse(text, &rc);
	CHECK_EQ(rc, 0);
	CHECK_STR(rec.buf, ".cpus@1:1 = [4@1:10,5@1:14,6@2:2]@1:8\n");

	/* An iterator over a non-array yields nothing. */
	struct toml_iter it;
	struct toml_value e;

	v.type = TOML_INT;
	toml_array_iter(&v, &it);
	CHECK(!toml_array_next(&it, &e));
}

static void test_strings(void)
{
	struct toml_value v = {.type = TOML_STRING};
	char buf[4];

	v.str.raw = "ab\\ncd";
	v.str.raw_len = 6;
	v.str.len = 5;
	CHECK_EQ(toml_str_decode(&v, buf, sizeof(buf)), 5);
	CHECK_STR(buf, "ab\n");
	CHECK(toml_str_eq(&v, "ab\ncd"));
	CHECK(!toml_str_eq(&v, "ab\ncde"));
	CHECK(!toml_str_eq(&v, "ab\nc"));
	CHECK(!toml_str_eq(&v, "ab\\ncd"));
	v.type = TOML_INT;
	CHECK(!toml_str_eq(&v, ""));
	CHECK_EQ(toml_str_decode(&v, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "");

	struct toml_slice s = {"guest", 5};

	CHECK(toml_slice_eq(s, "guest"));
	CHECK(!toml_slice_eq(s, "gues"));
	CHECK(!toml_slice_eq(s, "guests"));
}

static void test_string_errors(void)
{
	int rc;

	CHECK_STR(parse("a = \"abc\n"
			"b = \"x\\q\"\n"
			"c = \"tab\tok\"\n"
			"d = \"bell\x07\"\n"
			"e = \"\"\"multi\"\"\"\n"
			"f = 'lit'\n"
			"g = \"end\\\n"
			"h = \"ok\"\n",
			&rc),
		  "E 1:5 unterminated string\n"
		  "E 2:7 bad escape '\\q' in string (use \\\" \\\\ \\n \\t)\n"
		  ".c@3:1 = \"tab\tok\"@3:5\n"
		  "E 4:10 control character (byte 0x07) in string\n"
		  "E 5:5 multi-line strings are not supported\n"
		  "E 6:5 literal strings ('...') are not supported, use \"...\"\n"
		  "E 7:9 bad escape in string (use \\\" \\\\ \\n \\t)\n"
		  ".h@8:1 = \"ok\"@8:5\n");
	CHECK_EQ(rc, -ERR_INVAL);
}

static void test_syntax_errors(void)
{
	int rc;

	CHECK_STR(parse("kernel \"a\"\n"
			"memory\n"
			"= 5\n"
			"a.b = 1\n"
			"\"q\" = 1\n"
			"x = \n"
			"y = # nothing\n"
			"z = info\n"
			"w = 1 2\n"
			"v = \"s\" x\n"
			"u = { a = 1 }\n"
			"t = [1] ,\n"
			"ok = 1\n",
			&rc),
		  "E 1:8 expected '=' after key 'kernel', found '\"'\n"
		  "E 2:7 expected '=' after key 'memory', found end of line\n"
		  "E 3:1 expected a key or [table], found '='\n"
		  "E 4:2 dotted keys are not supported\n"
		  "E 5:1 quoted keys are not supported\n"
		  "E 6:5 expected a value after '=', found end of line\n"
		  "E 7:5 expected a value after '=', found a comment\n"
		  "E 8:5 expected a value, found 'info' (strings need double quotes)\n"
		  "E 9:7 unexpected '2' after value\n"
		  "E 10:9 unexpected 'x' after value\n"
		  "E 11:5 inline tables are not supported\n"
		  "E 12:9 unexpected ',' after value\n"
		  ".ok@13:1 = 1@13:6\n");
	CHECK_EQ(rc, -ERR_INVAL);

	/* The last line has no newline; the error is at the end of the file. */
	CHECK_STR(parse("a = 1\nb =", &rc),
		  ".a@1:1 = 1@1:5\nE 2:4 expected a value after '=', found end of file\n");
	CHECK_STR(parse("a = 1\x01\n", &rc), "E 1:6 unexpected byte 0x01 after value\n");
}

static void test_header_errors(void)
{
	int rc;

	CHECK_STR(parse("[]\n"
			"k1 = 1\n"
			"[guest.]\n"
			"[.guest]\n"
			"[guest web]\n"
			"[guest\n"
			"[[guest]]\n"
			"[\"guest\"]\n"
			"[a.b.c.d.e]\n"
			"[gu$st]\n"
			"[argon] x\n"
			"k2 = 2\n"
			"[a.b.c.d]\n"
			"k3 = 3\n",
			&rc),
		  "E 1:2 expected a table name, found ']'\n"
		  "E 3:8 expected a table name, found ']'\n"
		  "E 4:2 expected a table name, found '.'\n"
		  "E 5:8 expected '.' or ']' in table header, found 'w'\n"
		  "E 6:7 expected '.' or ']' in table header, found end of line\n"
		  "E 7:1 arrays of tables ([[...]]) are not supported\n"
		  "E 8:2 quoted table names are not supported\n"
		  "E 9:10 table name has more than 4 parts\n"
		  "E 10:4 expected '.' or ']' in table header, found '$'\n"
		  "E 11:9 unexpected 'x' after table header\n"
		  "[a.b.c.d]@13:1\n"
		  "a.b.c.d.k3@14:1 = 3@14:6\n");
	CHECK_EQ(rc, -ERR_INVAL);
}

static void test_duplicates(void)
{
	int rc;

	CHECK_STR(parse("a = 1\n"
			"a = 2\n"
			"[guest.web]\n"
			"memory = 1\n"
			"cpus = [0]\n"
			"memory = 2\n"
			"[guest.db]\n"
			"memory = 3\n"
			"[guest . web]\n"
			"memory = 4\n"
			"memory = 5\n"
			"[guest]\n",
			&rc),
		  ".a@1:1 = 1@1:5\n"
		  "E 2:1 duplicate key 'a' (first at line 1)\n"
		  "[guest.web]@3:1\n"
		  "guest.web.memory@4:1 = 1@4:10\n"
		  "guest.web.cpus@5:1 = [0@5:9]@5:8\n"
		  "E 6:1 duplicate key 'memory' in [guest.web] (first at line 4)\n"
		  "[guest.db]@7:1\n"
		  "guest.db.memory@8:1 = 3@8:10\n"
		  "E 9:1 duplicate table [guest.web] (first at line 3)\n"
		  "E 11:1 duplicate key 'memory' (first at line 10)\n"
		  "[guest]@12:1\n");
	CHECK_EQ(rc, -ERR_INVAL);
}

static void test_array_errors(void)
{
	int rc;

	CHECK_STR(parse("a = [1, \"x\"]\n"
			"b = [true]\n"
			"c = [[1]]\n"
			"d = [1 2]\n"
			"e = [1,\n"
			"     2x, 3,\n"
			"     4]\n"
			"f = [1, 2\n"
			"g = 7\n"
			"h = [\n"
			"  \"unterminated,\n"
			"  \"ok\" ]\n"
			"i = [1, , 2]\n"
			"j = [\"]\" 1] # ]\n"
			"k = 8\n"
			"l = [1,\n",
			&rc),
		  "E 1:9 mixed types in array (all elements must be integers)\n"
		  "E 2:6 arrays may only hold integers or strings\n"
		  "E 3:6 nested arrays are not supported\n"
		  "E 4:8 expected ',' or ']' in array, found '2'\n"
		  "E 6:6 invalid integer '2x'\n"
		  "E 8:5 unterminated array (missing ']')\n"
		  ".g@9:1 = 7@9:5\n"
		  "E 11:3 unterminated string\n"
		  "E 13:9 expected a value, found ','\n"
		  "E 14:10 expected ',' or ']' in array, found '1'\n"
		  ".k@15:1 = 8@15:5\n"
		  "E 16:5 unterminated array (missing ']')\n");
	CHECK_EQ(rc, -ERR_INVAL);
}

/* Several mistakes in one realistic file: each on its own line, and the
 * good lines between them still arrive. */
static void test_all_errors_reported(void)
{
	int rc;

	CHECK_STR(parse("[argon]\n"
			"log = \"info\n"
			"on_idle = \"halt\"\n"
			"\n"
			"[guest.web]\n"
			"kernel = \"k.elf\"\n"
			"memory 64M\n"
			"cpus = [0,\n"
			"        1x]\n"
			"on_exit = \"stop\" extra\n"
			"cmdline = \"console=ttyS0\"\n",
			&rc),
		  "[argon]@1:1\n"
		  "E 2:7 unterminated string\n"
		  "argon.on_idle@3:1 = \"halt\"@3:11\n"
		  "[guest.web]@5:1\n"
		  "guest.web.kernel@6:1 = \"k.elf\"@6:10\n"
		  "E 7:8 expected '=' after key 'memory', found '6'\n"
		  "E 9:9 invalid integer '1x'\n"
		  "E 10:18 unexpected 'e' after value\n"
		  "guest.web.cmdline@11:1 = \"console=ttyS0\"@11:11\n");
	CHECK_EQ(rc, -ERR_INVAL);
}

static void test_line_ends(void)
{
	int rc;

	/* CRLF files, a UTF-8 byte order mark, and a stray CR. */
	CHECK_STR(parse("\xef\xbb\xbf[argon]\r\na = \"x\"\r\n\r\nb = 1\rc = 2\r\n", &rc),
		  "[argon]@1:1\n"
		  "argon.a@2:1 = \"x\"@2:5\n"
		  "E 4:6 unexpected byte 0x0d after value\n");
	CHECK_EQ(rc, -ERR_INVAL);
	CHECK_STR(parse("", &rc), "");
	CHECK_EQ(rc, 0);
	CHECK_STR(parse("\n\n# only comments\n   \n", &rc), "");
	CHECK_EQ(rc, 0);
}

static void test_callback_stops(void)
{
	int rc;

	memset(&rec, 0, sizeof(rec));
	rec.stop_at_key = 2;
	rc = toml_parse("a = 1\nb = 2\nc = 3\n", 18, &handler, &rec);
	CHECK_EQ(rc, -ERR_BUSY);
	CHECK_STR(rec.buf, ".a@1:1 = 1@1:5\n.b@2:1 = 2@2:5\n");

	/* A handler without callbacks just validates. */
	struct toml_handler none = {0};

	CHECK_EQ(toml_parse("a = 1\n", 6, &none, NULL), 0);
	CHECK_EQ(toml_parse("a = \n", 5, &none, NULL), -ERR_INVAL);
}

static void test_limits(void)
{
	static char text[8192];
	size_t n = 0;
	int rc;

	/* Tables and keys beyond the fixed bounds are reported, not dropped. */
	for (int i = 0; i < TOML_MAX_TABLES + 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[t%d]\n", i);
	memset(&rec, 0, sizeof(rec));
	rc = toml_parse(text, n, &handler, &rec);
	CHECK_EQ(rc, -ERR_INVAL);
	CHECK(strstr(rec.buf, "E 65:1 too many tables (max 64)\n") != NULL);

	n = 0;
	for (int i = 0; i < TOML_MAX_KEYS + 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "k%d = %d\n", i, i);
	memset(&rec, 0, sizeof(rec));
	rc = toml_parse(text, n, &handler, &rec);
	CHECK_EQ(rc, -ERR_INVAL);
	CHECK(strstr(rec.buf, "E 65:1 too many keys in one table (max 64)\n") != NULL);

	/* The length bounds the parse: nothing past it is read. */
	CHECK_STR(parse("", &rc), "");
	memset(&rec, 0, sizeof(rec));
	CHECK_EQ(toml_parse("a = \"xyz\"", 7, &handler, &rec), -ERR_INVAL);
	CHECK_STR(rec.buf, "E 1:5 unterminated string\n");
}

CHECK_MAIN(test_values, test_int_limits, test_bad_ints, test_arrays, test_array_value, test_strings,
	   test_string_errors, test_syntax_errors, test_header_errors, test_duplicates,
	   test_array_errors, test_all_errors_reported, test_line_ends, test_callback_stops,
	   test_limits)
