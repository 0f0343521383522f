#include "vmm/console.h"

#include "iommu/iommu.h"
#include "sriov/pf_driver.h"
#include "lib/conmux.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "vmm/host/apic.h"
#include "vmm/host/cpu_tables.h"
#include "vmm/host/smp.h"
#include "vmm/spinlock.h"
#include "vmm/host/tsc.h"
#include "vmm/x86.h"

#define COM1 0x3F8
#define UART_RBR 0
#define UART_THR 0
#define UART_IER 1
#define UART_IIR 2
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_DLL 0
#define UART_DLM 1
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define IIR_FIFO 0xC0

#define CTRL_A 0x01
#define FOCUS_PRESSES 3	     /* Ctrl-A this many times moves the input focus */
#define PARTIAL_AGE_US 50000 /* a partial line waits this long for its end */
#define TICK_BUSY_US 500     /* console CPU's tick while the UART holds output up */
#define TICK_IDLE_US 10000   /* otherwise: output and input latency */
#define PUMP_MAX 4096	     /* bytes one pump moves at most */
#define INPUT_MAX 64	     /* bytes read from the UART per tick */
#define ARGON_LOG_SIZE 65536u

struct source {
	char prefix[CONFIG_NAME_MAX + 4];
	const char *name;
	console_input_fn input;
	void *ctx;
};

static struct spinlock pump_lock; /* the UART's output side and the mux */
static struct spinlock log_lock;  /* argon's log has writers on every CPU */
static struct conmux mux;
static struct conmux_src msrc[CONSOLE_MAX_SOURCES];
static struct source sources[CONSOLE_MAX_SOURCES];
static struct conq argon_q;
static char argon_buf[ARGON_LOG_SIZE];
static char stage[CONMUX_OUT_MAX]; /* the line on its way to the UART */
static size_t stage_len, stage_pos;
static bool cr_sent;
static unsigned fifo_size = 1;
static volatile bool served;

/* The console CPU's input state. */
static int focus = -1;
static unsigned ctrl_a;
static char typed[256];
static size_t typed_len;

void console_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1); /* 115200 baud */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0x07); /* enable and clear FIFOs */
	outb(COM1 + UART_MCR, 0x03);
	/* A 16550A takes 16 bytes each time THRE says empty; older parts one. */
	fifo_size = (inb(COM1 + UART_IIR) & IIR_FIFO) == IIR_FIFO ? 16 : 1;
	conq_init(&argon_q, argon_buf, sizeof(argon_buf));
	msrc[0] = (struct conmux_src){.q = &argon_q, .prefix = ""};
	conmux_init(&mux, msrc, 1);
}

static void putc_raw(char c)
{
	/* Bounded wait: a missing UART must not hang the hypervisor. */
	for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1 + UART_THR, (uint8_t)c);
}

void console_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			putc_raw('\r');
		putc_raw(s[i]);
	}
}

static uint64_t now_us(void)
{
	return tsc_to_us(rdtsc());
}

/* Set when the pump last stopped because the UART could take no more:
 * the console CPU then ticks fast to keep it fed. */
static bool uart_full;

/* Moves output to the UART while it takes bytes without waiting, at most
 * limit bytes. With pump_lock held. */
static size_t pump_locked(size_t limit)
{
	size_t moved = 0;

	uart_full = true;
	while (moved < limit && (inb(COM1 + UART_LSR) & LSR_THRE)) {
		for (unsigned i = 0; i < fifo_size && moved < limit; i++, moved++) {
			if (stage_pos == stage_len) {
				stage_len = conmux_next(&mux, now_us(), PARTIAL_AGE_US, stage,
							sizeof(stage));
				stage_pos = 0;
				if (!stage_len) {
					uart_full = false;
					return moved;
				}
			}
			if (stage[stage_pos] == '\n' && !cr_sent) {
				outb(COM1 + UART_THR, '\r');
				cr_sent = true;
				continue;
			}
			outb(COM1 + UART_THR, (uint8_t)stage[stage_pos++]);
			cr_sent = false;
		}
	}
	return moved;
}

static bool all_out(void)
{
	if (stage_pos != stage_len)
		return false;
	for (unsigned i = 0; i < mux.count; i++) {
		uint64_t at;

		if (msrc[i].q && (conq_used(msrc[i].q) || conq_dropped(msrc[i].q, &at)))
			return false;
	}
	return true;
}

