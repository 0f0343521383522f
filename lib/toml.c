#include "lib/toml.h"

#include <stdarg.h>

#include "lib/err.h"
#include "lib/fmt.h"
#include "lib/string.h"

/* Longest piece of input quoted back in a message. */
#define QUOTE_MAX 24

struct lexer {
	const char *p, *end, *line_start;
	unsigned line;
};

/* Scanners fill one of these and return -1: the parser reports it, the array
 * iterator (which walks text the parser already checked) drops it. */
struct scan_err {
	const char *at;
	char msg[TOML_MSG_MAX];
};

struct parser {
	struct lexer lx;
	const char *text;
	const struct toml_handler *h;
	void *ctx;
	struct scan_err e;
	struct toml_table table;
	bool deliver; /* the current table's keys go to the handler */
	int nerr;
	int stop; /* a handler's negative return */
	unsigned ntables, nkeys;
	/* Where each header and each key of the current table starts; they are
	 * scanned again to compare, which keeps this state small. */
	const char *tables[TOML_MAX_TABLES];
	const char *keys[TOML_MAX_KEYS];
};

static int fail(struct scan_err *e, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct scan_err *e, const char *at, const char *fmt, ...)
{
	va_list ap;

	e->at = at;
	va_start(ap, fmt);
	fmt_vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_bare(char c)
{
	return is_alpha(c) || is_digit(c) || c == '_' || c == '-';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Characters that make up one number or word, so that "12X" or "1.5" is
 * quoted back whole in the message. */
static bool is_token(char c)
{
	return is_bare(c) || c == '+' || c == '.';
}

static int quote_len(size_t n)
{
	return n > QUOTE_MAX ? QUOTE_MAX : (int)n;
}

static size_t bare_len(const char *p, const char *end)
{
	const char *s = p;

	while (p < end && is_bare(*p))
		p++;
	return (size_t)(p - s);
}

/* Names the byte at p for a message. */
static const char *what(const char *p, const char *end, char *buf, size_t size)
{
	if (p >= end)
		return "end of file";
	if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'))
		return "end of line";
	if (*p >= 0x20 && *p < 0x7f)
		fmt_snprintf(buf, size, "'%c'", *p);
	else
		fmt_snprintf(buf, size, "byte 0x%02x", (unsigned char)*p);
	return buf;
}

static bool at_eol(const struct lexer *lx)
{
	const char *p = lx->p;

	return p == lx->end || *p == '\n' || (*p == '\r' && p + 1 < lx->end && p[1] == '\n');
}

/* Consumes the line end at p; call only when at_eol(). */
static void next_line(struct lexer *lx)
{
	if (lx->p < lx->end && *lx->p == '\r')
		lx->p++;
	if (lx->p < lx->end && *lx->p == '\n') {
		lx->p++;
		lx->line++;
		lx->line_start = lx->p;
	}
}

static void skip_blank(struct lexer *lx)
{
	while (lx->p < lx->end && is_blank(*lx->p))
		lx->p++;
}

static void skip_to_eol(struct lexer *lx)
{
	while (!at_eol(lx))
		lx->p++;
}

/* Skips blanks, comments and line ends; says whether a line ended. */
static bool skip_space(struct lexer *lx)
{
	bool nl = false;

	for (;;) {
		skip_blank(lx);
		if (lx->p < lx->end && *lx->p == '#')
			skip_to_eol(lx);
		if (lx->p == lx->end || !at_eol(lx))
			return nl;
		next_line(lx);
		nl = true;
	}
}

static unsigned col_of(const struct lexer *lx, const char *at)
{
	return (unsigned)(at - lx->line_start) + 1;
}

/* Whether p starts a header or "key =": an array that runs into one was
 * never closed. */
static bool looks_like_statement(const struct lexer *lx)
{
	const char *p = lx->p;

	if (p < lx->end && *p == '[')
		return true;
	if (!bare_len(p, lx->end))
		return false;
	p += bare_len(p, lx->end);
	while (p < lx->end && is_blank(*p))
		p++;
	return p < lx->end && *p == '=';
}

static bool at_line_head(const struct lexer *lx)
{
	const char *p;

	for (p = lx->line_start; p < lx->p; p++)
		if (!is_blank(*p))
			return false;
	return true;
}

/* p at the opening quote. Afterwards p is past the closing quote, or at the
 * end of the line if there is none, so a caller can carry on behind it. */
static int scan_string(struct lexer *lx, struct toml_value *v, struct scan_err *e)
{
	const char *open = lx->p;
	size_t len = 0;
	int err = 0;

	if (lx->end - open >= 3 && open[1] == '"' && open[2] == '"') {
		lx->p += 3;
		return fail(e, open, "multi-line strings are not supported");
	}
	lx->p++;
	for (;;) {
		char c;

		if (at_eol(lx))
			return err ? err : fail(e, open, "unterminated string");
		c = *lx->p;
		if (c == '"')
			break;
		if (c == '\\') {
			char n = lx->p + 1 < lx->end ? lx->p[1] : '\0';

			if (n == '"' || n == '\\' || n == 'n' || n == 't') {
				lx->p += 2;
				len++;
				continue;
			}
			if (!err && n > 0x20 && n < 0x7f)
				err = fail(e, lx->p,
					   "bad escape '\\%c' in string (use \\\" \\\\ \\n \\t)",
					   n);
			else if (!err)
				err = fail(e, lx->p,
					   "bad escape in string (use \\\" \\\\ \\n \\t)");
			lx->p++;
			continue;
		}
		if (!err && (((unsigned char)c < 0x20 && c != '\t') || c == 0x7f))
			err = fail(e, lx->p, "control character (byte 0x%02x) in string",
				   (unsigned char)c);
		lx->p++;
		len++;
	}
	lx->p++;
	if (err)
		return err;
	v->type = TOML_STRING;
	v->str.raw = open + 1;
	v->str.raw_len = (size_t)(lx->p - 1 - v->str.raw);
	v->str.len = len;
	return 0;
}

static unsigned digit_val(char c)
{
	if (is_digit(c))
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (unsigned)(c - 'A' + 10);
	return 99;
}

static int scan_number(struct lexer *lx, struct toml_value *v, struct scan_err *e)
{
	const char *s = lx->p, *p, *digits;
	unsigned base = 10, ndig = 0;
	uint64_t val = 0, limit;
	bool neg = false, prev_digit = false;
	int n;

	while (lx->p < lx->end && is_token(*lx->p))
		lx->p++;
	n = quote_len((size_t)(lx->p - s));
	for (p = s; p < lx->p; p++)
		if (*p == '.')
			return fail(e, s, "floats are not supported ('%.*s')", n, s);
	p = s;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (p == s && lx->p - p > 2 && p[0] == '0' && p[1] == 'x') {
		base = 16;
		p += 2;
	}
	digits = p;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < lx->p; p++) {
		unsigned d;

		if (*p == '_') {
			/* Only between two digits, as in TOML. */
			if (!prev_digit || p + 1 == lx->p)
				return fail(e, s, "invalid integer '%.*s'", n, s);
			prev_digit = false;
			continue;
		}
		d = digit_val(*p);
		if (d >= base)
			return fail(e, s, "invalid integer '%.*s'", n, s);
		if (val > (limit - d) / base)
			return fail(e, s, "integer '%.*s' out of range", n, s);
		val = val * base + d;
		prev_digit = true;
		ndig++;
	}
	if (!ndig)
		return fail(e, s, "invalid integer '%.*s'", n, s);
	/* "010" reads as octal elsewhere; TOML forbids it, so do we. */
	if (base == 10 && ndig > 1 && *digits == '0')
		return fail(e, s, "leading zeros are not allowed ('%.*s')", n, s);
	v->type = TOML_INT;
	v->i = neg && val ? -(int64_t)(val - 1) - 1 : (int64_t)val;
	return 0;
}

static int scan_word(struct lexer *lx, struct toml_value *v, struct scan_err *e)
{
	const char *s = lx->p;
	size_t len;

	while (lx->p < lx->end && is_token(*lx->p))
		lx->p++;
	len = (size_t)(lx->p - s);
	v->type = TOML_BOOL;
	if (len == 4 && !memcmp(s, "true", 4)) {
		v->b = true;
		return 0;
	}
	if (len == 5 && !memcmp(s, "false", 5)) {
		v->b = false;
		return 0;
	}
	return fail(e, s, "expected a value, found '%.*s' (strings need double quotes)",
		    quote_len(len), s);
}

/* A string, integer or boolean at p, which is not at the end of a line. */
static int scan_scalar(struct lexer *lx, struct toml_value *v, struct scan_err *e)
{
	char c = *lx->p;
	char buf[16];

	v->line = lx->line;
	v->col = col_of(lx, lx->p);
	if (c == '"')
		return scan_string(lx, v, e);
	if (is_digit(c) || c == '+' || c == '-')
		return scan_number(lx, v, e);
	if (is_alpha(c))
		return scan_word(lx, v, e);
	if (c == '\'')
		return fail(e, lx->p, "literal strings ('...') are not supported, use \"...\"");
	if (c == '{')
		return fail(e, lx->p, "inline tables are not supported");
	return fail(e, lx->p, "expected a value, found %s", what(lx->p, lx->end, buf, sizeof(buf)));
}

/* p at '['. Checks the whole array so that handlers and the iterator only
 * ever see good ones. */
static int scan_array(struct lexer *lx, struct toml_value *v, struct scan_err *e)
{
	const char *open = lx->p;
	enum toml_type elem = TOML_NONE;
	struct toml_value el;
	size_t count = 0;
	char buf[16];

	v->line = lx->line;
	v->col = col_of(lx, lx->p);
	lx->p++;
	for (;;) {
		bool nl = skip_space(lx);

		if (lx->p == lx->end || (nl && looks_like_statement(lx)))
			return fail(e, open, "unterminated array (missing ']')");
		if (*lx->p == ']')
			break;
		if (*lx->p == '[')
			return fail(e, lx->p, "nested arrays are not supported");
		if (scan_scalar(lx, &el, e))
			return -1;
		if (el.type != TOML_INT && el.type != TOML_STRING)
			return fail(e, lx->line_start + el.col - 1,
				    "arrays may only hold integers or strings");
		if (elem != TOML_NONE && el.type != elem)
			return fail(e, lx->line_start + el.col - 1,
				    "mixed types in array (all elements must be %s)",
				    elem == TOML_INT ? "integers" : "strings");
		elem = el.type;
		count++;
		nl = skip_space(lx);
		if (lx->p == lx->end || (nl && looks_like_statement(lx)))
			return fail(e, open, "unterminated array (missing ']')");
		if (*lx->p == ',') {
			lx->p++;
			continue;
		}
		if (*lx->p == ']')
			break;
		return fail(e, lx->p, "expected ',' or ']' in array, found %s",
			    what(lx->p, lx->end, buf, sizeof(buf)));
	}
	lx->p++;
	v->type = TOML_ARRAY;
	v->arr.raw = open;
	v->arr.raw_len = (size_t)(lx->p - open);
	v->arr.count = count;
	v->arr.elem = elem;
	return 0;
}

/* Skips what is left of a broken array: past its ']' to the end of that
 * line, or up to the next line that starts a key or a table. */
static void recover_array(struct lexer *lx)
{
	bool head = at_line_head(lx);

	for (;;) {
		if (lx->p == lx->end)
			return;
		if (head && looks_like_statement(lx))
			return;
		head = false;
		if (at_eol(lx)) {
			next_line(lx);
			skip_blank(lx);
			head = true;
			continue;
		}
		switch (*lx->p) {
		case ']':
			lx->p++;
			skip_to_eol(lx);
			return;
		case '#':
			skip_to_eol(lx);
			break;
		case '"':
			/* A ']' or '#' inside a string ends nothing. */
			lx->p++;
			while (!at_eol(lx) && *lx->p != '"') {
				if (*lx->p == '\\' && lx->p + 1 < lx->end && lx->p[1] != '\n')
					lx->p++;
				lx->p++;
			}
			if (!at_eol(lx))
				lx->p++;
			break;
		default:
			lx->p++;
			break;
		}
	}
}

/* p at '['; on success *stop is just past the ']'. */
static int scan_header(const char *p, const char *end, struct toml_table *t, struct scan_err *e,
		       const char **stop)
{
	const char *q = p + 1;
	char buf[16];

	t->nseg = 0;
	if (q < end && *q == '[')
		return fail(e, p, "arrays of tables ([[...]]) are not supported");
	for (;;) {
		const char *s;

		while (q < end && is_blank(*q))
			q++;
		s = q;
		q += bare_len(q, end);
		if (q == s) {
			if (q < end && *q == '"')
				return fail(e, q, "quoted table names are not supported");
			return fail(e, q, "expected a table name, found %s",
				    what(q, end, buf, sizeof(buf)));
		}
		if (t->nseg == TOML_MAX_DEPTH)
			return fail(e, s, "table name has more than %d parts", TOML_MAX_DEPTH);
		t->seg[t->nseg].ptr = s;
		t->seg[t->nseg].len = (size_t)(q - s);
		t->nseg++;
		while (q < end && is_blank(*q))
			q++;
		if (q < end && *q == '.') {
			q++;
			continue;
		}
		if (q < end && *q == ']') {
			*stop = q + 1;
			return 0;
		}
		return fail(e, q, "expected '.' or ']' in table header, found %s",
			    what(q, end, buf, sizeof(buf)));
	}
}

static unsigned line_of(const struct parser *ps, const char *at)
{
	const char *p;
	unsigned line = 1;

	for (p = ps->text; p < at; p++)
		if (*p == '\n')
			line++;
	return line;
}

static void report(struct parser *ps)
{
	const char *at = ps->e.at;
	unsigned line, col;

	if (at >= ps->lx.line_start) {
		line = ps->lx.line;
		col = col_of(&ps->lx, at);
	} else {
		/* An array that was never closed is reported at its '[',
		 * some lines back. */
		const char *p = at;

		line = line_of(ps, at);
		while (p > ps->text && p[-1] != '\n')
			p--;
		col = (unsigned)(at - p) + 1;
	}
	ps->nerr++;
	if (ps->h->error)
		ps->h->error(ps->ctx, line, col, ps->e.msg);
}

/* After a statement only blanks and a comment may follow on its line. */
static int expect_eol(struct parser *ps, const char *after)
{
	struct lexer *lx = &ps->lx;
	char buf[16];

	skip_blank(lx);
	if (lx->p < lx->end && *lx->p == '#')
		skip_to_eol(lx);
	if (at_eol(lx))
		return 0;
	fail(&ps->e, lx->p, "unexpected %s after %s", what(lx->p, lx->end, buf, sizeof(buf)),
	     after);
	report(ps);
	skip_to_eol(lx);
	return -1;
}

static int table_name(const struct toml_table *t, char *buf, size_t size)
{
	size_t n = 0;
	unsigned i;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < t->nseg && n < size; i++)
		n += (size_t)fmt_snprintf(buf + n, size - n, "%s%.*s", i ? "." : "",
					  (int)t->seg[i].len, t->seg[i].ptr);
	return (int)n;
}

