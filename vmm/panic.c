#include "vmm/panic.h"

#include <stdarg.h>

#include "lib/fmt.h"
#include "vmm/console.h"
#include "vmm/x86.h"

static int panicking;

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	irq_disable();
	/* A panic inside the panic path must still end with a message and
	 * a halt, not a loop of faults. */
	if (__atomic_fetch_add(&panicking, 1, __ATOMIC_SEQ_CST) > 1)
		halt_forever();
	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write("argon: PANIC: ", 14);
	console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	halt_forever();
}
