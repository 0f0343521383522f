#include "tests/guest/devices.h"

#include <stdint.h>

#include "lib/bits.h"
#include "tests/guest/arch.h"
#include "tests/guest/console.h"
#include "tests/guest/guest.h"
#include "vmm/guest_abi.h"

#define UART_SCR (ARGON_GUEST_UART_PORT + 7) /* scratch register */
#define PORT_UNASSIGNED_W 0x1236
#define PORT_UNASSIGNED_L 0x1238
#define GUARD 0x3C

/* REP OUTSB of n bytes from p: forward, or backward from p (DF set). */
static uint64_t rep_outsb(const void *p, uint64_t n, bool backward)
{
	const void *rsi = p;

	__asm__ volatile("cmpb $0, %b[bw]\n\t"
			 "je 1f\n\t"
			 "std\n"
			 "1:\trep outsb\n\t"
			 "cld"
			 : "+S"(rsi), "+c"(n)
			 : "d"((uint16_t)ARGON_GUEST_UART_PORT), [bw] "q"((uint8_t)backward)
			 : "memory", "cc");
	return n;
}

bool check_string_io_out(char *why, size_t size)
{
	static const char fwd[] = "argon-testguest: rep outsb forward\n";
	static const char bwd[] = "\ndrawkcab bstuo per :tseugtset-nogra";
	uint64_t left = rep_outsb(fwd, sizeof(fwd) - 1, false);

	if (left)
		return guest_explain(why, size, "forward: RCX %lu after REP OUTSB", left);
	left = rep_outsb(bwd + sizeof(bwd) - 2, sizeof(bwd) - 1, true);
	if (left)
		return guest_explain(why, size, "backward: RCX %lu after REP OUTSB", left);
	return true;
}

struct ins_result {
	uint64_t rdi, rcx;
};

/* INS of `width` bytes from port, rep or once, forward or backward. */
static struct ins_result ins(unsigned width, uint16_t port, void *dst, uint64_t n, bool rep,
			     bool backward)
{
	void *rdi = dst;

	if (backward)
		__asm__ volatile("std" ::: "cc");
	switch (width * 2 + rep) {
	case 2:
		__asm__ volatile("insb" : "+D"(rdi) : "d"(port) : "memory");
		break;
	case 3:
		__asm__ volatile("rep insb" : "+D"(rdi), "+c"(n) : "d"(port) : "memory");
		break;
	case 4:
		__asm__ volatile("insw" : "+D"(rdi) : "d"(port) : "memory");
		break;
	case 5:
		__asm__ volatile("rep insw" : "+D"(rdi), "+c"(n) : "d"(port) : "memory");
		break;
	case 8:
		__asm__ volatile("insl" : "+D"(rdi) : "d"(port) : "memory");
		break;
	default:
		__asm__ volatile("rep insl" : "+D"(rdi), "+c"(n) : "d"(port) : "memory");
		break;
	}
	__asm__ volatile("cld" ::: "cc");
	return (struct ins_result){(uint64_t)(uintptr_t)rdi, rep ? n : 0};
}

/* buf[from, to) holds val and the bytes around it the guard. */
static bool filled(const uint8_t *buf, size_t len, size_t from, size_t to, uint8_t val)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != ((i >= from && i < to) ? val : GUARD))
			return false;
	return true;
}

static uint8_t buf[512];

static void reset_buf(void)
{
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = GUARD;
}

bool check_string_io_in(char *why, size_t size)
{
	uint64_t base = (uint64_t)(uintptr_t)buf;
	struct ins_result r;

	outb(UART_SCR, 0xA5);
	reset_buf();
	r = ins(1, UART_SCR, buf + 8, 1, false, false);
	if (!filled(buf, sizeof(buf), 8, 9, 0xA5) || r.rdi != base + 9)
		return guest_explain(why, size, "insb: rdi 0x%lx, buf[8] 0x%x", r.rdi, buf[8]);
	/* 300 bytes: more than argon moves per exit. */
	reset_buf();
	r = ins(1, UART_SCR, buf + 16, 300, true, false);
	if (!filled(buf, sizeof(buf), 16, 316, 0xA5) || r.rdi != base + 316 || r.rcx)
		return guest_explain(why, size, "rep insb: rdi 0x%lx (want 0x%lx), rcx %lu", r.rdi,
				     base + 316, r.rcx);
	/* Backward from buf[99] down to buf[60]. */
	outb(UART_SCR, 0x5A);
	reset_buf();
	r = ins(1, UART_SCR, buf + 99, 40, true, true);
	if (!filled(buf, sizeof(buf), 60, 100, 0x5A) || r.rdi != base + 59 || r.rcx)
		return guest_explain(why, size,
				     "rep insb backward: rdi 0x%lx (want 0x%lx), rcx %lu", r.rdi,
				     base + 59, r.rcx);
	/* Words and doublewords from a port nothing decodes: all ones. */
	reset_buf();
	r = ins(2, PORT_UNASSIGNED_W, buf + 2, 5, true, false);
	if (!filled(buf, sizeof(buf), 2, 12, 0xFF) || r.rdi != base + 12 || r.rcx)
		return guest_explain(why, size, "rep insw: rdi 0x%lx, rcx %lu", r.rdi, r.rcx);
	reset_buf();
	r = ins(4, PORT_UNASSIGNED_L, buf + 4, 1, false, false);
	if (!filled(buf, sizeof(buf), 4, 8, 0xFF) || r.rdi != base + 8)
		return guest_explain(why, size, "insl: rdi 0x%lx", r.rdi);
	reset_buf();
	r = ins(4, PORT_UNASSIGNED_L, buf + 40, 3, true, true);
	if (!filled(buf, sizeof(buf), 32, 44, 0xFF) || r.rdi != base + 28 || r.rcx)
		return guest_explain(why, size, "rep insl backward: rdi 0x%lx, rcx %lu", r.rdi,
				     r.rcx);
	/* REP with RCX = 0 does nothing. */
	reset_buf();
	r = ins(1, UART_SCR, buf, 0, true, false);
	if (!filled(buf, sizeof(buf), 0, 0, 0) || r.rdi != base)
		return guest_explain(why, size, "rep insb with rcx 0 wrote");
	return true;
}

