/* Exception storms (docs/security.md). A guest may raise #AC and #DB as
 * often as it likes, and may arrange for one to recur during its own
 * delivery, which on hardware loops inside the CPU for ever
 * (CVE-2015-5307, CVE-2015-8104). argon intercepts both and gives them
 * back: each one here must reach the guest as the CPU would deliver it
 * (error code, DR6), be counted by argon as an exception exit, and an
 * endless storm at the end must still be stopped when the guest's other
 * vCPU powers the guest off. The triple-fault storm crashes the guest
 * right after each boot; argon restarts it each time. */
#include <stddef.h>

#include "lib/fmt.h"
#include "lib/string.h"
#include "tests/guest/arch.h"
#include "tests/guest/console.h"
#include "tests/guest/guest.h"
#include "tests/guest/hostile.h"
#include "tests/guest/hypercall.h"
#include "tests/guest/idt.h"
#include "vmm/guest_abi.h"
#include "vmm/host/apic.h"

#define STORM_N 2000u /* exceptions per bounded storm */

#define VEC_DB 1
#define VEC_GP 13
#define VEC_AC 17
#define RFLAGS_TF_BIT (1ull << 8)
#define RFLAGS_AC_BIT (1ull << 18)
#define CR0_AM_BIT (1ull << 18)
#define PTE_US (1ull << 2)
#define PTE_PS_BIT (1ull << 7)

/* The GDT of the storms: the test guest's ring-0 selectors, ring-3 data
 * and code, and a TSS for the ring-0 stack. */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA (0x18 | 3)
#define SEL_UCODE (0x20 | 3)
#define SEL_TSS 0x28

struct __attribute__((packed)) tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};

_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS");

static uint64_t gdt[7] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static uint8_t kstack[16384] __attribute__((aligned(16)));
static uint8_t ustack[4096] __attribute__((aligned(16)));

extern const uint8_t storm_ap_start[], storm_ap_end[];
extern const uint8_t flood_ap_start[], flood_ap_end[];
extern const uint8_t storm_ac_user[], storm_ac_load[];
extern const uint8_t storm_step_done[], storm_watch_done[];
extern uint64_t storm_ac_word[2], storm_watch_word;
void storm_step(uint64_t rounds);
void storm_watch(uint64_t rounds);

#define AP_PAGE 0x20000u
#define AP_GO 0x100u
#define AP_STARTED 0x104u
#define AP_STOPPED 0x108u
#define AP_WAIT_CYCLES 20000000000ull

static void tables_init(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} p = {sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt};

	gdt[1] = 0x00AF9B000000FFFFull; /* ring-0 code, as entry.S has it */
	gdt[2] = 0x00CF93000000FFFFull; /* ring-0 data */
	gdt[3] = 0x00CFF3000000FFFFull; /* ring-3 data */
	gdt[4] = 0x00AFFB000000FFFFull; /* ring-3 64-bit code */
	gdt[5] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) |
		 ((limit >> 16) << 48) | ((base >> 24 & 0xFF) << 56);
	gdt[6] = base >> 32;
	tss.rsp[0] = (uint64_t)(uintptr_t)(kstack + sizeof(kstack));
	tss.iomap_base = sizeof(tss);
	__asm__ volatile("lgdt %0\n\tltr %w1" : : "m"(p), "r"(SEL_TSS) : "memory");
}

/* The identity map argon built (4 GiB of 2 MiB pages) opened to ring 3. */
static void user_pages(void)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xFFFull);
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & 0xFFFFFFFFF000ull);

	pml4[0] |= PTE_US;
	for (unsigned i = 0; i < 4; i++) {
		uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[i] & 0xFFFFFFFFF000ull);

		if (!(pdpt[i] & 1))
			continue;
		pdpt[i] |= PTE_US;
		for (unsigned j = 0; j < 512; j++)
			if ((pd[j] & 1) && (pd[j] & PTE_PS_BIT))
				pd[j] |= PTE_US;
	}
	write_cr3(read_cr3());
}

static void write_dr(unsigned n, uint64_t v)
{
	switch (n) {
	case 0:
		__asm__ volatile("mov %0, %%db0" : : "r"(v));
		break;
	case 6:
		__asm__ volatile("mov %0, %%db6" : : "r"(v));
		break;
	default:
		__asm__ volatile("mov %0, %%db7" : : "r"(v));
		break;
	}
}