/* Pumps until cond holds (checked with pump_lock held). */
static void pump_until(bool (*cond)(const void *arg), const void *arg)
{
	for (;;) {
		if (spin_trylock(&pump_lock)) {
			bool done;

			pump_locked(PUMP_MAX);
			done = cond(arg);
			spin_unlock(&pump_lock);
			if (done)
				return;
		}
		cpu_relax();
	}
}

struct room_want {
	const struct conq *q;
	size_t len;
};

static bool has_room(const void *arg)
{
	const struct room_want *w = arg;

	return conq_room(w->q) >= w->len;
}

void console_make_room(struct conq *q, size_t len)
{
	struct room_want w = {q, len < q->size ? len : (size_t)q->size};

	if (!has_room(&w))
		pump_until(has_room, &w);
}

static bool src_out(const void *arg)
{
	const struct conmux_src *s = arg;

	return !conq_used(s->q) && stage_pos == stage_len;
}

static bool everything_out(const void *arg)
{
	(void)arg;
	return all_out();
}

void console_log(const char *s, size_t len)
{
	spin_lock(&log_lock);
	console_make_room(&argon_q, len);
	conq_put(&argon_q, s, len);
	spin_unlock(&log_lock);
	/* Until a console CPU serves the console, argon's lines go out
	 * before the call returns, as at boot. */
	if (!served)
		pump_until(src_out, &msrc[0]);
}

int console_add_source(struct conq *q, const char *name, console_input_fn input, void *ctx)
{
	int i;

	spin_lock(&pump_lock);
	i = (int)mux.count;
	if (i < CONSOLE_MAX_SOURCES) {
		struct source *s = &sources[i];

		fmt_snprintf(s->prefix, sizeof(s->prefix), "[%s] ", name);
		s->name = name;
		s->input = input;
		s->ctx = ctx;
		msrc[i] = (struct conmux_src){.q = q, .prefix = s->prefix};
		mux.count++;
		if (input && focus < 0)
			focus = i;
	} else {
		i = -1;
	}
	spin_unlock(&pump_lock);
	return i;
}

void console_flush_source(int src)
{
	if (src < 0)
		return;
	msrc[src].flush = true;
	pump_until(src_out, &msrc[src]);
	msrc[src].flush = false;
}

void console_end_input(int src)
{
	if (src >= 0)
		__atomic_store_n(&sources[src].input, NULL, __ATOMIC_RELEASE);
}

void console_kick(void)
{
	if (served || !spin_trylock(&pump_lock))
		return;
	pump_locked(PUMP_MAX);
	spin_unlock(&pump_lock);
}

void console_drain(void)
{
	/* argon's own last lines (power-off) go out before the calls return. */
	served = false;
	for (unsigned i = 0; i < mux.count; i++)
		msrc[i].flush = true;
	pump_until(everything_out, NULL);
}

/* Input: bytes typed go to the guest with the focus; Ctrl-A pressed
 * FOCUS_PRESSES times in a row moves the focus to the next guest. */

static void deliver_typed(void)
{
	console_input_fn fn;
	size_t took;

	if (focus < 0 || !typed_len)
		return;
	fn = __atomic_load_n(&sources[focus].input, __ATOMIC_ACQUIRE);
	if (!fn) {
		typed_len = 0; /* its guest has stopped for good */
		return;
	}
	took = fn(sources[focus].ctx, typed, typed_len);
	memmove(typed, typed + took, typed_len - took);
	typed_len -= took;
}

static void announce_focus(void)
{
	char line[96];
	int n;

	if (focus < 0)
		return;
	n = fmt_snprintf(line, sizeof(line),
			 "argon: console input goes to '%s' (Ctrl-A %u times: next guest)\n",
			 sources[focus].name, FOCUS_PRESSES);
	console_log(line, (size_t)n);
}

static void move_focus(void)
{
	unsigned count = mux.count;

	deliver_typed();
	typed_len = 0; /* what the old guest could not take yet is its loss */
	for (unsigned k = 1; k <= count; k++) {
		unsigned i = ((unsigned)(focus < 0 ? 0 : focus) + k) % count;

		if (__atomic_load_n(&sources[i].input, __ATOMIC_ACQUIRE)) {
			focus = (int)i;
			break;
		}
	}
	announce_focus();
}

