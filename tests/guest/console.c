#include "tests/guest/console.h"

#include <stdarg.h>
#include <stdint.h>

#include "lib/fmt.h"
#include "tests/guest/arch.h"
#include "vmm/guest_abi.h"

#define UART_THR 0 /* transmit holding register (write) */
#define UART_LSR 5 /* line status register */
#define UART_RBR 0 /* receive buffer register (read) */
#define UART_LSR_DR 0x01
#define UART_LSR_THRE 0x20

/* A stuck LSR must not hang the guest silently: after this many polls the
 * byte is written anyway, and argon's log shows what it got. */
#define UART_POLL_LIMIT 100000
#define POWER_OFF_GRACE_SPINS 10000000

static void uart_putc(char c)
{
	for (int i = 0; i < UART_POLL_LIMIT; i++)
		if (inb(ARGON_GUEST_UART_PORT + UART_LSR) & UART_LSR_THRE)
			break;
	outb(ARGON_GUEST_UART_PORT + UART_THR, (uint8_t)c);
}

void con_puts(const char *s)
{
	while (*s)
		uart_putc(*s++);
}

void con_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	con_puts(buf);
}

bool con_read_line(char *buf, size_t size, uint64_t timeout_cycles)
{
	uint64_t start = rdtsc();
	size_t n = 0;

	while (n + 1 < size) {
		uint8_t c;

		while (!(inb(ARGON_GUEST_UART_PORT + UART_LSR) & UART_LSR_DR)) {
			if (rdtsc() - start > timeout_cycles) {
				buf[n] = '\0';
				return false;
			}
			cpu_relax();
		}
		c = inb(ARGON_GUEST_UART_PORT + UART_RBR);
		if (c == '\r' || c == '\n') {
			if (n == 0)
				continue;
			break;
		}
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return true;
}

void power_off(void)
{
	outw(ARGON_GUEST_PM1A_CNT_PORT,
	     (uint16_t)(ARGON_GUEST_PM1_SLP_EN |
			(ARGON_GUEST_SLP_TYP_S5 << ARGON_GUEST_PM1_SLP_TYP_OFF)));
	/* Some platforms finish the power-off a little later: only complain
	 * once it has clearly not happened. */
	for (int i = 0; i < POWER_OFF_GRACE_SPINS; i++)
		__asm__ volatile("pause");
	con_puts("argon-testguest: power-off returned\n");
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}
