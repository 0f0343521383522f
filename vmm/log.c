#include "vmm/log.h"

#include "lib/err.h"
#include "lib/fmt.h"
#include "vmm/console.h"

static enum log_level current_level = LOG_INFO;
static const char *const level_tags[] = {"error: ", "warning: ", "", "debug: "};

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

static void emit(const char *prefix, const char *fmt, va_list ap)
{
	char buf[512];
	int n, p;

	p = fmt_snprintf(buf, sizeof(buf), "%s", prefix);
	n = fmt_vsnprintf(buf + p, sizeof(buf) - (size_t)p, fmt, ap) + p;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	console_log(buf, (size_t)n);
}

void log_vprintf(enum log_level level, const char *fmt, va_list ap)
{
	char prefix[32];

	if (level > current_level)
		return;
	fmt_snprintf(prefix, sizeof(prefix), "argon: %s", level_tags[level]);
	emit(prefix, fmt, ap);
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(level, fmt, ap);
	va_end(ap);
}

void log_raw(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", fmt, ap);
	va_end(ap);
}

int trace_err_at(int err, const char *file, int line)
{
	pr_debug("%s:%d: %s\n", file, line, err_str(err));
	return err;
}
