/* A callback parser for the subset of TOML that argon.conf uses. It needs no
 * heap and keeps no state between calls; every string it hands out points
 * into the caller's text.
 *
 * Accepted:
 *   # comments, to the end of a line
 *   [table] and [table.sub] headers of bare names (A-Z a-z 0-9 _ -), at most
 *     TOML_MAX_DEPTH parts, spaces allowed around the dots
 *   key = value, with a bare key and one of:
 *     "basic string"   escapes \" \\ \n \t; no raw control characters
 *     integer          decimal with optional sign (no leading zeros), or 0x
 *                      hex; '_' allowed between digits; int64 range
 *     true / false
 *     [array]          of integers or of strings (one type per array); may
 *                      span lines and hold comments; trailing comma allowed
 * Lines end with LF or CRLF. Not accepted (reported as errors): literal and
 * multi-line strings, floats, dates, inline tables, arrays of tables, quoted
 * or dotted keys, nested arrays.
 *
 * A table header seen twice and a key set twice in one table are errors.
 * After a syntax error the parser resumes at the next line (or, inside an
 * array, after the array) so that one pass reports every error in the file.
 * Lines and columns are 1-based; columns count bytes. */
#ifndef ARGON_LIB_TOML_H
#define ARGON_LIB_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOML_MAX_DEPTH 4   /* parts in a table name: [a.b.c.d] */
#define TOML_MAX_TABLES 64 /* table headers per file */
#define TOML_MAX_KEYS 64   /* keys per table */
#define TOML_MSG_MAX 120   /* error messages, with the NUL */

/* A piece of the parsed text; not NUL-terminated. */
struct toml_slice {
	const char *ptr;
	size_t len;
};

struct toml_table {
	struct toml_slice seg[TOML_MAX_DEPTH];
	unsigned nseg;	    /* 0: the root table, before any header */
	unsigned line, col; /* of the header's '[' (0 for the root table) */
};

struct toml_key {
	struct toml_slice name;
	unsigned line, col;
};

enum toml_type {
	TOML_NONE, /* element type of an empty array */
	TOML_STRING,
	TOML_INT,
	TOML_BOOL,
	TOML_ARRAY,
};

struct toml_value {
	enum toml_type type;
	unsigned line, col; /* first character of the value */
	union {
		int64_t i;
		bool b;
		struct {
			const char *raw; /* between the quotes, escapes not decoded */
			size_t raw_len;
			size_t len; /* decoded length */
		} str;
		struct {
			const char *raw; /* from '[' to ']' inclusive */
			size_t raw_len;
			size_t count;
			enum toml_type elem; /* TOML_INT, TOML_STRING or TOML_NONE */
		} arr;
	};
};

/* Callbacks; any may be NULL. A negative return from table() or keyval()
 * stops the parse and is returned by toml_parse(). */
struct toml_handler {
	/* A table header that is well formed and new. Keys after a bad or
	 * repeated header are checked for syntax but not passed on. */
	int (*table)(void *ctx, const struct toml_table *t);
	/* A key and its value; t is the table the key belongs to. */
	int (*keyval)(void *ctx, const struct toml_table *t, const struct toml_key *k,
		      const struct toml_value *v);
	/* A syntax error: msg is a short sentence without position. */
	void (*error)(void *ctx, unsigned line, unsigned col, const char *msg);
};

/* Returns 0, -ERR_INVAL if error() was called at least once, or the
 * negative value a callback returned. */
int toml_parse(const char *text, size_t len, const struct toml_handler *h, void *ctx);

/* Whether a slice equals a C string. */
bool toml_slice_eq(struct toml_slice s, const char *str);

/* Decodes a TOML_STRING value into buf like str_copy(): copies at most
 * size-1 bytes, always terminates, returns the full decoded length. */
size_t toml_str_decode(const struct toml_value *v, char *buf, size_t size);

/* Whether a TOML_STRING value, decoded, equals str. */
bool toml_str_eq(const struct toml_value *v, const char *str);

/* Walks the elements of a TOML_ARRAY value as passed to keyval(); each
 * element comes with its own line and column. */
struct toml_iter {
	const char *p, *end, *line_start;
	unsigned line;
};

void toml_array_iter(const struct toml_value *arr, struct toml_iter *it);
bool toml_array_next(struct toml_iter *it, struct toml_value *elem);

#endif