static bool same_table(const struct toml_table *a, const struct toml_table *b)
{
	unsigned i;

	if (a->nseg != b->nseg)
		return false;
	for (i = 0; i < a->nseg; i++)
		if (a->seg[i].len != b->seg[i].len ||
		    memcmp(a->seg[i].ptr, b->seg[i].ptr, a->seg[i].len) != 0)
			return false;
	return true;
}

/* Keys that follow a header we could not accept are still checked for
 * syntax but go nowhere. */
static void drop_table(struct parser *ps)
{
	ps->deliver = false;
	ps->nkeys = 0;
}

static void parse_header(struct parser *ps)
{
	struct lexer *lx = &ps->lx;
	const char *open = lx->p, *stop = lx->p;
	struct toml_table t;
	char name[64];
	unsigned i;

	drop_table(ps);
	if (scan_header(open, lx->end, &t, &ps->e, &stop)) {
		report(ps);
		skip_to_eol(lx);
		return;
	}
	t.line = lx->line;
	t.col = col_of(lx, open);
	lx->p = stop;
	if (expect_eol(ps, "table header"))
		return;
	for (i = 0; i < ps->ntables; i++) {
		struct toml_table old;

		if (scan_header(ps->tables[i], lx->end, &old, &ps->e, &stop) ||
		    !same_table(&old, &t))
			continue;
		table_name(&t, name, sizeof(name));
		fail(&ps->e, open, "duplicate table [%s] (first at line %u)", name,
		     line_of(ps, ps->tables[i]));
		report(ps);
		return;
	}
	if (ps->ntables == TOML_MAX_TABLES) {
		fail(&ps->e, open, "too many tables (max %d)", TOML_MAX_TABLES);
		report(ps);
		return;
	}
	ps->tables[ps->ntables++] = open;
	ps->table = t;
	ps->deliver = true;
	if (ps->h->table) {
		int rc = ps->h->table(ps->ctx, &t);

		if (rc < 0)
			ps->stop = rc;
	}
}

