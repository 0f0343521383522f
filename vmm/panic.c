#include "vmm/panic.h"

#include <stdarg.h>

#include "lib/fmt.h"
#include "vmm/console.h"
#include "vmm/x86.h"

static int panicking;

static void vprint_raw(const char *fmt, va_list ap)
{
	char buf[256];
	int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);

	console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void panic_print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_raw(fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	irq_disable();
	/* A panic inside the panic path must still end with a message and
	 * a halt, not a loop of faults. */
	if (__atomic_fetch_add(&panicking, 1, __ATOMIC_SEQ_CST) > 1)
		halt_forever();
	console_write("argon: PANIC: ", 14);
	va_start(ap, fmt);
	vprint_raw(fmt, ap);
	va_end(ap);
	halt_forever();
}