static uint64_t exceptions_seen_by_argon(void)
{
	return (uint64_t)hypercall(ARGON_HC_EXIT_COUNT, ARGON_EXIT_EXCEPTION, 0, 0);
}

/* ---- the hook's state ---- */

enum storm {
	STORM_NONE,
	STORM_AC,	  /* #AC at CPL 3 until n reaches STORM_N */
	STORM_AC_ENDLESS, /* #AC at CPL 3 for ever */
	STORM_STEP,	  /* single-step #DB */
	STORM_WATCH,	  /* data-breakpoint #DB */
	STORM_DB_ENDLESS, /* #DB recurring in its own delivery */
};

static volatile enum storm storm;
static volatile uint64_t n, bad;
static volatile uint64_t bad_what, bad_val;
static void (*volatile back_to_ring0)(void);

static void note_bad(uint64_t what, uint64_t val)
{
	if (!bad++) {
		bad_what = what;
		bad_val = val;
	}
}

static bool storm_hook(struct trap_frame *f)
{
	uint64_t dr6;

	switch (storm) {
	case STORM_AC:
	case STORM_AC_ENDLESS:
		if (f->vector == VEC_GP && (f->cs & 3) == 3) {
			/* HLT at CPL 3: the storm is over, back to ring 0. */
			f->cs = SEL_KCODE;
			f->ss = SEL_KDATA;
			f->rsp = (uint64_t)(uintptr_t)(kstack + sizeof(kstack) / 2) - 8;
			f->rflags = RFLAGS_FIXED;
			f->rip = (uint64_t)(uintptr_t)back_to_ring0;
			return true;
		}
		if (f->vector != VEC_AC)
			return false;
		if (f->error != 0)
			note_bad(1, f->error);
		if (f->rip != (uint64_t)(uintptr_t)storm_ac_load)
			note_bad(2, f->rip);
		if (++n >= STORM_N && storm == STORM_AC)
			f->rflags &= ~RFLAGS_AC_BIT;
		return true;
	case STORM_STEP:
	case STORM_WATCH:
		if (f->vector != VEC_DB)
			return false;
		__asm__ volatile("mov %%db6, %0" : "=r"(dr6));
		write_dr(6, 0xFFFF0FF0ull);
		if (storm == STORM_STEP && (dr6 & 0xE00F) != 0x4000)
			note_bad(3, dr6);
		if (storm == STORM_WATCH && (dr6 & 0xE00F) != 0x1)
			note_bad(4, dr6);
		if (++n >= STORM_N) {
			f->rflags &= ~RFLAGS_TF_BIT;
			write_dr(7, 0x400);
			f->rip = (uint64_t)(uintptr_t)(storm == STORM_STEP ? storm_step_done
									   : storm_watch_done);
		}
		return true;
	case STORM_DB_ENDLESS:
		if (f->vector != VEC_DB)
			return false;
		n = n + 1;
		return true;
	default:
		return false;
	}
}

/* ---- the stopper ---- */

static volatile uint32_t *ap_word(uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)(AP_PAGE + off);
}

static void start_ap(const uint8_t *start, const uint8_t *end, const char *check)
{
	uint32_t others = ICR_SHORTHAND_OTHERS << ICR_SHORTHAND_OFF;
	uint64_t t0;

	memcpy((void *)(uintptr_t)AP_PAGE, start, (size_t)(end - start));
	*ap_word(AP_GO) = 0;
	*ap_word(AP_STARTED) = 0;
	*ap_word(AP_STOPPED) = 0;
	wrmsr(MSR_X2APIC_ICR, others | ICR_MODE_INIT << ICR_MODE_OFF | ICR_LEVEL_ASSERT);
	wrmsr(MSR_X2APIC_ICR, others | ICR_MODE_SIPI << ICR_MODE_OFF | (AP_PAGE >> 12));
	t0 = rdtsc();
	while (!*ap_word(AP_STARTED) && rdtsc() - t0 < AP_WAIT_CYCLES)
		cpu_relax();
	hostile_verdict(*ap_word(AP_STARTED) != 0, check, "the second vCPU did not start");
}