static int scan_value(struct lexer *lx, struct toml_value *v, struct scan_err *e)
{
	char buf[16];

	if (lx->p < lx->end && *lx->p == '[')
		return scan_array(lx, v, e);
	if (lx->p < lx->end && *lx->p == '#')
		return fail(e, lx->p, "expected a value after '=', found a comment");
	if (at_eol(lx))
		return fail(e, lx->p, "expected a value after '=', found %s",
			    what(lx->p, lx->end, buf, sizeof(buf)));
	return scan_scalar(lx, v, e);
}

static void parse_keyval(struct parser *ps)
{
	struct lexer *lx = &ps->lx;
	const char *s = lx->p, *vstart;
	struct toml_value v;
	struct toml_key k;
	char buf[16], name[64];
	unsigned i;

	if (!is_bare(*s)) {
		if (*s == '"')
			fail(&ps->e, s, "quoted keys are not supported");
		else
			fail(&ps->e, s, "expected a key or [table], found %s",
			     what(s, lx->end, buf, sizeof(buf)));
		goto bad_line;
	}
	k.name.ptr = s;
	k.name.len = bare_len(s, lx->end);
	k.line = lx->line;
	k.col = col_of(lx, s);
	lx->p += k.name.len;
	skip_blank(lx);
	if (lx->p < lx->end && *lx->p == '.') {
		fail(&ps->e, lx->p, "dotted keys are not supported");
		goto bad_line;
	}
	if (lx->p == lx->end || *lx->p != '=') {
		fail(&ps->e, lx->p, "expected '=' after key '%.*s', found %s",
		     quote_len(k.name.len), s, what(lx->p, lx->end, buf, sizeof(buf)));
		goto bad_line;
	}
	lx->p++;
	skip_blank(lx);
	vstart = lx->p;
	if (scan_value(lx, &v, &ps->e)) {
		report(ps);
		if (vstart < lx->end && *vstart == '[')
			recover_array(lx);
		else
			skip_to_eol(lx);
		return;
	}
	if (expect_eol(ps, "value"))
		return;
	for (i = 0; i < ps->nkeys; i++) {
		if (bare_len(ps->keys[i], lx->end) != k.name.len ||
		    memcmp(ps->keys[i], s, k.name.len) != 0)
			continue;
		if (ps->deliver && ps->table.nseg) {
			table_name(&ps->table, name, sizeof(name));
			fail(&ps->e, s, "duplicate key '%.*s' in [%s] (first at line %u)",
			     quote_len(k.name.len), s, name, line_of(ps, ps->keys[i]));
		} else {
			fail(&ps->e, s, "duplicate key '%.*s' (first at line %u)",
			     quote_len(k.name.len), s, line_of(ps, ps->keys[i]));
		}
		report(ps);
		return;
	}
	if (ps->nkeys == TOML_MAX_KEYS) {
		fail(&ps->e, s, "too many keys in one table (max %d)", TOML_MAX_KEYS);
		report(ps);
		return;
	}
	ps->keys[ps->nkeys++] = s;
	if (ps->deliver && ps->h->keyval) {
		int rc = ps->h->keyval(ps->ctx, &ps->table, &k, &v);

		if (rc < 0)
			ps->stop = rc;
	}
	return;

bad_line:
	report(ps);
	skip_to_eol(lx);
}