#define IOAPIC_SEL ((volatile uint32_t *)(uintptr_t)ARGON_GUEST_IOAPIC_BASE)
#define IOAPIC_WIN ((volatile uint32_t *)(uintptr_t)(ARGON_GUEST_IOAPIC_BASE + 0x10))
#define IOAPIC_VERSION 0x00170020u /* 24 pins, version 0x20 */
#define RTE_MASKED (1u << 16)

bool check_mmio_ioapic(char *why, size_t size)
{
	register uint32_t r9 __asm__("r9") = 0x03000000;
	uint32_t ver, low, high, sel, zx;
	uint64_t ah;

	/* movl $1,(sel); movl (win),%eax */
	__asm__ volatile("movl $1, (%1)\n\tmovl (%2), %0"
			 : "=r"(ver)
			 : "r"(IOAPIC_SEL), "r"(IOAPIC_WIN)
			 : "memory");
	if (ver != IOAPIC_VERSION)
		return guest_explain(why, size, "version register 0x%x, want 0x%x", ver,
				     IOAPIC_VERSION);
	/* Pin 4 (registers 0x18, 0x19): masked at power-on. A byte store
	 * selects the register. */
	__asm__ volatile("movb %b0, (%1)" : : "q"(0x18), "r"(IOAPIC_SEL) : "memory");
	low = *IOAPIC_WIN;
	if (low != RTE_MASKED)
		return guest_explain(why, size, "pin 4 starts as 0x%x, want masked", low);
	*IOAPIC_WIN = RTE_MASKED | 0x31;
	/* The destination from R9D (REX.R); IOREGSEL read back with MOVZX. */
	__asm__ volatile("movb %b2, (%1)\n\tmovl %3, (%4)\n\tmovzbl (%1), %0"
			 : "=r"(sel)
			 : "r"(IOAPIC_SEL), "q"(0x19), "r"(r9), "r"(IOAPIC_WIN)
			 : "memory");
	high = *IOAPIC_WIN;
	if (sel != 0x19 || high != 0x03000000)
		return guest_explain(why, size, "IOREGSEL 0x%x (want 0x19), pin 4 high 0x%x", sel,
				     high);
	*IOAPIC_SEL = 0x18;
	/* movzwl (win),%eax and movb (win),%ah */
	__asm__ volatile("movzwl (%2), %0\n\t"
			 "movabsq $0x1122334455667788, %%rax\n\t"
			 "movb (%2), %%ah\n\t"
			 "movq %%rax, %1"
			 : "=&r"(zx), "=&r"(ah)
			 : "r"(IOAPIC_WIN)
			 : "rax", "memory");
	if (zx != 0x31 || ah != 0x1122334455663188ull)
		return guest_explain(why, size, "movzwl gave 0x%x (want 0x31), movb to ah 0x%lx",
				     zx, ah);
	/* Back to the power-on state. */
	*IOAPIC_WIN = RTE_MASKED;
	*IOAPIC_SEL = 0x19;
	*IOAPIC_WIN = 0;
	return true;
}

#define ECAM_DWORD(off) ((volatile uint32_t *)(uintptr_t)(ARGON_GUEST_ECAM_BASE + (off)))

bool check_ecam_all_ones(char *why, size_t size)
{
	/* Function 1 of the host bridge, the last device of bus 0, bus 2 and
	 * the last dword of bus 255: nothing is there. */
	static const uint32_t offs[] = {1u << 12, 31u << 15, 2u << 20, ARGON_GUEST_ECAM_SIZE - 4};

	for (size_t i = 0; i < ARRAY_SIZE(offs); i++) {
		uint32_t v = *ECAM_DWORD(offs[i]);

		if (v != 0xFFFFFFFFu)
			return guest_explain(why, size, "ECAM 0x%x reads 0x%x",
					     ARGON_GUEST_ECAM_BASE + offs[i], v);
	}
	return true;
}

bool check_ecam_host_bridge(char *why, size_t size)
{
	uint32_t id = *ECAM_DWORD(0), class_rev = *ECAM_DWORD(8);

	if (id != (ARGON_GUEST_PCI_HOST_DEVICE << 16 | ARGON_GUEST_PCI_HOST_VENDOR) ||
	    class_rev >> 8 != ARGON_GUEST_PCI_HOST_CLASS)
		return guest_explain(why, size, "00:00.0 reads id 0x%x, class 0x%x", id,
				     class_rev >> 8);
	return true;
}

void ecam_write(void)
{
	uint32_t before = *ECAM_DWORD(0), after;

	con_printf("argon-testguest: ECAM reads 0x%x; writing 0 to 0x%x\n", before,
		   ARGON_GUEST_ECAM_BASE);
	*ECAM_DWORD(0) = 0;
	after = *ECAM_DWORD(0);
	if (after == before)
		con_printf("PASS ecam-write: ignored, 00:00.0 still reads 0x%x\n", after);
	else
		con_printf("FAIL ecam-write: 00:00.0 now reads 0x%x\n", after);
	power_off();
}
