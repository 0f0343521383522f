/* Error codes. Functions return 0 or a positive value on success and a
 * negated code on failure; err_str() names a code for log lines. */
#ifndef ARGON_LIB_ERR_H
#define ARGON_LIB_ERR_H

enum argon_err {
	ERR_INVAL = 1,	/* malformed input */
	ERR_NOMEM = 2,	/* out of memory */
	ERR_NOENT = 3,	/* no such file, table or entry */
	ERR_NODEV = 4,	/* hardware feature missing */
	ERR_RANGE = 5,	/* value out of range */
	ERR_EXIST = 6,	/* already present / overlap */
	ERR_NOSPC = 7,	/* fixed-size table full */
	ERR_IO = 8,	/* device or firmware call failed */
	ERR_NOTSUP = 9, /* valid but not supported */
	ERR_FAULT = 10, /* bad address */
	ERR_BUSY = 11,	/* resource in use */
	ERR_MAX
};

const char *err_str(int err);

#endif
