/* Console log with levels. Lines go to argon's own console queue and out
 * whole, never interleaved with other lines (vmm/console.h). */
#ifndef ARGON_VMM_LOG_H
#define ARGON_VMM_LOG_H

#include <stdarg.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_printf(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vprintf(enum log_level level, const char *fmt, va_list ap);
/* Writes text as is (no prefix), for guest console lines and dumps. */
void log_raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define pr_err(...) log_printf(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) log_printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

/* Returns err (a negative code) after logging where it was first raised. */
int trace_err_at(int err, const char *file, int line);
#define trace_err(err) trace_err_at((err), __FILE__, __LINE__)

#endif
