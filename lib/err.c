#include "lib/err.h"

static const char *const err_names[ERR_MAX] = {
	[0] = "ok",
	[ERR_INVAL] = "invalid argument",
	[ERR_NOMEM] = "out of memory",
	[ERR_NOENT] = "not found",
	[ERR_NODEV] = "no such device or feature",
	[ERR_RANGE] = "out of range",
	[ERR_EXIST] = "already exists",
	[ERR_NOSPC] = "no space left in table",
	[ERR_IO] = "I/O error",
	[ERR_NOTSUP] = "not supported",
	[ERR_FAULT] = "bad address",
	[ERR_BUSY] = "busy",
};

const char *err_str(int err)
{
	if (err < 0)
		err = -err;
	if (err >= ERR_MAX || !err_names[err])
		return "unknown error";
	return err_names[err];
}