int toml_parse(const char *text, size_t len, const struct toml_handler *h, void *ctx)
{
	struct parser ps;
	struct lexer *lx = &ps.lx;

	if (!text) {
		text = "";
		len = 0;
	}
	memset(&ps, 0, sizeof(ps));
	ps.text = text;
	ps.h = h;
	ps.ctx = ctx;
	ps.deliver = true;
	lx->p = text;
	lx->end = text + len;
	lx->line = 1;
	/* Editors on the machines that write ESP files like to add a BOM. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		lx->p += 3;
	lx->line_start = lx->p;
	while (lx->p < lx->end) {
		skip_blank(lx);
		if (lx->p < lx->end && *lx->p == '#')
			skip_to_eol(lx);
		if (at_eol(lx)) {
			next_line(lx);
			continue;
		}
		if (*lx->p == '[')
			parse_header(&ps);
		else
			parse_keyval(&ps);
		if (ps.stop)
			return ps.stop;
	}
	return ps.nerr ? -ERR_INVAL : 0;
}

bool toml_slice_eq(struct toml_slice s, const char *str)
{
	return strlen(str) == s.len && !memcmp(s.ptr, str, s.len);
}

/* Yields the decoded characters of a checked string one at a time. */
static bool str_next(const char **p, const char *end, char *c)
{
	if (*p >= end)
		return false;
	*c = *(*p)++;
	if (*c == '\\' && *p < end) {
		*c = *(*p)++;
		if (*c == 'n')
			*c = '\n';
		else if (*c == 't')
			*c = '\t';
	}
	return true;
}

size_t toml_str_decode(const struct toml_value *v, char *buf, size_t size)
{
	const char *p, *end;
	size_t n = 0;
	char c;

	if (v->type != TOML_STRING) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	p = v->str.raw;
	end = p + v->str.raw_len;
	while (str_next(&p, end, &c)) {
		if (n + 1 < size)
			buf[n] = c;
		n++;
	}
	if (size)
		buf[n < size ? n : size - 1] = '\0';
	return n;
}

bool toml_str_eq(const struct toml_value *v, const char *str)
{
	const char *p, *end;
	char c;

	if (v->type != TOML_STRING)
		return false;
	p = v->str.raw;
	end = p + v->str.raw_len;
	while (str_next(&p, end, &c))
		if (c != *str++)
			return false;
	return *str == '\0';
}

void toml_array_iter(const struct toml_value *arr, struct toml_iter *it)
{
	if (arr->type != TOML_ARRAY || arr->arr.raw_len < 2) {
		it->p = it->end = it->line_start = NULL;
		it->line = 0;
		return;
	}
	it->p = arr->arr.raw + 1;
	it->end = arr->arr.raw + arr->arr.raw_len - 1;
	it->line = arr->line;
	it->line_start = arr->arr.raw - (arr->col - 1);
}

bool toml_array_next(struct toml_iter *it, struct toml_value *elem)
{
	struct lexer lx = {it->p, it->end, it->line_start, it->line};
	struct scan_err e;

	if (!it->p)
		return false;
	skip_space(&lx);
	if (lx.p < lx.end && *lx.p == ',') {
		lx.p++;
		skip_space(&lx);
	}
	if (lx.p >= lx.end || scan_scalar(&lx, elem, &e))
		return false;
	it->p = lx.p;
	it->line_start = lx.line_start;
	it->line = lx.line;
	return true;
}