static void start_stopper(void)
{
	start_ap(storm_ap_start, storm_ap_end, "storm-stopper-started");
}

/* The summary now: the endless storm that follows never returns, and
 * the second vCPU's power-off ends the guest. */
static __attribute__((noreturn)) void endless(enum storm which, const char *what)
{
	hostile_summary("hostile");
	con_printf("argon-hostile: endless %s storm now\n", what);
	n = 0;
	*ap_word(AP_GO) = 1;
	storm = which;
	if (which == STORM_AC_ENDLESS) {
		__asm__ volatile("pushq %[ss]\n\tpushq %[rsp]\n\tpushq %[fl]\n\t"
				 "pushq %[cs]\n\tpushq %[rip]\n\tiretq"
				 :
				 : [ss] "i"(SEL_UDATA),
				   [rsp] "r"((uint64_t)(uintptr_t)(ustack + sizeof(ustack))),
				   [fl] "r"(RFLAGS_FIXED | RFLAGS_AC_BIT), [cs] "i"(SEL_UCODE),
				   [rip] "r"((uint64_t)(uintptr_t)storm_ac_user)
				 : "memory");
	} else {
		/* Single steps without end: each one an exit. (The hardware
		 * form, a #DB that recurs in its own delivery from a data
		 * breakpoint on the interrupt-stack slot the CPU pushes SS to,
		 * is not reproduced by QEMU's TCG: it delivered one #DB.) */
		__asm__ volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq" ::: "memory");
	}
	for (;;)
		cpu_relax();
}

/* ---- #AC ---- */

static __attribute__((noreturn)) void ac_done(void)
{
	char why[96];
	uint64_t argon_saw = exceptions_seen_by_argon();

	write_cr0(read_cr0() & ~CR0_AM_BIT);
	storm = STORM_NONE;
	fmt_snprintf(why, sizeof(why), "%llu #AC, %llu wrong (kind %llu, 0x%llx)",
		     (unsigned long long)n, (unsigned long long)bad, (unsigned long long)bad_what,
		     (unsigned long long)bad_val);
	hostile_verdict(n == STORM_N && bad == 0, "ac-storm-delivered", why);
	fmt_snprintf(why, sizeof(why), "argon counted %llu exception exits",
		     (unsigned long long)argon_saw);
	hostile_verdict(argon_saw >= STORM_N, "ac-storm-intercepted", why);
	con_printf("argon-hostile: %llu #AC, %llu exception exits\n", (unsigned long long)n,
		   (unsigned long long)argon_saw);
	if (n != STORM_N) /* the CPU checks no alignment: nothing to storm with */
		hostile_finish("hostile");
	write_cr0(read_cr0() | CR0_AM_BIT);
	back_to_ring0 = ac_done; /* not reached: the endless storm never ends */
	endless(STORM_AC_ENDLESS, "#AC");
}

void hostile_ac_storm(void)
{
	tables_init();
	user_pages();
	trap_set_hook(storm_hook);
	start_stopper();
	write_cr0(read_cr0() | CR0_AM_BIT);
	n = bad = 0;
	back_to_ring0 = ac_done;
	storm = STORM_AC;
	__asm__ volatile(
		"pushq %[ss]\n\tpushq %[rsp]\n\tpushq %[fl]\n\t"
		"pushq %[cs]\n\tpushq %[rip]\n\tiretq"
		:
		: [ss] "i"(SEL_UDATA), [rsp] "r"((uint64_t)(uintptr_t)(ustack + sizeof(ustack))),
		  [fl] "r"(RFLAGS_FIXED | RFLAGS_AC_BIT), [cs] "i"(SEL_UCODE),
		  [rip] "r"((uint64_t)(uintptr_t)storm_ac_user)
		: "memory");
	__builtin_unreachable();
}

/* ---- #DB ---- */