static void type(char c)
{
	if (typed_len < sizeof(typed))
		typed[typed_len++] = c;
}

static void read_input(void)
{
	for (unsigned n = 0; n < INPUT_MAX && (inb(COM1 + UART_LSR) & LSR_DR); n++) {
		char c = (char)inb(COM1 + UART_RBR);

		if (c == CTRL_A) {
			if (++ctrl_a == FOCUS_PRESSES) {
				ctrl_a = 0;
				move_focus();
			}
			continue;
		}
		/* Fewer Ctrl-As than the sequence belong to the guest. */
		for (; ctrl_a; ctrl_a--)
			type(CTRL_A);
		type(c);
	}
	deliver_typed();
}

/* The console CPU's timer: TSC-deadline mode where the CPU has it, else a
 * one-shot LAPIC count calibrated against the TSC. */
#define LVT_TSC_DEADLINE (2u << 17)
#define MSR_X2APIC_TIMER_INIT 0x838u
#define MSR_X2APIC_TIMER_CUR 0x839u
#define MSR_X2APIC_TIMER_DIV 0x83Eu
#define TIMER_DIV_1 0xBu
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

static bool tsc_deadline;
static uint64_t apic_ticks_per_ms;

#define MSR_X2APIC_SVR 0x80Fu
#define SVR_ENABLE 0x100u

static void timer_setup(void)
{
	/* An AP's LAPIC comes out of INIT software-disabled. */
	wrmsr(MSR_X2APIC_SVR, SVR_ENABLE | CONSOLE_SPURIOUS_VECTOR);
	tsc_deadline = cpuid(1, 0).ecx & CPUID1_ECX_TSC_DEADLINE;
	if (tsc_deadline) {
		wrmsr(MSR_X2APIC_LVT_TIMER, CONSOLE_TICK_VECTOR | LVT_TSC_DEADLINE);
		return;
	}
	wrmsr(MSR_X2APIC_LVT_TIMER, APIC_LVT_MASKED);
	wrmsr(MSR_X2APIC_TIMER_DIV, TIMER_DIV_1);
	wrmsr(MSR_X2APIC_TIMER_INIT, 0xFFFFFFFFu);
	udelay(1000);
	apic_ticks_per_ms = 0xFFFFFFFFu - rdmsr(MSR_X2APIC_TIMER_CUR);
	wrmsr(MSR_X2APIC_TIMER_INIT, 0);
	wrmsr(MSR_X2APIC_LVT_TIMER, CONSOLE_TICK_VECTOR);
}

static void timer_arm(uint64_t us)
{
	if (tsc_deadline)
		wrmsr(MSR_TSC_DEADLINE, rdtsc() + us * tsc_khz / 1000);
	else
		wrmsr(MSR_X2APIC_TIMER_INIT, us * apic_ticks_per_ms / 1000 ?: 1);
}

static void timer_stop(void)
{
	wrmsr(MSR_X2APIC_LVT_TIMER, APIC_LVT_MASKED);
	if (tsc_deadline)
		wrmsr(MSR_TSC_DEADLINE, 0);
	else
		wrmsr(MSR_X2APIC_TIMER_INIT, 0);
}

static void (*serve_work)(void);

void console_set_work(void (*work)(void))
{
	serve_work = work;
}

void console_serve(bool (*done)(void))
{
	uint64_t fault_poll_us = 0;

	irq_disable();
	timer_setup();
	served = true;
	announce_focus();
	while (!done || !done()) {
		bool busy;

		spin_lock(&pump_lock);
		pump_locked(PUMP_MAX);
		busy = uart_full;
		spin_unlock(&pump_lock);
		read_input();
		/* Faults at most every idle tick, however fast a flood makes
		 * the tick: each look costs MMIO reads of every unit. */
		if (now_us() - fault_poll_us >= TICK_IDLE_US) {
			fault_poll_us = now_us();
			iommu_poll_faults();
		}
		if (serve_work)
			serve_work();
		timer_arm(busy || typed_len ? TICK_BUSY_US : TICK_IDLE_US);
		/* STI's one-instruction shadow: the tick cannot slip in between. */
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		/* What woke it may have been an interrupt nobody asked for. */
		stray_irq_log();
	}
	timer_stop();
	served = false;
}