static void db_check(const char *name, enum storm which, void (*run)(uint64_t rounds))
{
	char why[96];
	uint64_t before = exceptions_seen_by_argon(), argon_saw;

	n = bad = 0;
	storm = which;
	run(4 * STORM_N);
	storm = STORM_NONE;
	argon_saw = exceptions_seen_by_argon() - before;
	fmt_snprintf(why, sizeof(why), "%llu #DB, %llu with a wrong DR6 (first 0x%llx)",
		     (unsigned long long)n, (unsigned long long)bad, (unsigned long long)bad_val);
	hostile_verdict(n == STORM_N && bad == 0, name, why);
	con_printf("argon-hostile: %s: %llu #DB, %llu exception exits\n", name,
		   (unsigned long long)n, (unsigned long long)argon_saw);
	fmt_snprintf(why, sizeof(why), "argon counted %llu exception exits",
		     (unsigned long long)argon_saw);
	hostile_verdict(argon_saw >= STORM_N, "db-storm-intercepted", why);
}

static void watch_run(uint64_t rounds)
{
	write_dr(6, 0xFFFF0FF0ull);
	write_dr(0, (uint64_t)(uintptr_t)&storm_watch_word);
	write_dr(7, 0x400 | 1 | (1ull << 16) | (2ull << 18)); /* L0, write, 8 bytes */
	storm_watch(rounds);
	write_dr(7, 0x400);
}

void hostile_db_storm(void)
{
	tables_init();
	trap_set_hook(storm_hook);
	start_stopper();
	write_dr(6, 0xFFFF0FF0ull);
	db_check("db-storm-single-step", STORM_STEP, storm_step);
	db_check("db-storm-data-breakpoint", STORM_WATCH, watch_run);
	endless(STORM_DB_ENDLESS, "#DB");
}

/* ---- triple faults ---- */

/* Each boot writes an LVT as SMI (argon masks it and warns, once per
 * boot), then triple-faults until boot `testguest.boots`, which ends. */
void hostile_tf_storm(const char *cmdline)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = {0, 0};
	uint64_t boot = cmdline_u64(cmdline, "argon.boot=", 0),
		 boots = cmdline_u64(cmdline, "testguest.boots=", 3);

	wrmsr(0x835, (2u << 8) | 0x31); /* LINT0 as SMI */
	hostile_verdict(((uint32_t)rdmsr(0x835) & 0x10700) == 0x10000, "tf-storm-lint0-smi-masked",
			"LINT0 not masked fixed");
	if (boot < boots) {
		con_printf("argon-hostile: boot %llu of %llu: triple fault now\n",
			   (unsigned long long)boot, (unsigned long long)boots);
		__asm__ volatile("lidt %0\n\tint3" : : "m"(no_idt));
		hostile_verdict(false, "tf-storm-triple-fault", "execution went on");
	}
	hostile_verdict(boot == boots, "tf-storm-boots", "not the boot number expected");
	hostile_finish("hostile");
}

/* ---- console flood from every vCPU ---- */

#define FLOOD_SECS 3

/* Both vCPUs flood the console at once for FLOOD_SECS of the TSC: this
 * one writes whole lines as fast as its UART takes them (it waits when
 * its console queue is full), the other writes THR blindly. */
void hostile_console_flood_all(void)
{
	uint64_t t0, hz, lines = 0, t;

	/* The TSC rate from the 8254 channel 2, as the victim measures it. */
	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
	outb(0x43, 0xB0);
	outb(0x42, 0xFF);
	outb(0x42, 0xFF);
	t = rdtsc();
	while (!(inb(0x61) & 0x20))
		;
	hz = (rdtsc() - t) * 1193182ull / 0xFFFF;
	start_ap(flood_ap_start, flood_ap_end, "flood-second-vcpu-started");
	t0 = rdtsc();
	while (rdtsc() - t0 < FLOOD_SECS * hz)
		con_printf("argon-hostile: flood line %llu from the first vCPU, with some padding "
			   "to make it long\n",
			   (unsigned long long)++lines);
	*ap_word(AP_GO) = 2;
	t = rdtsc();
	while (!*ap_word(AP_STOPPED) && rdtsc() - t < AP_WAIT_CYCLES)
		cpu_relax();
	con_puts("\n");
	hostile_verdict(*ap_word(AP_STOPPED) != 0, "flood-second-vcpu-stopped",
			"the second vCPU did not stop flooding");
	con_printf("argon-hostile: %llu flood lines written\n", (unsigned long long)lines);
	hostile_finish("hostile");
}
